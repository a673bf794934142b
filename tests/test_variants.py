"""name-variant: one-character misspellings of official names by sound (pypinyin) and shape."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from checks.base import Violation
from checks.variants import NameVariant, find_variants, load_names
from conftest import REALPAGES
from govwatch.store.view import RunView
from govwatch.testing import RunBuilder

HOME = "http://www.sl.gov.cn/"


@pytest.mark.parametrize("text, found", [
    ("示例县人民政府办工厅关于做好防汛工作的通知", [("办工厅", "办公厅", "同音")]),
    ("县人民正府召开常务会议", [("人民正府", "人民政府", "同音")]),
    ("国务院办公斤印发通知", [("国务院办公斤", "国务院办公厅", "形近")]),
    ("《政府信息公开条列》第二十条", [("政府信息公开条列", "政府信息公开条例", "同音")]),
    ("“十四伍”规划实施情况", [("十四伍", "十四五", "同音")]),
    # correct forms and real words close to a name
    ("示例县人民政府办公室、县发展和改革委员会、县市场监督管理局联合发布", []),
    ("窗口办公时间为工作日上午", []),
    ("中华人民共和国政府信息公开条例", []),
])
def test_find_variants(text, found):
    assert [(v.wrong, v.right, v.how) for v in find_variants(text, load_names())] == found


def test_allow_list_parameter():
    text = "本村的村民委员汇报了工作"  # 委员会 / 委员汇: a real sentence (委员 汇报)
    assert [v.wrong for v in find_variants(text, load_names())] == ["村民委员汇"]
    assert find_variants(text, load_names(), frozenset({"委员汇报"})) == []


def test_the_check_reports_per_page_and_leaves_listed_typos_to_wording_error(store):
    with RunBuilder(dt.date(2026, 11, 22), store=store) as run:
        run.site("县", HOME, home_status=None)
        for i, text in enumerate(["县人民政府办工厅通知。县人民政府办工厅发布。", "中华人民共合国安全生产法",
                                  "中华人民共禾国国旗"]):
            run.page("县", f"{HOME}a/{i}.html", title="通知", text=text)
    run_id = run.run_id
    check = NameVariant()
    with store.session() as s:
        found = [v for v in check.check(RunView(s, run_id, dt.date(2026, 11, 22), ("县",)), check.params({}))
                 if isinstance(v, Violation)]
    assert [(v.url, v.detail["wrong"], v.detail["count"]) for v in found] == [
        (f"{HOME}a/0.html#wording-variant-办工厅", "办工厅", 2),
        (f"{HOME}a/2.html#wording-variant-中华人民共禾国", "中华人民共禾国", 1)]
    assert found[0].detail["sentence"] == "县人民政府办工厅通知。" and "veto_candidate" not in found[0].detail
    assert found[1].detail["veto_candidate"] is True and found[1].detail["how"] == "同音"


def test_zero_hits_on_correct_text():
    """bench/variants_precision.py: the real pages (when ../shared is there), the fixtures and
    the demo portal give no false hit."""
    path = Path(__file__).resolve().parent.parent / "bench" / "variants_precision.py"
    spec = importlib.util.spec_from_file_location("variants_precision", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    chars, false, lines = bench.measure(REALPAGES)
    assert false == 0, lines
    assert chars > (100_000 if REALPAGES.is_dir() else 30_000)
