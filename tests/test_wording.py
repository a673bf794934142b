"""wording-error: the lexicon, the matcher's traps (substrings, dates, history) and the check
over a run built in a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from checks.base import Note
from checks.wording import (KINDS, LEXICON_DIR, WordingError, builtin_lexicon, find_wording_errors,
                            load_lexicon, quote)
from govwatch.store.view import PreviousViolation, RunView
from govwatch.testing import RunBuilder

AS_OF = dt.date(2026, 11, 22)
LATE = dt.date(2024, 5, 6)  # after every certain `since` of the built-in lexicon


def hits(text, published=None, **kw):
    lexicon = kw.pop("lexicon", None) or WordingError.params().lexicon
    return [(h.wrong, h.right, h.kind, h.level) for h in find_wording_errors(text, lexicon, published, **kw)]


# -- the built-in lexicon --------------------------------------------------------------------


def test_builtin_lexicon_is_versioned_and_complete():
    lexicon = builtin_lexicon()
    assert {name for name, _, _ in lexicon.files} == {"govwatch-typos", "govwatch-renamed", "govwatch-formulations"}
    assert all(version for _, version, _ in lexicon.files)
    assert {e.kind for e in lexicon.entries} == set(KINDS)
    assert all(e.source and e.right and e.version for e in lexicon.entries)
    assert all(e.since for e in lexicon.entries if e.kind == "renamed")
    assert len({e.key for e in lexicon.entries}) == len(lexicon.entries)
    assert sorted(p.name for p in LEXICON_DIR.glob("*.yaml")) == ["formulations.yaml", "renamed.yaml", "typos.yaml"]


# -- typos -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("庆祝中华人民共合国成立七十五周年。", [("中华人民共合国", "中华人民共和国", "typo", "serious")]),
    ("中共人民共和国国歌", [("中共人民共和国", "中华人民共和国", "typo", "serious")]),
    ("中华人民大和国", [("中华人民大和国", "中华人民共和国", "typo", "serious")]),
    ("县人民攻府办公室", [("攻府", "政府", "typo", "serious")]),
    ("推进秸杆综合利用", [("秸杆", "秸秆", "typo", "normal")]),
    ("庆祝中华人民共和国成立七十五周年，县人民政府推进秸秆综合利用。", []),  # right forms
    ("工作人员轻松驰骋在田间。", []),  # 松驰 inside 轻松驰骋: an `except` word
    ("防止肌肉松驰。", [("松驰", "松弛", "typo", "normal")]),
])
def test_typos(text, expected):
    assert hits(text) == expected


def test_sentence_is_quoted_and_trimmed():
    text = "第一句话。\n县人民攻府召开常务会议；第三句。"
    (hit,) = find_wording_errors(text)
    assert hit.sentence == "县人民攻府召开常务会议；" and hit.offset == text.index("攻府")
    long = "甲" * 200 + "推进秸杆综合利用" + "乙" * 200 + "。"
    (hit,) = find_wording_errors(long)
    assert "秸杆" in hit.sentence and hit.sentence.startswith("…") and hit.sentence.endswith("…")
    assert len(hit.sentence) <= 122
    assert quote("a\n  秸杆  b\n", 5, 7) == "秸杆 b"  # whitespace collapsed, line break cuts


def test_allow_list_masks_only_the_covered_occurrence():
    text = "秸杆村开展秸杆综合利用。"  # 秸杆村: a (made-up) proper name
    found = find_wording_errors(text, allow=("秸杆村",))
    assert [h.offset for h in found] == [text.index("开展") + 2]
    assert find_wording_errors(text, allow=("秸杆",)) == []  # the bare form switches it off


# -- outdated names --------------------------------------------------------------------------


@pytest.mark.parametrize("published, reported", [
    (dt.date(2019, 3, 31), False), (dt.date(2019, 4, 1), True), (None, False),
])
def test_renamed_only_after_its_date(published, reported):
    skipped = []
    found = find_wording_errors("县国土资源局召开专题会议。", published=published, skipped=skipped)
    assert bool(found) == reported
    if reported:
        assert found[0].right == "自然资源局 或 自然资源和规划局" and found[0].entry.since == dt.date(2019, 4, 1)
    assert bool(skipped) == (published is None)  # unknown date: held back so the check can say so


@pytest.mark.parametrize("text", [
    "原县国土资源局局长张某某出席会议。",
    "原国土资源局的职责已整合。",
    "县国土资源局更名为县自然资源局。",
    "县自然资源局的前身是县国土资源局。",
    "2017年，县国土资源局完成了土地变更调查。",
    "依据《县国土资源局关于加强耕地保护的通知》执行。",
])
def test_renamed_historical_mentions_are_not_reported(text):
    assert hits(text, LATE) == []


@pytest.mark.parametrize("text", [
    "原则上由县国土资源局负责受理。",  # 原则, not 原 = former
    "2017年至2024年，县国土资源局持续推进整治。",  # the sentence reaches past the change
])
def test_renamed_present_mentions_are_reported(text):
    assert [h[0] for h in hits(text, LATE)] == ["国土资源局"]


@pytest.mark.parametrize("text, expected", [
    ("美国环保局发布报告。", []),  # US EPA: an `except` word
    ("县生态环境局召开会议。", []),
    ("县环保局召开会议。", ["环保局"]),
    ("煤矿安监局开展检查。", []),
    ("县安监局开展检查。", ["安监局"]),
    ("美国国税局公布数据。", []),
    ("县地税局、县国税局联合办公。", ["地税局", "国税局"]),
    ("国家卫生和计划生育委员会发布通知。", ["国家卫生和计划生育委员会"]),  # one hit: the longest
    ("依据国土资源部令第45号执行。", []),
])
def test_renamed_substring_traps(text, expected):
    assert [h[0] for h in hits(text, LATE)] == expected


def test_national_and_local_dates_differ():
    # between the national 挂牌 (2018-03-27) and the end of the local reforms (2019-04-01)
    assert hits("国家卫生和计划生育委员会发布通知。", dt.date(2018, 6, 1))[0][0] == "国家卫生和计划生育委员会"
    assert hits("县卫生和计划生育委员会发布通知。", dt.date(2018, 6, 1)) == []


def test_uncertain_entries_only_when_asked():
    text = "县扶贫办召开会议。"
    assert hits(text, LATE) == []
    assert hits(text, LATE, lexicon=WordingError.params({"include_uncertain": True}).lexicon)[0][0] == "扶贫办"


# -- formulations ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("台湾政府宣布新措施。", [("台湾政府", "台湾当局 或 台湾方面", "formulation", "serious")]),
    ("台湾当局宣布新措施。", []),
    ("积极参与“一带一路”战略。", [("“一带一路”战略", "“一带一路”倡议", "formulation", "normal")]),
    ("积极参与“一带一路”倡议。", []),
    ("深化“一带一路”战略合作。", []),
    ("中共某某省省委召开全会。", [("中共某某省省委", "中共××省委（不重复“省/市/县/区”）", "formulation", "normal")]),
    ("中共某某市市场监管局党组召开会议。", []),  # 市市场 is not 市市委
    ("中共某某省委召开全会。", []),
])
def test_formulations(text, expected):
    assert hits(text) == expected


# -- user lexicons and parameters ------------------------------------------------------------


USER_LEXICON = """\
name: 本地词库
version: 3
entries:
  - wrong: 旅游局
    right: 文化和旅游局
    kind: renamed
    level: normal
    since: 2019-04-01
    source: 本县机构改革方案
  - wrong: 秸杆
    right: 秸秆
    kind: typo
    level: serious
    source: 本地复核意见
