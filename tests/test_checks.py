"""Checks over a run built directly in the store: boundaries of each rule, and the lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.freshness import BlankColumn, StaleColumn
from checks.metadata import ExpiredButValid, MissingMetadata
from govwatch.store import models as m
from govwatch.store import violations as lifecycle
from govwatch.store.view import RunView
from govwatch.testing import RunBuilder

AS_OF = dt.date(2026, 11, 22)


def make_run(store, columns=(), pages=(), completed=True):
    """columns: (name, category, kind, newest); pages: (url, column name, metadata)."""
    with RunBuilder(AS_OF, store=store) as run:
        run.site("县", "http://x.gov.cn/", completed=completed, home_status=None)
        for i, (name, category, kind, newest) in enumerate(columns):
            items = [(url, "t", newest) for url, column, _ in pages if column == name]
            run.column("县", name, f"http://x.gov.cn/c{i}/", category, kind=kind, source="nav", items=items,
                       newest=newest)
        for url, _, metadata in pages:
            run.page("县", url, metadata=metadata)
        return run.run_id


def run_check(store, run_id, check, **params):
    with store.session() as s:
        view = RunView(s, run_id, AS_OF, ("县",))
        return list(check.check(view, check.params(params)))


@pytest.mark.parametrize("category, newest, stale", [
    ("news", AS_OF - dt.timedelta(days=14), False),
    ("news", AS_OF - dt.timedelta(days=15), True),
    ("notice", dt.date(2026, 5, 22), False),  # exactly 6 months
    ("notice", dt.date(2026, 5, 21), True),
    ("personnel", dt.date(2025, 11, 22), False),
    ("personnel", dt.date(2025, 11, 21), True),
    ("interpretation", dt.date(2020, 1, 1), False),  # no update duty by default
    ("static", dt.date(2020, 1, 1), False),
])
def test_stale_column_boundaries(store, category, newest, stale):
    run_id = make_run(store, [("栏目", category, "list", newest)])
    found = run_check(store, run_id, StaleColumn())
    assert bool(found) == stale
    if stale:
        assert found[0].detail["newest"] == newest.isoformat() and found[0].column == "栏目"


def test_stale_column_parameter_and_blank_is_not_stale(store):
    run_id = make_run(store, [("要闻", "news", "list", AS_OF - dt.timedelta(days=10)),
                              ("规划", "plan", "list", None), ("机构职能", "static", "static", None),
                              ("读不到", "news", "unread", None)])
    assert [v.column for v in run_check(store, run_id, StaleColumn(), news_days=7)] == ["要闻"]
    assert run_check(store, run_id, StaleColumn()) == []
    assert [v.column for v in run_check(store, run_id, BlankColumn())] == ["规划"]  # not static, not unread


def test_missing_metadata_scope(store):
    full = {"索引号": "1/2026-1", "发文机关": "县政府", "发文字号": "县发〔2026〕1号", "成文日期": "2026-01-01",
            "发布日期": "2026-01-02"}
    partial = {k: v for k, v in full.items() if k != "发文字号"}
    pages = [("http://x.gov.cn/p/1.html", "政策文件", full), ("http://x.gov.cn/p/2.html", "政策文件", partial),
             ("http://x.gov.cn/n/3.html", "要闻动态", partial),  # news: no duty
             ("http://x.gov.cn/p/4.html", "政策文件", {"发布日期": "2026-01-02", "来源": "县政府"})]  # no block
    run_id = make_run(store, [("政策文件", "policy", "list", AS_OF), ("要闻动态", "news", "list", AS_OF)], pages)
    found = run_check(store, run_id, MissingMetadata())
    assert [(v.url, v.detail["missing"]) for v in found] == [("http://x.gov.cn/p/2.html", ["发文字号"])]


def test_lifecycle_open_fixed_reopened_and_untouched_when_not_rechecked(store):
    from checks.base import Violation

    v = Violation("stale-column", "县", "http://x.gov.cn/c0/", column="要闻")
    days = [AS_OF + dt.timedelta(days=i) for i in range(4)]
    events = []
    for day, found, rechecked in [(days[0], [v], True), (days[1], [], False), (days[2], [], True), (days[3], [v], True)]:
        with store.session() as s, s.begin():
            run = m.Run(as_of=day, status="crawled", sites=["县"])
            s.add(run)
            s.flush()
            out = lifecycle.apply(s, run.id, day, "stale-column", "deduction", ["县"], found, lambda row: rechecked)
            events.append((len(out.opened), len(out.fixed), len(out.reopened)))
            row = s.query(m.Violation).one()
            events.append((row.status, row.last_seen))
    assert events == [(1, 0, 0), ("open", days[0]), (0, 0, 0), ("open", days[0]),
                      (0, 1, 0), ("fixed", days[0]), (0, 0, 1), ("open", days[3])]
    with store.session() as s:
        assert [e.event for e in s.query(m.ViolationEvent).order_by(m.ViolationEvent.id)] == ["opened", "fixed", "reopened"]
        assert s.query(m.Violation).one().reopened == 1


@pytest.mark.parametrize("value, faults", [
    ("示府办发〔2026〕12号", None), ("无", None),
    ("示府办发[2026]12号", "方括号"), ("示府办发(2026)12号", "圆括号"), ("示府办发【2026】12号", "【】"),
    ("示府办发〔26〕12号", "两位"), ("示府办发〔2026〕第12号", "第"), ("示府办发〔2026〕012号", "前导 0"),
    ("示府办发〔2026〕12", "号"),
])
def test_malformed_doc_number(store, value, faults):
    from checks.metadata import MalformedDocNumber

    run_id = make_run(store, [("政策文件", "policy", "list", AS_OF)],
                      [("http://x.gov.cn/p/1.html", "政策文件", {"发文字号": value, "索引号": "1"})])
    found = run_check(store, run_id, MalformedDocNumber())
    assert bool(found) == bool(faults)
    if faults:
        assert any(faults in f for f in found[0].detail["faults"])


def test_inconsistent_dates(store):
    from checks.metadata import InconsistentDates

    pages = [("http://x.gov.cn/p/1.html", "政策文件", {"成文日期": "2026-03-05", "发布日期": "2026-03-04"}),
             ("http://x.gov.cn/p/2.html", "政策文件", {"成文日期": "2026-03-05", "发布日期": "2026-03-05"})]
    run_id = make_run(store, [("政策文件", "policy", "list", AS_OF)], pages)
    assert [v.url for v in run_check(store, run_id, InconsistentDates())] == ["http://x.gov.cn/p/1.html"]


def test_veto_lines_and_early_warning(store):
    from checks.freshness import StaleColumnEarlyWarning, TooManyStaleColumns

    old = AS_OF - dt.timedelta(days=400)
    four_stale_news = [(f"动态{i}", "news", "list", old) for i in range(4)]
    run_id = make_run(store, four_stale_news + [("规划", "plan", "list", None)] * 1)
    assert run_check(store, run_id, TooManyStaleColumns()) == []  # 4 < 5
    five = make_run(store, four_stale_news + [("通知", "notice", "list", old)])
    (veto,) = run_check(store, five, TooManyStaleColumns())
    assert veto.detail["lines"] == ["dated"] and veto.detail["stale_dated"] == 5
    assert run_check(store, five, StaleColumnEarlyWarning()) == []  # the veto itself is reported
    blanks = make_run(store, [(f"空{i}", "plan", "list", None) for i in range(3)])
    assert [v.rule for v in run_check(store, blanks, StaleColumnEarlyWarning())] == ["stale-column-early-warning"]


def test_homepage_stale(store):
    from checks.freshness import HomepageStale

    run_id = make_run(store)
    with store.session() as s, s.begin():
        site = s.query(m.Site).one()
        s.add(m.Page(run_id=run_id, site_id=site.id, url="http://x.gov.cn/", status=200, kind="home",
                     published=AS_OF - dt.timedelta(days=15)))
    (found,) = run_check(store, run_id, HomepageStale())
    assert found.detail["days"] == 15
    assert run_check(store, run_id, HomepageStale(), days=20) == []


def test_a_navigation_only_home_page_is_judged_by_its_columns(store):
    from checks.base import Note
    from checks.freshness import HomepageStale

    def home_without_dates(columns):
        run_id = make_run(store, columns)
        with store.session() as s, s.begin():
            s.add(m.Page(run_id=run_id, site_id=s.query(m.Site).one().id, url="http://x.gov.cn/", status=200,
                         kind="home", published=None))
        return run_id

    stale = home_without_dates([("要闻", "news", "list", AS_OF - dt.timedelta(days=20)),
                                ("通知", "notice", "list", AS_OF - dt.timedelta(days=30))])
    (found,) = run_check(store, stale, HomepageStale())
    assert found.detail["navigation_only"] is True and found.detail["days"] == 20
    fresh = home_without_dates([("要闻", "news", "list", AS_OF - dt.timedelta(days=3))])
    assert run_check(store, fresh, HomepageStale()) == []
    (note,) = run_check(store, home_without_dates([]), HomepageStale())
    assert isinstance(note, Note) and "not judged" in note.text


@pytest.mark.parametrize("metadata, expired", [
    ({"有效性": "有效", "废止日期": "2026-11-21"}, True),
    ({"有效性": "有效", "废止日期": "2026-11-22"}, False),  # valid through the day itself
    ({"有效性": "失效", "废止日期": "2020-01-01"}, False),  # marked correctly
    ({"有效性": "有效", "有效期": "2020年1月1日至2025年12月31日"}, True),
    ({"有效性": "有效", "有效期": "5年", "生效日期": "2021-11-23"}, False),
    ({"有效性": "有效", "有效期": "5年", "生效日期": "2021-11-21"}, True),
    ({"有效性": "有效", "有效期": "自2021年11月21日起5年", "生效日期": "2021-11-21"}, True),  # not 21 years
    ({"有效性": "有效", "有效期": "至2026年11月20日"}, True),  # one date: the end
    ({"有效性": "有效", "有效期": "至2030年12月31日"}, False),
    ({"有效性": "有效", "登记号": "SXXX-2020-001", "成文日期": "2021-11-21"}, True),  # 规范性文件: 5 years
    ({"有效性": "有效", "登记号": "SXXX-2020-001", "成文日期": "2021-11-23"}, False),
    ({"有效性": "有效", "成文日期": "2001-01-01"}, False),  # not a 规范性文件, no stated period
    ({"有效性": "有效", "废止日期": 20201231}, False),  # odd value types do not break the rule
])
def test_expired_but_valid(store, metadata, expired):
    run_id = make_run(store, [("政策文件", "policy", "list", AS_OF)], [("http://x.gov.cn/p.html", "政策文件", metadata)])
    found = run_check(store, run_id, ExpiredButValid(), default_years=5, provisional_years=2)
    assert bool(found) == expired
    if expired:
        assert found[0].detail["ended"] < AS_OF.isoformat() and found[0].detail["basis"]


def test_expired_but_valid_provisional_period_and_parameters(store):
    md = {"有效性": "有效", "统一编号": "X-2024-1", "成文日期": "2024-11-21"}
    run_id = make_run(store, [("政策文件", "policy", "list", AS_OF)], [("http://x.gov.cn/p.html", "政策文件", md)])
    with store.session() as s, s.begin():
        s.query(m.Page).filter_by(url="http://x.gov.cn/p.html").update({"title": "示例县某某管理暂行办法"})
    assert not run_check(store, run_id, ExpiredButValid())  # no period assumed unless the sites file sets one
    assert run_check(store, run_id, ExpiredButValid(), default_years=5, provisional_years=2)  # 暂行: 2 years
    assert not run_check(store, run_id, ExpiredButValid(), default_years=5, provisional_years=3)


def test_a_dead_link_not_met_again_is_fixed_only_if_its_page_was_read_again(store):
    from checks.links import DeadLink
    from govwatch.store.view import PreviousViolation

    previous = PreviousViolation("k", "dead-link", "县", "http://x.gov.cn/gone.pdf", "http://x.gov.cn/a.html", None,
                                 "open", {"pages": [{"url": "http://x.gov.cn/a.html", "anchor": "附件"}]})
    # the list that led to a.html was not read this time: a.html was not crawled
    not_read = make_run(store, [("要闻", "news", "list", AS_OF)], [("http://x.gov.cn/b.html", "要闻", {})])
    # a.html was read again and no longer carries the link: the department removed it
    read = make_run(store, [("要闻", "news", "list", AS_OF)], [("http://x.gov.cn/a.html", "要闻", {})])
    with store.session() as s:
        assert not DeadLink().rechecked(RunView(s, not_read, AS_OF, ("县",)), previous)
        assert DeadLink().rechecked(RunView(s, read, AS_OF, ("县",)), previous)


def test_stale_column_words_its_window_as_the_indicators_do(store):
    run_id = make_run(store, [("要闻", "news", "list", dt.date(2026, 1, 1)), ("通知", "notice", "list", dt.date(2025, 1, 1)),
                              ("人事", "personnel", "list", dt.date(2024, 1, 1))])
    windows = {v.column: v.detail["window"] for v in run_check(store, run_id, StaleColumn())}
    assert windows == {"要闻": "14天", "通知": "6个月", "人事": "1年"}


def test_run_builder_columns_in_summary_their_source_and_hidden_links():
    hidden = [{"target": "http://x.test/", "anchor": "a", "how": "display:none"}]
    with RunBuilder(AS_OF).site("县", "http://x.gov.cn/") as run:
        run.column("县", "要闻", "http://x.gov.cn/yw/", source="nav", newest=AS_OF - dt.timedelta(days=30))
        run.column("县", "规划", "http://x.gov.cn/gh/", "plan")
        run.page("县", "http://x.gov.cn/a.html", hidden=hidden)
        yw, gh = sorted(run.view().columns("县"), key=lambda c: c.url, reverse=True)
        assert (yw.source, yw.item_count, yw.dated_items, yw.newest_date) == ("nav", 1, 1, AS_OF - dt.timedelta(days=30))
        assert (gh.source, gh.item_count, gh.newest_date) == ("config", 0, None)
        assert run.check(StaleColumn).urls == ["http://x.gov.cn/yw/"] and run.check(BlankColumn).urls == ["http://x.gov.cn/gh/"]
        assert [(url, links) for _, url, links in run.view().hidden_links("县")] == [("http://x.gov.cn/a.html", hidden)]
