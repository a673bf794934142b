"""Working days and the deadline rules, on runs built in a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json

import chinese_calendar
import pytest

from checks.base import Note, Violation
from checks.deadlines import (AnnualReportOverdue, InterpretationOverdue, InterpretationUnlinked, ScheduleOverdue,
                              last_due_period, report_year)
from checks.workdays import UnknownYear, WorkCalendar
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.store.view import PreviousViolation, RunView
from govwatch.testing import RunBuilder

D = dt.date.fromisoformat
COUNTY = "示例县人民政府"
HOME = "http://www.sl.gov.cn/"


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path}/t.db")


def build(store, as_of, *, sites=((COUNTY, HOME, True),), columns=(), pages=(), links=()):
    """sites: (name, url, completed); columns: dict(site, name, url, category, kind, items=[(url, title, date)]);
    pages: dict(url, title, published, metadata, site); links: (page url, target)."""
    with RunBuilder(as_of, store=store) as run:
        for name, url, completed in sites:
            run.site(name, url, reached=completed, completed=completed, home_status=None)
        for col in columns:
            run.column(col.get("site", COUNTY), col["name"], col["url"], col.get("category", "other"),
                       kind=col.get("kind", "list"), items=col.get("items", []))
        for p in pages:
            run.page(p.get("site", COUNTY), p["url"], title=p.get("title"), published=p.get("published"),
                     metadata=p.get("metadata"))
        for page_url, target in links:
            run.link(COUNTY, page_url, target, verdict=None)  # pairing reads links, not their verdicts
    return run.run_id


def run_check(store, run_id, check, as_of, params=None, **view):
    with store.session() as s:
        names = tuple(s.get(m.Run, run_id).sites)
        found = list(check.check(RunView(s, run_id, as_of, names, **view), check.params(params or {})))
    for v in found:
        if isinstance(v, Violation):
            json.dumps(v.detail)  # stored as JSON: dates as ISO strings
    return ([v for v in found if isinstance(v, Violation)], [n for n in found if isinstance(n, Note)])


# -- the working-day calendar ---------------------------------------------------------------

def test_national_day_2025_with_make_up_days():
    cal = WorkCalendar()
    # the library's own verdicts for the dates this file relies on
    expected = {"2025-09-27": False, "2025-09-28": True, "2025-09-30": True, "2025-10-01": False,
                "2025-10-08": False, "2025-10-09": True, "2025-10-10": True, "2025-10-11": True,
                "2025-10-12": False, "2025-10-13": True}
    for day, workday in expected.items():
        assert chinese_calendar.is_workday(D(day)) is workday, day
        assert cal.is_workday(D(day)) is workday, day
    assert D("2025-09-28").weekday() == 6 and D("2025-10-11").weekday() == 5  # Sun and Sat worked
    assert all(not cal.is_workday(D("2025-10-01") + dt.timedelta(days=i)) for i in range(8))
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-09")) == 1
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-11")) == 3
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-13")) == 4
    assert cal.workdays_between(D("2025-09-26"), D("2025-09-28")) == 1  # only the make-up Sunday
    assert cal.workdays_between(D("2025-09-30"), D("2025-09-30")) == 0
    assert cal.workdays_between(D("2025-10-11"), D("2025-09-30")) == -3
    assert cal.add_workdays(D("2025-09-30"), 1) == D("2025-10-09")
    assert cal.add_workdays(D("2025-09-30"), 3) == D("2025-10-11")
    assert cal.add_workdays(D("2025-10-09"), -1) == D("2025-09-30")
    assert cal.add_workdays(D("2025-10-04"), 0) == D("2025-10-04")


def test_spring_festival_2026():
    cal = WorkCalendar()
    holiday = [D("2026-02-15") + dt.timedelta(days=i) for i in range(9)]  # 15-23 February
    assert holiday[-1] == D("2026-02-23")
    for day in holiday:
        assert chinese_calendar.is_workday(day) is False and cal.is_workday(day) is False
    for day in (D("2026-02-14"), D("2026-02-28")):  # Saturdays worked
        assert day.weekday() == 5 and chinese_calendar.is_workday(day) and cal.is_workday(day)
    assert not cal.is_workday(D("2026-03-01"))  # an ordinary Sunday
    assert cal.workdays_between(D("2026-02-13"), D("2026-02-24")) == 2  # Sat 14th, Tue 24th
    assert cal.workdays_between(D("2026-02-13"), D("2026-02-25")) == 3
    assert cal.workdays_between(D("2026-02-13"), D("2026-02-26")) == 4
    assert cal.add_workdays(D("2026-02-14"), 1) == D("2026-02-24")
    assert cal.workdays_between(D("2026-02-23"), D("2026-03-02")) == 6  # 24-27, Sat 28, Mon 2


def test_unknown_year_raises_and_the_sites_file_makes_it_known():
    cal = WorkCalendar()
    with pytest.raises(UnknownYear) as err:
        cal.is_workday(D("2027-01-04"))
    assert isinstance(err.value, LookupError) and err.value.year == 2027
    assert "2027" in str(err.value) and "calendar:" in str(err.value) and "holidays" in str(err.value)
    with pytest.raises(UnknownYear):
        cal.workdays_between(D("2026-12-30"), D("2027-01-05"))  # spans into the unknown year
    with pytest.raises(UnknownYear):
        cal.is_workday(D("2003-05-06"))
    assert cal.workdays_between(D("2026-12-29"), D("2026-12-31")) == 2  # inside 2026: known

    known = WorkCalendar(holidays=[D("2027-01-01")], workdays=["2027-02-06"])
    assert known.knows(2027) and not known.knows(2028)
    assert not known.is_workday(D("2027-01-01"))  # a Friday off
    assert known.is_workday(D("2027-02-06"))  # a Saturday worked
    assert known.is_workday(D("2027-01-04")) and not known.is_workday(D("2027-01-03"))
    assert known.workdays_between(D("2026-12-30"), D("2027-01-05")) == 3  # 31 Dec, 4 and 5 Jan
    with pytest.raises(UnknownYear):
        known.is_workday(D("2028-03-01"))
    with pytest.raises(ValueError):
        WorkCalendar(holidays=[D("2027-01-01")], workdays=[D("2027-01-01")])


def test_sites_file_days_override_the_library():
    cal = WorkCalendar(holidays=[D("2026-03-02")], workdays=[D("2026-03-01")])
    assert not cal.is_workday(D("2026-03-02")) and cal.is_workday(D("2026-03-01"))


# -- 政策解读: pairing, timeliness, linkage ---------------------------------------------------

POLICY = "http://www.sl.gov.cn/zcwj/1.html"
JIEDU = "http://www.sl.gov.cn/zcjd/1.html"
AS_OF = D("2026-03-10")


def policy_run(store, policy_date, jiedu_date, links=(), *, jiedu_title="《示例县农村公路养护管理办法》政策解读",
               policy_title="示例县人民政府办公室关于印发《示例县农村公路养护管理办法》的通知", extra_pages=(),
               in_columns=True, policy_metadata=None):
    policy = {"url": POLICY, "title": policy_title, "published": policy_date,
              "metadata": policy_metadata if policy_metadata is not None else {"发布日期": policy_date.isoformat()}}
    jiedu = {"url": JIEDU, "title": jiedu_title, "published": jiedu_date}
    columns = []
    if in_columns:
        columns = [{"name": "政策文件", "url": "http://www.sl.gov.cn/zcwj/", "category": "policy",
                    "items": [(POLICY, policy_title, policy_date)]},
                   {"name": "政策解读", "url": "http://www.sl.gov.cn/zcjd/", "category": "interpretation",
                    "items": [(JIEDU, jiedu_title, jiedu_date)]}]
    return build(store, AS_OF, columns=columns, pages=[policy, jiedu, *extra_pages], links=links)


BOTH_WAYS = ((POLICY, JIEDU), (JIEDU, POLICY))


@pytest.mark.parametrize("policy_date, jiedu_date, workdays", [
    ("2025-09-30", "2025-10-09", None),  # 1 working day: the holiday does not count
    ("2025-09-30", "2025-10-11", None),  # exactly 3: the make-up Saturday is the 3rd
    ("2025-09-30", "2025-10-13", 4),
    ("2026-02-13", "2026-02-25", None),  # 14th, 24th, 25th
    ("2026-02-13", "2026-02-26", 4),
    ("2025-10-11", "2025-09-30", None),  # 解读 before its policy
])
def test_interpretation_overdue_boundaries(store, policy_date, jiedu_date, workdays):
    run_id = policy_run(store, D(policy_date), D(jiedu_date), BOTH_WAYS)
    found, notes = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert notes == []
    if workdays is None:
        assert found == []
    else:
        (v,) = found
        assert (v.rule, v.url, v.page, v.column) == ("interpretation-overdue", JIEDU, JIEDU, "政策解读")
        assert v.detail["workdays"] == workdays and v.detail["limit"] == 3 and v.detail["policy"] == POLICY
        assert v.detail["policy_published"] == policy_date and v.detail["published"] == jiedu_date
        assert v.detail["paired_by"] == "link"


def test_interpretation_overdue_parameter_and_metadata_date(store):
    # the block's 发布日期 wins over the page's own date (the page date here is a 生成日期)
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-11"), BOTH_WAYS,
                        policy_metadata={"发布日期": "2025-09-29", "发文字号": "示政办发〔2025〕9号"})
    found, _ = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert [v.detail["workdays"] for v in found] == [4]
    assert found[0].detail["deadline"] == "2025-10-10"
    assert run_check(store, run_id, InterpretationOverdue(), AS_OF, {"max_workdays": 4})[0] == []


def test_interpretation_overdue_in_a_year_after_the_calendar_is_estimated_and_says_so(store):
    run_id = policy_run(store, D("2026-12-30"), D("2027-01-06"), BOTH_WAYS)
    found, notes = run_check(store, run_id, InterpretationOverdue(), D("2027-01-10"))
    # the estimated 2027: 1 Jan off (元旦), the weekend, then 4, 5, 6 Jan; with 31 Dec = 4 days
    assert notes == [] and [v.detail["workdays"] for v in found] == [4]
    assert found[0].detail["calendar"].startswith("预估：2027年") and "calendar:" in found[0].detail["calendar"]
    # the sites file's calendar makes 2027 known: no longer an estimate
    calendar = {"holidays": [D("2027-01-01")], "workdays": []}
    found, notes = run_check(store, run_id, InterpretationOverdue(), D("2027-01-10"), calendar=calendar)
    assert notes == [] and [v.detail["workdays"] for v in found] == [4] and "calendar" not in found[0].detail
    # before the package's first year nothing is guessed: a note
    early = policy_run(store, D("2003-03-03"), D("2003-03-12"), BOTH_WAYS)
    found, notes = run_check(store, early, InterpretationOverdue(), D("2003-04-01"))
    assert found == [] and "2003" in notes[0].text


def test_the_estimated_2027_calendar():
    from checks.workdays import estimated_holidays

    days = estimated_holidays(2027)
    # 元旦; 春节 除夕 5 Feb to 初三 8 Feb (初一 is 6 Feb 2027); 清明 5 Apr; 劳动节 1-2 May;
    # 端午 9 Jun; 中秋 15 Sep; 国庆 1-3 Oct
    assert sorted(days) == [D(d) for d in ("2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08",
                                           "2027-04-05", "2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15",
                                           "2027-10-01", "2027-10-02", "2027-10-03")]
    # the known years agree with the package where no 调休 moved a day (a check on the method)
    for year in (2025, 2026):
        assert all(not chinese_calendar.is_workday(d) for d in estimated_holidays(year)), year
    cal = WorkCalendar(estimate=True)
    assert cal.is_estimated(2027) and not cal.is_estimated(2026)
    assert not cal.is_workday(D("2027-02-08")) and cal.is_workday(D("2027-02-09"))
    assert not cal.is_workday(D("2027-02-13"))  # a Saturday: no 调休 is guessed
    assert cal.estimated_between(D("2026-12-30"), D("2027-01-06")) == [2027]


def test_pairing_by_title_when_neither_links(store):
    # no link either way, not in columns: classified by title and 发文字号, paired by 《》
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), in_columns=False,
                        policy_metadata={"发文字号": "示政办发〔2025〕9号", "发布日期": "2025-09-30"},
                        jiedu_title="解读：《示例县农村公路养护管理办法》")
    (v,), _ = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert v.url == JIEDU and v.detail["paired_by"] == "title" and v.detail["workdays"] == 4


@pytest.mark.parametrize("jiedu_title, paired", [
    ("图解《示例县农村公路养护管理办法》", True),
    ("一图读懂《示例县农村公路养护管理办法》", True),
    ("《示例县农村公路养护管理办法》政策解读", True),
    ("《示例县城市道路管理办法》政策解读", False),  # names another document
    ("示例县农村公路养护管理办法政策解读", False),  # no 《》: not paired by title
])
def test_title_pairing_forms(store, jiedu_title, paired):
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), jiedu_title=jiedu_title)
    found, _ = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert bool(found) == paired


def test_title_pairing_inside_a_longer_policy_title(store):
    # 解读《关于X若干措施》 for "…印发关于X若干措施的通知" (a real pattern on provincial sites)
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), jiedu_title="解读《关于支持小微企业稳岗就业若干措施》",
                        policy_title="示例县人民政府办公室印发关于支持小微企业稳岗就业若干措施的通知")
    assert len(run_check(store, run_id, InterpretationOverdue(), AS_OF)[0]) == 1


def test_two_documents_named_alike_the_latest_before_the_jiedu_is_its_policy(store):
    # the 办法 and, later, its repeal both carry the name; the 解读 belongs to the one before it
    repeal = {"url": "http://www.sl.gov.cn/zcwj/3.html", "title": "示例县人民政府关于废止《示例县农村公路养护管理办法》的决定",
              "published": D("2026-01-05"), "metadata": {"发文字号": "示政发〔2026〕1号", "发布日期": "2026-01-05"}}
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), extra_pages=[repeal])
    (v,), notes = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert notes == [] and v.detail["policy"] == POLICY and v.detail["workdays"] == 4


def test_a_link_beats_the_title_and_several_links_without_a_name_are_not_guessed(store):
    other = "http://www.sl.gov.cn/zcwj/2.html"
    other_page = {"url": other, "title": "示例县人民政府关于印发《示例县城市道路管理办法》的通知",
                  "published": D("2025-10-10"), "metadata": {"发文字号": "示政发〔2025〕3号", "发布日期": "2025-10-10"}}
    # linked both ways with the other document (on time), named policy unlinked (late): the link wins
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), ((other, JIEDU), (JIEDU, other)),
                        extra_pages=[other_page])
    assert run_check(store, run_id, InterpretationOverdue(), AS_OF)[0] == []
    # the 解读 links one way to two policy documents and names neither: a note, nothing reported
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), ((JIEDU, POLICY), (JIEDU, other)),
                        jiedu_title="政策解读：示例县道路管理", extra_pages=[other_page])
    found, notes = run_check(store, run_id, InterpretationOverdue(), AS_OF)
    assert found == [] and len(notes) == 1 and JIEDU in notes[0].text
    found, notes = run_check(store, run_id, InterpretationUnlinked(), AS_OF)
    assert found == [] and len(notes) == 1


def test_overdue_rechecked_needs_both_documents(store):
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-13"), BOTH_WAYS)
    prev = PreviousViolation("k", "interpretation-overdue", COUNTY, JIEDU, JIEDU, None, "open", {"policy": POLICY})
    gone = PreviousViolation("k", "interpretation-overdue", COUNTY, JIEDU, JIEDU, None, "open",
                             {"policy": "http://www.sl.gov.cn/zcwj/9.html"})
    with store.session() as s:
        view = RunView(s, run_id, AS_OF, (COUNTY,))
        assert InterpretationOverdue().rechecked(view, prev) is True
        assert InterpretationOverdue().rechecked(view, gone) is False  # the policy was not read
        assert InterpretationUnlinked().rechecked(view, prev) is True


@pytest.mark.parametrize("links, missing", [
    (BOTH_WAYS, None),
    (((JIEDU, POLICY),), ["政策文件→解读"]),
    (((POLICY, JIEDU),), ["解读→政策文件"]),
    (((POLICY, JIEDU + "#top"), ("HTTPS://WWW.SL.GOV.CN/zcwj/1.html", "x")), ["解读→政策文件"]),
    (((POLICY, JIEDU), ("HTTPS://WWW.SL.GOV.CN/zcwj/1.html", "x"), (JIEDU, "https://www.sl.gov.cn/zcwj/1.html")), None),
    ((), ["政策文件→解读", "解读→政策文件"]),  # paired by title only (title_pairs: true)
])
def test_interpretation_unlinked_directions(store, links, missing):
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-09"), links)
    found, _ = run_check(store, run_id, InterpretationUnlinked(), AS_OF, {"title_pairs": True})
    if missing is None:
        assert found == []
    else:
        (v,) = found
        assert (v.url, v.detail["missing"], v.detail["policy"]) == (JIEDU, missing, POLICY)
        assert v.detail["paired_by"] == ("title" if not links else "link")


def test_unlinked_title_pairs_parameter_and_policy_without_jiedu(store):
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-09"))
    assert run_check(store, run_id, InterpretationUnlinked(), AS_OF)[0] == []  # DESIGN: linked one way only
    assert len(run_check(store, run_id, InterpretationUnlinked(), AS_OF, {"title_pairs": True})[0]) == 1
    # a policy whose 解读 names another document: no pair, so not this rule
    run_id = policy_run(store, D("2025-09-30"), D("2025-10-09"), jiedu_title="《示例县城市道路管理办法》政策解读")
    assert run_check(store, run_id, InterpretationUnlinked(), AS_OF)[0] == []


# -- 政府信息公开工作年度报告 --------------------------------------------------------------------

DEPT = "示例县财政局"
DEPT_HOME = "http://czj.sl.gov.cn/"


def report_run(store, as_of, *, county_items=(), dept_items=(), dept_completed=True, pages=()):
    columns = [{"name": "信息公开年报", "url": HOME + "xxgknb/", "items": list(county_items)},
               {"site": DEPT, "name": "信息公开年报", "url": DEPT_HOME + "nb/", "items": list(dept_items)}]
    return build(store, as_of, sites=((COUNTY, HOME, True), (DEPT, DEPT_HOME, dept_completed)),
                 columns=columns, pages=pages)


SETTINGS = {COUNTY: {"kind": None}, DEPT: {"kind": "department"}}


@pytest.mark.parametrize("as_of, overdue", [
    ("2026-01-31", []), ("2026-02-01", [DEPT]), ("2026-02-10", [DEPT]),
    ("2026-03-31", [DEPT]), ("2026-04-01", [COUNTY, DEPT]), ("2026-04-02", [COUNTY, DEPT]),
])
def test_annual_report_missing_department_31_january_government_31_march(store, as_of, overdue):
    as_of = D(as_of)
    # last year's report and a notice about preparing this year's do not count
    items = [(HOME + "nb/2024.html", "示例县人民政府2024年政府信息公开工作年度报告", D("2025-03-20")),
             (HOME + "tz/1.html", "关于做好2025年政府信息公开工作年度报告编制发布工作的通知", D("2026-01-05"))]
    run_id = report_run(store, as_of, county_items=items)
    found, _ = run_check(store, run_id, AnnualReportOverdue(), as_of, site_settings=SETTINGS)
    assert sorted(v.site for v in found) == overdue
    for v in found:
        deadline = "2026-01-31" if v.site == DEPT else "2026-03-31"
        assert v.detail == {"year": 2025, "deadline": deadline, "problem": "missing",
                            "kind": "department" if v.site == DEPT else "government",
                            "kind_guessed": v.site == COUNTY}
        assert v.url == (DEPT_HOME if v.site == DEPT else HOME) + "#annual-report-2025"


def test_annual_report_on_time_and_late(store):
    on_time = report_run(store, D("2026-04-02"),
                         county_items=[(HOME + "nb/1.html", "示例县2025年度政府信息公开工作年度报告", D("2026-03-31"))],
                         dept_items=[(DEPT_HOME + "nb/1.html", "2025年政府信息公开工作年报", D("2026-01-31"))])
    assert run_check(store, on_time, AnnualReportOverdue(), D("2026-04-02"), site_settings=SETTINGS)[0] == []
    late = report_run(store, D("2026-04-02"),
                      county_items=[(HOME + "nb/1.html", "关于二〇二五年度示例县政府信息公开工作年度报告", D("2026-04-01"))],
                      dept_items=[(DEPT_HOME + "nb/1.html", "示例县财政局2025年度政府信息公开工作年度报告",
                                   D("2026-02-03"))])
    found, _ = run_check(store, late, AnnualReportOverdue(), D("2026-04-02"), site_settings=SETTINGS)
    got = {v.site: (v.url, v.detail["problem"], v.detail["published"], v.detail["days_late"]) for v in found}
    assert got == {COUNTY: (HOME + "nb/1.html", "late", "2026-04-01", 1),
                   DEPT: (DEPT_HOME + "nb/1.html", "late", "2026-02-03", 3)}


def test_government_portal_needs_its_own_report_not_a_departments(store):
    hosted = [(HOME + "nb/2.html", "示例县财政局2025年政府信息公开工作年度报告", D("2026-01-20")),
              (HOME + "nb/3.html", "示例县人民政府办公室2025年政府信息公开工作年度报告", D("2026-01-21")),
              (HOME + "nb/4.html", "某某镇人民政府2025年政府信息公开工作年度报告", D("2026-01-22"))]
    run_id = report_run(store, D("2026-04-02"), county_items=hosted,
                        dept_items=[(DEPT_HOME + "1.html", "2025年政府信息公开工作年度报告", D("2026-01-20"))])
    found, _ = run_check(store, run_id, AnnualReportOverdue(), D("2026-04-02"), site_settings=SETTINGS)
    assert [(v.site, v.detail["problem"]) for v in found] == [(COUNTY, "missing")]
    # found as a page (no list row): the 信息公开 block's 发布日期 dates it
    page = {"url": HOME + "art/nb.html", "title": "示例县人民政府2025年政府信息公开工作年报",
            "published": D("2026-04-01"), "metadata": {"发布日期": "2026-03-30"}}
    run_id = report_run(store, D("2026-04-02"), county_items=hosted, pages=[page],
                        dept_items=[(DEPT_HOME + "1.html", "2025年政府信息公开工作年度报告", D("2026-01-20"))])
    assert run_check(store, run_id, AnnualReportOverdue(), D("2026-04-02"), site_settings=SETTINGS)[0] == []


def test_annual_report_incomplete_crawl_is_a_note_and_deadline_parameter(store):
    run_id = report_run(store, D("2026-02-10"), dept_completed=False)
    found, notes = run_check(store, run_id, AnnualReportOverdue(), D("2026-02-10"), site_settings=SETTINGS)
    assert found == [] and [n.site for n in notes] == [DEPT]
    with store.session() as s:
        view = RunView(s, run_id, D("2026-02-10"), (COUNTY, DEPT))
        prev = PreviousViolation("k", "annual-report-overdue", DEPT, DEPT_HOME, None, None, "open", {})
        assert AnnualReportOverdue().rechecked(view, prev) is False
    run_id = report_run(store, D("2026-02-10"))
    assert len(run_check(store, run_id, AnnualReportOverdue(), D("2026-02-10"), site_settings=SETTINGS)[0]) == 1
    assert run_check(store, run_id, AnnualReportOverdue(), D("2026-02-10"), {"department_due": "02-15"},
                     site_settings=SETTINGS)[0] == []
    # configured kind wins over the name
    found, _ = run_check(store, run_id, AnnualReportOverdue(), D("2026-02-10"),
                         site_settings={COUNTY: {"kind": "department"}, DEPT: {"kind": "government"}})
    assert [v.site for v in found] == [COUNTY]
    with pytest.raises(ValueError, match="department_due"):
        AnnualReportOverdue.params({"department_due": "1/31"})


@pytest.mark.parametrize("title, year", [
    ("2025年度政府信息公开工作年度报告", 2025), ("示例县人民政府2025年政府信息公开工作年报", 2025),
    ("关于2025年度示例县政府信息公开工作年度报告", 2025), ("政府信息公开工作年度报告（2024年度）", 2024),
    ("2025年政府信息公开工作年度报告（全文）", 2025),
    ("2025年政府信息公开工作年度报告解读", None), ("关于报送2025年政府信息公开工作年度报告的通知", None),
    ("2025年政务公开工作要点", None),
])
def test_report_titles(title, year):
    parsed = report_year(title)
    assert (parsed[0] if parsed else None) == year


# -- columns with a cadence ----------------------------------------------------------------

@pytest.mark.parametrize("schedule, due, as_of, period", [
    ("monthly", 0, "2026-11-01", ("2026-10-01", "2026-10-31", "2026-10")),
    ("monthly", 0, "2026-10-31", ("2026-09-01", "2026-09-30", "2026-09")),
    ("monthly", 15, "2026-11-15", ("2026-09-01", "2026-09-30", "2026-09")),
    ("monthly", 15, "2026-11-16", ("2026-10-01", "2026-10-31", "2026-10")),
    ("monthly", 0, "2026-03-01", ("2026-02-01", "2026-02-28", "2026-02")),
    ("monthly", 10, "2026-01-20", ("2025-12-01", "2025-12-31", "2025-12")),
    ("quarterly", 0, "2026-10-01", ("2026-07-01", "2026-09-30", "2026-Q3")),
    ("quarterly", 0, "2026-09-30", ("2026-04-01", "2026-06-30", "2026-Q2")),
    ("quarterly", 30, "2026-01-30", ("2025-07-01", "2025-09-30", "2025-Q3")),  # Q4 due 30 January
    ("quarterly", 30, "2026-01-31", ("2025-10-01", "2025-12-31", "2025-Q4")),
    ("yearly", 90, "2026-03-31", ("2024-01-01", "2024-12-31", "2024")),
    ("yearly", 90, "2026-04-01", ("2025-01-01", "2025-12-31", "2025")),
])
def test_last_due_period(schedule, due, as_of, period):
    start, end, label = last_due_period(schedule, due, D(as_of))
    assert (start.isoformat(), end.isoformat(), label) == period


COL = "http://www.sl.gov.cn/tjyb/"


def schedule_run(store, as_of, dates, kind="list"):
    items = [(f"{COL}{i}.html", f"统计月报{i}", d) for i, d in enumerate(dates)]
    return build(store, as_of, columns=[{"name": "统计月报", "url": COL, "category": "other", "kind": kind,
                                         "items": items}])


@pytest.mark.parametrize("schedule, due, as_of, dates, period", [
    ("monthly", 0, "2026-11-22", ["2026-10-31"], None),
    ("monthly", 0, "2026-11-22", ["2026-09-30", "2026-11-01"], "2026-10"),  # nothing dated in October
    ("monthly", 15, "2026-11-22", ["2026-11-15"], None),  # October's, on its last allowed day
    ("monthly", 15, "2026-11-22", ["2026-11-16", "2026-09-30"], "2026-10"),
    ("quarterly", 0, "2026-11-22", ["2026-07-01"], None),
    ("quarterly", 0, "2026-11-22", ["2026-06-30", None], "2026-Q3"),  # an undated row is no update
    ("quarterly", 20, "2026-10-20", ["2026-06-30"], None),  # Q3's deadline (20 Oct) not past: Q2 judged
    ("quarterly", 20, "2026-10-20", ["2026-03-31"], "2026-Q2"),
    ("quarterly", 20, "2026-10-21", ["2026-06-30"], "2026-Q3"),
    ("yearly", 0, "2026-11-22", ["2025-12-31"], None),
    ("yearly", 0, "2026-11-22", ["2024-12-31"], "2025"),
    ("yearly", 60, "2026-02-28", ["2025-03-01"], None),  # 2025 due 1 March 2026: 2024 is judged
    ("yearly", 60, "2026-03-02", ["2026-03-01"], None),  # 2025's report on its last day
])
def test_schedule_overdue(store, schedule, due, as_of, dates, period):
    as_of = D(as_of)
    run_id = schedule_run(store, as_of, [D(d) if d else None for d in dates])
    settings = {(COUNTY, COL): {"schedule": schedule, "due_days": due}}
    found, notes = run_check(store, run_id, ScheduleOverdue(), as_of, column_settings=settings)
    assert notes == []
    if period is None:
        assert found == []
    else:
        (v,) = found
        assert (v.url, v.column, v.detail["period"], v.detail["due_days"]) == (COL, "统计月报", period, due)
        assert v.detail["newest"] == max(d for d in dates if d)


def test_schedule_needs_a_schedule_and_a_readable_column(store):
    as_of = D("2026-11-22")
    old = [D("2020-01-01")]
    monthly = {(COUNTY, COL): {"schedule": "monthly"}}
    run_id = schedule_run(store, as_of, old)
    no_schedule = {(COUNTY, COL): {"due_days": 5}}
    assert run_check(store, run_id, ScheduleOverdue(), as_of, column_settings=no_schedule) == ([], [])
    (v,), _ = run_check(store, run_id, ScheduleOverdue(), as_of, column_settings=monthly)
    assert v.detail["deadline"] == "2026-10-31" and v.detail["items"] == 1
    unread = schedule_run(store, as_of, [], kind="unread")
    found, notes = run_check(store, unread, ScheduleOverdue(), as_of, column_settings=monthly)
    assert found == [] and notes[0].subject == COL and "could not be read" in notes[0].text
    missing = {(COUNTY, HOME + "nowhere/"): {"schedule": "yearly"}}
    found, notes = run_check(store, run_id, ScheduleOverdue(), as_of, column_settings=missing)
    assert found == [] and "not found" in notes[0].text
    prev = PreviousViolation("k", "schedule-overdue", COUNTY, COL, COL, "统计月报", "open", {})
    with store.session() as s:
        assert ScheduleOverdue().rechecked(RunView(s, run_id, as_of, (COUNTY,)), prev) is True
        assert ScheduleOverdue().rechecked(RunView(s, unread, as_of, (COUNTY,)), prev) is False


def test_an_older_years_missing_report_is_not_fixed_by_no_longer_being_looked_for(store):
    from govwatch.store.view import PreviousViolation, RunView

    run_id = report_run(store, D("2027-05-25"), county_items=[], dept_items=[])
    previous = PreviousViolation("k", "annual-report-overdue", COUNTY, HOME + "#annual-report-2025", None, None,
                                 "open", {"year": 2025, "problem": "missing"})
    with store.session() as s:
        check = AnnualReportOverdue()
        assert not check.rechecked(RunView(s, run_id, D("2027-05-25"), (COUNTY, DEPT)), previous)
        assert check.rechecked(RunView(s, run_id, D("2027-05-25"), (COUNTY, DEPT)),
                               PreviousViolation(**{**previous.__dict__, "detail": {"year": 2026}}))


def test_an_accounts_only_sites_file_has_no_annual_report_duty(store):
    """Issue 16 item 5: with no portal in the sites file (site_settings empty) the accounts
    must not each get annual-report-overdue, nor missing-site-identity."""
    from checks.identity import MissingSiteIdentity

    run_id = build(store, D("2026-04-02"), sites=(("示例县发布", "https://weibo.test/sl", True),))
    with store.session() as s, s.begin():
        s.query(m.Site).filter_by(name="示例县发布").one().kind = "account"
    assert run_check(store, run_id, AnnualReportOverdue(), D("2026-04-02"), site_settings={}) == ([], [])
    assert run_check(store, run_id, MissingSiteIdentity(), D("2026-04-02"), site_settings={}) == ([], [])
    # the same site as a portal is judged
    with store.session() as s, s.begin():
        s.query(m.Site).filter_by(name="示例县发布").one().kind = "portal"
    assert [v.rule for v in run_check(store, run_id, AnnualReportOverdue(), D("2026-04-02"))[0]] == ["annual-report-overdue"]


@pytest.mark.parametrize("metadata, column, judged", [
    ({}, "政策解读", True),
    ({"发文机关": "示例县发展和改革局"}, "政策解读", True),
    ({"信息来源": "县委宣传部"}, "政策解读", True),
    ({"信息来源": "中国政府网"}, "政策解读", False),
    ({"发文机关": "国务院办公厅"}, "政策解读", False),
    ({"来源": "示例省发展和改革委员会"}, "政策解读", False),
    ({"发文机关": "财政部"}, "政策解读", False),
    ({}, "上级政策解读", False),
])
def test_a_jiedu_reposted_from_a_higher_level_is_not_the_sites_own(store, metadata, column, judged):
    """Issue 15: a 解读 of gov.cn or the province reposted on the county site is not paired
    with (nor judged against) the county's documents."""
    run_id = build(store, D("2026-07-01"), columns=[
        {"name": column, "url": HOME + "zcjd/", "category": "interpretation",
         "items": [(JIEDU, "《示例县农村公路养护管理办法》政策解读", D("2026-06-22"))]},
        {"name": "政策文件", "url": HOME + "zcwj/", "category": "policy",
         "items": [(POLICY, "示例县农村公路养护管理办法", D("2026-06-01"))]}],
        pages=[{"url": JIEDU, "title": "《示例县农村公路养护管理办法》政策解读", "published": D("2026-06-22"),
                "metadata": metadata},
               {"url": POLICY, "title": "示例县农村公路养护管理办法", "published": D("2026-06-01")}])
    found, _ = run_check(store, run_id, InterpretationOverdue(), D("2026-07-01"))
    assert bool(found) is judged