"""


def test_user_lexicon_adds_and_replaces_entries(tmp_path, monkeypatch):
    (tmp_path / "local.yaml").write_text(USER_LEXICON, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # relative paths resolve against the current directory
    params = WordingError.params({"extra_lexicons": ["local.yaml"]})
    lexicon = params.lexicon
    assert hits("县旅游局发布公告。", LATE, lexicon=lexicon) == [("旅游局", "文化和旅游局", "renamed", "normal")]
    assert hits("县文化和旅游局发布公告。", LATE, lexicon=lexicon) == []  # the right form covers it
    assert hits("推进秸杆综合利用。", lexicon=lexicon) == [("秸杆", "秸秆", "typo", "serious")]  # replaced
    (entry,) = [e for e in lexicon.entries if e.wrong == "秸杆"]
    assert (entry.lexicon, entry.version) == ("本地词库", "3")
    assert "本地词库 3" in lexicon.version
    only_user = WordingError.params({"extra_lexicons": ["local.yaml"], "builtin": False}).lexicon
    assert hits("县人民攻府。", lexicon=only_user) == []


@pytest.mark.parametrize("content, problem", [
    (None, "not found"),
    ("version: 1\nentries: [\n", "not valid YAML (line"),
    ("entries: []\n", "`version` is required"),
    ("version: 1\nentries:\n  - {wrong: 秸杆, right: 秸秆, kind: typoo, level: normal, source: x}\n",
     "entry 1 (秸杆): `kind` must be one of typo, renamed, formulation"),
    ("version: 1\nentries:\n  - {wrong: 旅游局, right: 文旅局, kind: renamed, level: normal, source: x}\n",
     "needs `since`"),
    ("version: 1\nentries:\n  - {wrong: 秸杆, kind: typo, level: normal, source: x}\n", "`right`"),
    ("version: 1\nentries:\n  - {regex: '(', right: x, kind: typo, level: normal, source: x}\n",
     "not a valid regular expression"),
    ("version: 1\nentries:\n  - {wrong: 秸杆, right: 秸秆, kind: typo, level: normal, source: x, excpt: [a]}\n",
     "unknown key 'excpt'"),
    ("version: 1\nentries:\n  - {wrong: 环保局, right: 生态环境局, kind: typo, level: normal, source: x, except: [美国]}\n",
     "does not contain the wrong text"),
])
def test_malformed_lexicon_is_a_clear_error(tmp_path, content, problem):
    path = tmp_path / "bad.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        WordingError.params({"extra_lexicons": [str(path)]})
    message = str(err.value)
    assert message.startswith("parameter 'extra_lexicons': ") and str(path) in message and problem in message


def test_sites_file_with_a_bad_lexicon_fails_with_its_line(tmp_path, monkeypatch):
    from govwatch import jobs
    from govwatch.config import ConfigError, load_config

    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 县\n    url: http://127.0.0.1:9/\nrules:\n  wording-error:\n"
                     "    extra_lexicons: [missing.yaml]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"sites.yaml:6: rules.wording-error: parameter 'extra_lexicons': \S*"
                                          r"missing.yaml: lexicon file not found"):
        jobs.enabled_checks(load_config(sites), {"wording-error": WordingError})


def test_parameter_values_are_validated():
    with pytest.raises(ValueError, match="unknown value 'typos'"):
        WordingError.params({"kinds": ["typos"]})
    with pytest.raises(ValueError, match="'levels'"):
        WordingError.params({"levels": ["critical"]})
    only_serious = WordingError.params({"levels": ["serious"], "kinds": ["typo"]}).lexicon
    assert {(e.kind, e.level) for e in only_serious.entries} == {("typo", "serious")}
    assert load_lexicon(builtin=False).entries == ()


# -- the check over a run --------------------------------------------------------------------


def make_run(store, pages, completed=True):
    """pages: (url, kind, title, text, published); the articles are 工作动态's rows."""
    with RunBuilder(AS_OF, store=store) as run:
        run.site("县", "http://x.gov.cn/", completed=completed)
        run.column("县", "工作动态", "http://x.gov.cn/gzdt/", "news",
                   items=[(url, title or "", published) for url, kind, title, _, published in pages if kind == "article"])
        for url, kind, title, text, published in pages:
            run.page("县", url, kind=kind, title=title, text=text, published=published)
    return run.run_id


