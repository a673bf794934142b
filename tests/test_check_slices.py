"""A check is one slice: subject (re-check and "fixed" follow from it), its sentence asked of
the registry, typed evidence; rules that build on other rules use the run's parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checks.accounts import AccountStale, AccountStaleEarlyWarning
from checks.base import Check, Violation
from checks.freshness import BlankColumn, StaleColumn, StaleColumnEarlyWarning, TooManyStaleColumns
from checks.metadata import MissingMetadata
from checks.registry import load_checks, message
from govwatch.testing import RunBuilder

AS_OF = dt.date(2026, 11, 22)


def _portal(rules=None) -> RunBuilder:
    run = RunBuilder(AS_OF, rules=rules).site("县", "http://x.gov.cn/")
    for i in range(5):  # news columns 10 days old: stale at 7 days, fresh at the default 14
        day = AS_OF - dt.timedelta(days=10)
        run.column("县", f"要闻{i}", f"http://x.gov.cn/c{i}/", "news", items=[(f"http://x.gov.cn/c{i}/1.html", "t", day)])
    return run


def test_veto_counts_with_the_sites_files_stale_column_parameters():
    with _portal() as run:  # defaults: nothing stale, no veto
        assert run.check(StaleColumn).violations == [] and run.check(TooManyStaleColumns).violations == []
    with _portal({"stale-column": {"news_days": 7}}) as run:
        assert len(run.check(StaleColumn, news_days=7).violations) == 5
        veto = run.check(TooManyStaleColumns).violations
        assert len(veto) == 1 and veto[0].detail["stale_dated"] == 5
        # the early warning is silent once the veto is reached (with the veto's parameters in effect)
        assert run.check(StaleColumnEarlyWarning, stale=1).violations == []
    with _portal({"stale-column": {"news_days": 7}, "too-many-stale-columns": {"dated": 6}}) as run:
        assert run.check(TooManyStaleColumns, dated=6).violations == []
        assert len(run.check(StaleColumnEarlyWarning, stale=1).violations) == 1


def test_account_early_warning_uses_account_stales_days():
    def account(rules=None):
        run = RunBuilder(AS_OF, rules=rules).site("号", "http://feed.example/rss", kind="account")
        return run.page("号", "http://feed.example/p/1", kind="post", title="帖", published=AS_OF - dt.timedelta(days=12))
    with account() as run:  # 12 days: within account-stale's 14, past the warning's 7
        assert run.check(AccountStale).violations == []
        assert len(run.check(AccountStaleEarlyWarning).violations) == 1
    with account({"account-stale": {"days": 10}}) as run:  # the veto line moved: a veto, no warning
        assert len(run.check(AccountStale, days=10).violations) == 1
        assert run.check(AccountStaleEarlyWarning).violations == []


def test_subjects_decide_rechecked():
    assert {cls.subject for cls in load_checks(plugins=False).values()} <= {"site", "column", "document", "link",
                                                                            "account"}
    column = Violation("blank-column", "县", "http://x.gov.cn/c0/")
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/") as run:
        run.column("县", "要闻0", "http://x.gov.cn/c0/", "news", kind="unread")
        assert run.rechecked(BlankColumn, column) is False  # an unread column proves nothing
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/", completed=False) as run:
        assert run.rechecked(BlankColumn, column) is False  # the crawl did not end
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/") as run:
        assert run.rechecked(BlankColumn, column) is True  # read to the end, the column is gone
        document = Violation("missing-metadata", "县", "http://x.gov.cn/a.html")
        assert run.rechecked(MissingMetadata, document) is False
        run.page("县", "http://x.gov.cn/a.html")
        assert run.rechecked(MissingMetadata, document) is True


class Phone(Check):
    """A plugin-style check with typed evidence and its own sentence.

    ## What it checks
    Nothing real.
    """

    id = "dead-phone"
    title = "电话无法接通"
    source = "示例"
    severity = "warning"
    subject = "document"

    @dataclass(frozen=True)
    class Detail:
        number: str
        tried: tuple[str, ...]
        on: dt.date

    def check(self, run, params):
        for page in run.pages(kinds=("article",), text=False):
            yield Violation(self.id, page.site, page.url, detail=self.Detail("0531-1234", ("a", "b"), run.as_of))

    def message(self, detail):
        return f"电话 {detail['number']} 无法接通"


def test_typed_detail_and_the_checks_own_sentence():
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/").page("县", "http://x.gov.cn/a.html") as run:
        found = run.check(Phone)
    assert found.violations[0].detail == {"number": "0531-1234", "tried": ["a", "b"], "on": "2026-11-22"}
    assert found.messages == ["电话 0531-1234 无法接通"]


def test_reports_ask_the_registry_for_the_sentence():
    assert message("blank-column", {"category": "news"}) == "栏目从未发布信息"
    assert message("message-unanswered", {"days": 9}) == "已等待 9 天"
    assert message("dead-link", {"status": 404, "page_count": 3}) == "状态码 404；出现在 3 个页面"
    assert message("retired-rule", {"count": 2}) == "数量：2"  # no check any more: the common line


def test_accuracy_checks_say_their_evidence_in_their_own_words():
    hidden = {"sign": "hidden-link", "how": "文字与背景同色", "where": "div#yqlj", "snippet": "最新影视",
              "host": "www.hg-yule8.test", "examples": ["http://www.hg-yule8.test/"], "veto_candidate": True}
    line = message("injected-content", hidden)
    assert line.startswith("隐藏的外部链接（疑似暗链）；隐藏方式：文字与背景同色；位置：div#yqlj")
    assert "外链域名：www.hg-yule8.test" in line and "sign" not in line and "examples" not in line
    variant = message("name-variant", {"wrong": "办工厅", "right": "办公厅", "how": "同音", "sentence": "县政府办工厅通知。"})
    assert variant == "错误用语：办工厅；建议改为：办公厅；错误类型：同音；原句：县政府办工厅通知"
    # a check's own labels do not leak into another rule's line
    assert "隐藏方式" not in message("wording-error", {"wrong": "x", "how": "y"})
    assert load_checks(plugins=False)["injected-content"].subject == "site"
    assert load_checks(plugins=False)["name-variant"].subject == "document"
