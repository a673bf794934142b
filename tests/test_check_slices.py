"""A check is one slice: subject (re-check and "fixed" follow from it), its sentence asked of
the registry, typed evidence; rules that build on other rules use the run's parameters."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from checks.accounts import AccountStale, AccountStaleEarlyWarning
from checks.base import Check, Violation, optional
from checks.freshness import BlankColumn, StaleColumn, StaleColumnEarlyWarning, TooManyStaleColumns
from checks.metadata import MissingMetadata
from checks.registry import load_checks, message
from checks.registry import sentence as registry_sentence
from govwatch.store.view import PreviousViolation
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


def test_every_built_in_check_writes_its_own_sentence_from_typed_evidence():
    for rule, cls in load_checks(plugins=False).items():
        assert cls.message is not Check.message, f"{rule} leaves its sentence to the common line"
        assert dataclasses.is_dataclass(cls.Detail), f"{rule} has no typed evidence"


# (rule, stored detail, the sentence): the evidence of each family, and the cases whose line used
# to leak evidence keys (navigation_only：False, stale_dated：6, forms：…) or start with "；"
SENTENCES = [
    ("dead-link", {"status": 404, "note": None, "page_count": 3, "on_home_page": True, "pages": []},
     "状态码 404；位于首页；出现在 3 个页面"),
    ("bad-attachment", {"status": 200, "note": "an HTML page served as .pdf", "page_count": 1},
     "状态码 200；说明：链接指向 .pdf 文件，实际返回的是网页"),
    ("link-timeout", {"status": "timeout", "error": "timeout"}, "状态：timeout"),
    ("link-error", {"status": None, "error": None}, ""),  # nothing known: no "状态：None"
    ("stale-column", {"category": "notice", "newest": "2026-05-06", "days": 200, "limit_days": 183,
                      "window": "6个月", "items": 9}, "最新信息 2026-05-06，已 200 天未更新（要求 6个月 内更新）"),
    ("homepage-stale", {"newest": "2026-10-01", "days": 52, "limit_days": 14, "navigation_only": False},
     "最新信息 2026-10-01，已 52 天未更新（要求 14 天内）"),
    ("homepage-stale", {"newest": "2026-10-01", "days": 52, "limit_days": 14, "navigation_only": True},
     "最新信息 2026-10-01，已 52 天未更新（要求 14 天内）；首页未显示日期，按各栏目最新信息计"),
    ("too-many-stale-columns", {"stale_dated": 6, "stale": 7, "blank": 1, "lines": ["dated"], "columns": ["要闻", "通知"]},
     "不更新栏目 7 个（其中动态要闻、通知公告、政策文件类 6 个），空白栏目 1 个；"
     "达到否决线：动态要闻、通知公告、政策文件类栏目不更新；涉及栏目：要闻、通知"),
    ("stale-column-early-warning", {"stale": 7, "blank": 1}, "不更新栏目 7 个，空白栏目 1 个，接近单项否决线"),
    ("missing-metadata", {"missing": ["索引号", "成文日期"], "title": "通知", "metadata": {"发文机关": "县政府"}},
     "缺少：索引号、成文日期；标题：通知"),
    ("inconsistent-dates", {"成文日期": "2025-12-15", "发布日期": "2025-12-12", "title": None},
     "成文日期：2025-12-15；发布日期：2025-12-12"),
    ("message-unanswered", {"date": "2026-08-14", "state": "unanswered", "answered_on": None, "days": 100,
                            "deadline": "2026-11-14", "limit_months": 3, "title": "问", "column": "县长信箱"},
     "已等待 100 天；未答复；留言日期：2026-08-14；截止日期：2026-11-14；标题：问"),
    ("message-unanswered", {"date": "2026-08-14", "state": "answered", "answered_on": "2026-12-01", "days": 109,
                            "deadline": "2026-11-14", "limit_months": 3, "title": "问", "column": "县长信箱"},
     "留言 109 天后才答复；留言日期：2026-08-14；答复日期：2026-12-01；截止日期：2026-11-14；标题：问"),
    ("site-unreachable-early-warning", {"probes": 150, "failed": 5, "ratio": 0.0333, "days": 7, "since": "2026-11-16",
                                        "until": "2026-11-22", "errors": {"timeout": 5}, "limit": 0.03},
     "2026-11-16 至 2026-11-22 探测 150 次，失败 5 次，失败率 3.3%（预警线 3%）"),
    ("schedule-overdue", {"schedule": "quarterly", "period": "2026-Q3", "deadline": "2026-09-30", "newest": None,
                          "items": 0}, "栏目无带日期的信息；更新周期：每季度；周期：2026年第三季度；截止日期：2026-09-30"),
    ("annual-report-overdue", {"year": 2025, "deadline": "2026-03-31", "kind": "government", "kind_guessed": False,
                               "problem": "missing"}, "未找到2025年度报告；截止日期：2026-03-31"),
    ("wording-error", {"wrong": "中华人民共合国", "right": "中华人民共和国", "kind": "typo", "sentence": "学习《中华人民共合国宪法》。",
                       "count": 2, "title": None, "published": None, "source": "某市通报", "scope": "site", "pages": 12,
                       "examples": ["http://x.gov.cn/a.html"], "forms": ["中华人民共合国"], "entry": "中华人民共合国"},
     "错误用语：中华人民共合国；建议改为：中华人民共和国；原句：学习《中华人民共合国宪法》；数量：2；网站模板文字，出现在 12 个页面"),
    ("account-stale", {"newest": None, "days": None, "limit_days": 14, "posts": 0}, "未读到带日期的帖文；抓取帖文（条）：0"),
    ("account-unreachable", {"status": 404, "error": None}, "状态码 404"),
]


def test_each_rules_sentence():
    for rule, detail, expected in SENTENCES:
        assert message(rule, detail) == expected, rule


def test_the_history_is_said_after_any_checks_sentence():
    assert message("blank-column", {"category": "news", "reopened": 2}) == "栏目从未发布信息；曾整改后复现 2 次"
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/").page("县", "http://x.gov.cn/a.html") as run:
        found = run.check(Phone)
    assert found.messages == ["电话 0531-1234 无法接通"]  # the plugin's own, through the same path
    assert registry_sentence(Phone, {"number": "1", "reopened": 1}) == "电话 1 无法接通；曾整改后复现 1 次"


@dataclass(frozen=True)
class _Source:
    url: str
    anchor: str


@dataclass(frozen=True)
class _Detail:
    status: int | None
    pages: tuple[_Source, ...]
    note: str | None = optional()


def test_typed_evidence_is_stored_as_plain_json_and_optional_fields_only_when_set():
    v = Violation("x", "县", "http://x.gov.cn/", detail=_Detail(None, (_Source("http://x.gov.cn/a", "甲"),)))
    assert v.detail == {"status": None, "pages": [{"url": "http://x.gov.cn/a", "anchor": "甲"}]}
    v = Violation("x", "县", "http://x.gov.cn/", detail=_Detail(404, (), note="页面不存在"))
    assert v.detail == {"status": 404, "pages": [], "note": "页面不存在"}


def test_run_builder_builds_runs_into_a_store_for_tests_of_fixed(tmp_path):
    from checks.interaction import MessageUnanswered
    from govwatch.store import models as m
    from govwatch.store.db import Store
    from govwatch.store.view import RunView

    store = Store(f"sqlite:///{tmp_path}/t.db")
    runs = []
    for day, state in ((dt.date(2026, 11, 22), "unanswered"), (dt.date(2026, 11, 23), "answered")):
        with RunBuilder(day, store=store) as run:
            run.site("县", "http://x.gov.cn/", home_error=None)
            run.column("县", "县长信箱", "http://x.gov.cn/hd/", "interaction",
                       items=[("http://x.gov.cn/hd/1.html", "留言", "2026-01-05", state, "2026-01-06")])
            run.link("县", "http://x.gov.cn/", "http://x.gov.cn/hd/", verdict=None)
        runs.append(run.run_id)
    with store.session() as s:
        assert s.query(m.Site).count() == 1 and s.query(m.LinkCheck).count() == 0  # one site; no verdict asked for
        first = list(MessageUnanswered().check(RunView(s, runs[0], dt.date(2026, 11, 22), ("县",)),
                                               MessageUnanswered.Params()))
        assert [v.detail["state"] for v in first] == ["unanswered"]
        previous = PreviousViolation(first[0].key, first[0].rule, "县", first[0].url, first[0].page, first[0].column,
                                     "open", dict(first[0].detail))
        # the next run read the column again and the message was answered in time: fixed
        assert MessageUnanswered().rechecked(RunView(s, runs[1], dt.date(2026, 11, 23), ("县",)), previous)
    store.close()