def run_check(store, run_id, **params):
    check = WordingError()
    with store.session() as s:
        return list(check.check(RunView(s, run_id, AS_OF, ("县",)), check.params(params)))


A = "http://x.gov.cn/gzdt/"
PAGES = [
    (A + "1.html", "article", "县人民攻府召开常务会议", "县人民攻府召开常务会议。会议指出，县人民攻府要做好秸杆禁烧。", LATE),
    (A + "2.html", "article", "县自然资源局开展调查", "县国土资源局开展土地调查。", LATE),
    (A + "3.html", "article", "旧闻", "县国土资源局开展土地调查。", dt.date(2018, 5, 2)),  # before the change
    ("http://x.gov.cn/", "home", "某县人民政府", "部门导航：县国土资源局。台湾政府宣布新措施。", None),
    ("http://x.gov.cn/zfxxgk/", "list", "信息公开", "积极参与“一带一路”战略。", None),
    ("http://x.gov.cn/hdjl/1.html", "article", "留言", "网民来信提到中华人民共合国。", LATE),
    (A + "4.html", "article", "推进脱贫功坚", "正文没有错字。", LATE),  # the error is in the title only
]


def test_check_reports_each_page_and_wrong_form(store):
    run_id = make_run(store, PAGES)
    # by default only articles and pages are read; home and list pages on request
    assert {w for w in (v.detail["wrong"] for v in run_check(store, run_id) if not isinstance(v, Note))} == {
        "攻府", "秸杆", "国土资源局", "中华人民共合国", "脱贫功坚"}
    out = run_check(store, run_id, page_kinds=["article", "page", "home", "list"])
    notes = [o for o in out if isinstance(o, Note)]
    found = {(v.page, v.detail["wrong"]): v for v in out if not isinstance(v, Note)}
    assert set(found) == {(A + "1.html", "攻府"), (A + "1.html", "秸杆"), (A + "2.html", "国土资源局"),
                          ("http://x.gov.cn/", "台湾政府"), ("http://x.gov.cn/zfxxgk/", "“一带一路”战略"),
                          ("http://x.gov.cn/hdjl/1.html", "中华人民共合国"), (A + "4.html", "脱贫功坚")}
    assert found[(A + "4.html", "脱贫功坚")].detail["in_title"] is True
    typo = found[(A + "1.html", "攻府")]
    assert typo.detail["count"] == 2 and typo.detail["in_title"] is True and typo.detail["veto_candidate"] is True
    assert typo.detail["sentence"] == "县人民攻府召开常务会议。" and typo.column == "工作动态"
    assert typo.detail["lexicon"] == "govwatch-typos" and typo.detail["lexicon_version"] == "2025.1"
    assert typo.url.startswith(A + "1.html#wording-") and typo.severity is None  # the check's: deduction
    assert "veto_candidate" not in found[(A + "1.html", "秸杆")].detail
    renamed = found[(A + "2.html", "国土资源局")].detail
    assert renamed["since"] == "2019-04-01" and renamed["published"] == LATE.isoformat() and not renamed["in_title"]
    assert len({v.url for v in found.values()}) == len(found)  # distinct subjects, distinct keys
    json.dumps([v.detail for v in found.values()])
    # the undated home page's outdated name is not judged, and the run says so
    assert [(n.site, "http://x.gov.cn/" in n.text) for n in notes] == [("县", True)]
    assert WordingError.severity == "deduction"