def test_an_annual_report_only_linked_from_the_site_counts_as_published(store):
    """Issue 15: the report lives on a 信息公开 platform; the portal links it with an anchor
    naming the year's report. A link naming another year, or a department's, does not count."""
    platform = "https://xxgk.example.cn/sl/nb2025.html"

    def night(anchor):
        run_id = build(store, D("2026-04-02"), pages=[{"url": HOME + "xxgk/", "title": "政府信息公开"}])
        with store.session() as s, s.begin():
            site = s.query(m.Site).filter_by(name=COUNTY).one()
            s.add(m.Link(run_id=run_id, site_id=site.id, page_url=HOME + "xxgk/", target=platform,
                         anchor=anchor, tag="a"))
        return run_check(store, run_id, AnnualReportOverdue(), D("2026-04-02"), site_settings=SETTINGS)

    found, notes = night("示例县人民政府2025年政府信息公开工作年度报告")
    assert found == [] and platform in notes[0].text and "counted as published" in notes[0].text
    for anchor in ("示例县人民政府2024年政府信息公开工作年度报告", "示例县财政局2025年政府信息公开工作年度报告", "年度报告"):
        found, _ = night(anchor)
        assert [v.detail["problem"] for v in found] == ["missing"], anchor


def test_a_shipped_arrangement_makes_a_year_known(tmp_path, monkeypatch):
    from checks import workdays

    (tmp_path / "2027.yaml").write_text("year: 2027\nsource: 国办发明电〔2026〕X号（测试）\n"
                                        "holidays: [2027-01-01, 2027-02-05]\nworkdays: [2027-02-14]\n", "utf-8")
    monkeypatch.setattr(workdays, "SHIPPED_DIR", tmp_path)
    cal = WorkCalendar(estimate=True)
    assert cal.knows(2027) and not cal.is_estimated(2027)
    assert cal.is_workday(D("2027-02-14")) and not cal.is_workday(D("2027-02-05"))
    assert cal.is_workday(D("2027-02-08"))  # shipped: no longer the estimate's 初三
    # the sites file still wins over a shipped day
    assert not WorkCalendar(holidays=[D("2027-02-14")]).is_workday(D("2027-02-14"))
    (tmp_path / "bad.yaml").write_text("year: 2028\nsource: x\nholidays: [2027-01-01]\n", "utf-8")
    workdays.shipped_calendar.cache_clear()  # read once per process; the files changed
    with pytest.raises(ValueError, match="bad.yaml"):
        WorkCalendar()