def test_check_parameters(store):
    run_id = make_run(store, PAGES)
    every_kind = {"page_kinds": ["article", "page", "home", "list"]}
    violations = lambda **p: sorted((v.page, v.detail["wrong"]) for v in run_check(store, run_id, **{**every_kind, **p})
                                    if not isinstance(v, Note))
    assert ("http://x.gov.cn/hdjl/1.html", "中华人民共合国") not in violations(allow_urls=["http://x.gov.cn/hdjl/"])
    assert {w for _, w in violations(kinds=["renamed"])} == {"国土资源局"}
    assert {w for _, w in violations(levels=["serious"])} == {"攻府", "台湾政府", "中华人民共合国"}
    assert {w for _, w in violations(allow=["县人民攻府"])} >= {"秸杆"} and \
        "攻府" not in {w for _, w in violations(allow=["县人民攻府"])}
    assert {p for p, _ in violations(page_kinds=["article"])} == {A + "1.html", A + "2.html", A + "4.html",
                                                                 "http://x.gov.cn/hdjl/1.html"}


def test_template_text_is_reported_once_for_the_site(store):
    footer = "版权所有：某县人民攻府。"
    pages = [(f"{A}{i}.html", "article", f"新闻{i}", f"正文{i}。{footer}", LATE) for i in range(5)]
    pages.append((A + "9.html", "article", "另一条", "县人民攻府召开会议。" + footer, LATE))
    run_id = make_run(store, pages)
    found = [v for v in run_check(store, run_id) if not isinstance(v, Note)]
    site_wide = [v for v in found if v.detail["scope"] == "site"]
    assert len(site_wide) == 1 and site_wide[0].detail["pages"] == 6
    assert site_wide[0].url.startswith("http://x.gov.cn/#wording-")
    # the page's own sentence is still its own problem
    assert [(v.page, v.detail["sentence"]) for v in found if v.detail["scope"] == "page"] == \
        [(A + "9.html", "县人民攻府召开会议。")]
    # below the threshold, every page is reported
    assert len([v for v in run_check(store, run_id, repeated_pages=0) if not isinstance(v, Note)]) == 6


def test_rechecked(store):
    first = make_run(store, PAGES)
    by_word = {v.detail["wrong"]: v for v in run_check(store, first) if not isinstance(v, Note)}
    second = make_run(store, [(A + "1.html", "article", "县人民政府召开常务会议", "已改正。", LATE),
                              (A + "2.html", "article", "县自然资源局开展调查", "日期读不到了。", None)])
    check = WordingError()

    def prev(v):
        return PreviousViolation(v.key, v.rule, v.site, v.url, v.page, v.column, "open", v.detail)

    with store.session() as s:
        view = RunView(s, second, AS_OF, ("县",))
        assert check.rechecked(view, prev(by_word["攻府"])) is True  # read again: can become fixed
        assert check.rechecked(view, prev(by_word["国土资源局"])) is False  # now undated: not judged
        assert check.rechecked(view, prev(by_word["中华人民共合国"])) is False  # not read this run


def test_a_sites_file_names_its_lexicon_beside_itself_not_beside_the_cwd(tmp_path, monkeypatch):
    from govwatch import jobs
    from govwatch.config import load_config

    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "local.yaml").write_text(USER_LEXICON, encoding="utf-8")
    sites = conf / "sites.yaml"
    sites.write_text("sites:\n  - name: 县\n    url: http://127.0.0.1:9/\nrules:\n  wording-error:\n"
                     "    extra_lexicons: local.yaml\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # cron starts elsewhere
    (params,) = [p for c, p in jobs.enabled_checks(load_config(sites), {"wording-error": WordingError})]
    assert params.extra_lexicons == (str(conf / "local.yaml"),)
    assert hits("推进秸杆综合利用。", lexicon=params.lexicon) == [("秸杆", "秸秆", "typo", "serious")]
