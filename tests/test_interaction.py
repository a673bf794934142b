"""留言 rows (reply state, message and reply dates) and the message-unanswered rule."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import html as lxml_html

from checks.base import Note, Violation
from checks.interaction import MessageUnanswered
from crawler.extract.messages import read_message_row
from crawler.extract.page import analyse
from govwatch.store.view import PreviousViolation, RunView
from govwatch.testing import RunBuilder

AS_OF = dt.date(2026, 11, 22)
D = dt.date


def items_of(body: str):
    facts = analyse(f"<html><body>{body}</body></html>".encode(), "http://a.gov.cn/hd/index.html")
    return [(i.url.rsplit("/", 1)[1], i.date, i.state, i.answered_on) for i in facts.listing.items]


# -- row parsing -------------------------------------------------------------------------------------


def test_table_with_header_gives_positions():
    # header in thead; a date inside a title, a state word inside a title, an icon, an empty reply cell
    body = """<table class="hd"><thead><tr><th>标题</th><th>留言时间</th><th>办理状态</th><th>回复时间</th></tr></thead>
    <tbody><tr><td><a href="1.html">关于2025年12月1日停水安排的咨询</a></td><td>2026-01-02</td><td>已回复</td><td>2026-01-05</td></tr>
    <tr><td><a href="2.html">小区垃圾处理中转站选址的建议</a></td><td>2026-02-03 09:15</td><td>办理中</td><td></td></tr>
    <tr><td><a href="3.html">路灯维修</a></td><td>2026-02-04</td><td><img src="/img/yhf.png"></td><td>2026-03-01</td></tr>
    <tr><td><a href="4.html">公交线路调整</a></td><td>2026-02-05</td><td></td><td>—</td></tr></tbody></table>"""
    assert items_of(body) == [
        ("1.html", D(2026, 1, 2), "answered", D(2026, 1, 5)),
        ("2.html", D(2026, 2, 3), "unanswered", None),
        ("3.html", D(2026, 2, 4), "answered", D(2026, 3, 1)),
        ("4.html", D(2026, 2, 5), "unanswered", None),  # the header's reply column is empty
    ]


def test_table_header_order_decides_which_date_is_which():
    # the reply date comes first: only the header can tell
    body = """<table><tr><td>回复时间</td><td>主题</td><td>来信时间</td></tr>
    <tr><td>2026-04-20</td><td><a href="1.html">医保报销咨询</a></td><td>2026-04-01</td></tr>
    <tr><td></td><td><a href="2.html">户籍迁移咨询</a></td><td>2026-04-03</td></tr></table>"""
    assert items_of(body) == [("1.html", D(2026, 4, 1), "answered", D(2026, 4, 20)),
                              ("2.html", D(2026, 4, 3), "unanswered", None)]


def test_a_reply_column_that_is_not_empty_is_no_proof_of_silence():
    # no 状态 column: 查看回复, a short date or an icon in the reply cell mean a reply exists
    body = """<table><tr><th>标题</th><th>留言时间</th><th>回复时间</th></tr>
    <tr><td><a href="1.html">停车收费咨询</a></td><td>2026-01-02</td><td><a href="1.html#r">查看回复</a></td></tr>
    <tr><td><a href="2.html">公交线路咨询</a></td><td>2026-01-03</td><td><img src="/img/yhf.gif"></td></tr>
    <tr><td><a href="3.html">路灯维修</a></td><td>2026-01-04</td><td></td></tr></table>"""
    assert [(name, state) for name, _, state, _ in items_of(body)] == [
        ("1.html", "answered"), ("2.html", "answered"), ("3.html", "unanswered")]


def test_table_header_without_a_date_column():
    # the message date sits in the title cell, after a title that holds a date of its own
    body = """<table><tr><th>留言主题</th><th>处理状态</th></tr>
    <tr><td><a href="1.html">2026年3月1日起停水是否属实</a> <span>2026-02-20</span></td><td>处理中</td></tr></table>"""
    assert items_of(body) == [("1.html", D(2026, 2, 20), "unanswered", None)]


def test_li_rows_with_spans_and_labels():
    body = """<ul class="list">
    <li><a href="1.html">关于已处理路段再次积水的反映</a><span>留言时间：2026-01-02</span><span>已答复</span><span>答复时间：2026-01-20</span></li>
    <li><a href="2.html">二号</a><span>[待回复]</span><span>2026-02-02</span></li>
    <li><span>回复时间：2026-03-09</span><a href="3.html">三号</a><span>提问时间：2026-03-01</span></li>
    <li><a href="4.html">四号</a><span>2026-03-01</span><span>已办结</span><span>2026-03-20</span></li>
    <li><a href="5.html">五号</a><span>留言时间：2026-03-02</span><span>回复时间：</span></li>
    <li><a href="6.html">六号</a><span>2026-03-03</span><i class="state not-replied"></i></li>
    <li><a href="7.html">七号</a><span>2026-03-04</span><span>正在办理</span><span>处理时间：2026-03-05</span></li>
    <li><a href="8.html">八号</a><span>受理时间：2026-03-08</span><span>留言时间：2026-03-06</span><span>已受理</span></li>
    </ul>"""
    assert items_of(body) == [
        ("1.html", D(2026, 1, 2), "answered", D(2026, 1, 20)),  # 已处理 in the title is not the state
        ("2.html", D(2026, 2, 2), "unanswered", None),
        ("3.html", D(2026, 3, 1), "answered", D(2026, 3, 9)),  # labels, not order
        ("4.html", D(2026, 3, 1), "answered", D(2026, 3, 20)),  # second date of an answered row
        ("5.html", D(2026, 3, 2), "unanswered", None),  # an empty 回复时间 slot
        ("6.html", D(2026, 3, 3), "unanswered", None),  # class name only
        ("7.html", D(2026, 3, 4), "unanswered", None),  # a handling date is not a reply
        ("8.html", D(2026, 3, 6), "unanswered", None),  # the labelled 留言时间, not the first date
    ]


@pytest.mark.parametrize("word, state", [
    ("已回复", "answered"), ("已答复", "answered"), ("已办结", "answered"), ("已处理", "answered"),
    ("已反馈", "answered"), ("未回复", "unanswered"), ("未答复", "unanswered"), ("待回复", "unanswered"),
    ("办理中", "unanswered"), ("处理中", "unanswered"), ("待处理", "unanswered"), ("未办结", "unanswered"),
    ("正在办理", "unanswered"), ("已受理 未回复", "unanswered"), ("已受理 已办结", "answered"),
    ("已受理", "unanswered"), ("办理单位：县垃圾处理中心 已回复", "answered"), ("来源：市民热线受理中心", None),
    ("查看详情", None),
])
def test_state_words(word, state):
    row = lxml_html.fragment_fromstring(
        f'<li><a href="1.html">关于供暖的咨询</a><span>2026-05-01</span><span>{word}</span></li>')
    facts = read_message_row(row, row.find("a"))
    # a row that says nothing about replies is no message row: no dates read for it
    assert (facts.state, facts.asked_on, facts.answered_on) == (state, D(2026, 5, 1) if state else None, None)


def test_news_rows_say_nothing_about_replies():
    # a state word in a news title, and a news table with a header, are not message rows
    body = """<ul class="news"><li><a href="1.html">县领导调研垃圾处理中心建设并督办未办结事项</a><span>2026-01-02</span></li>
    <li><a href="2.html">二</a><span>2026-01-01</span></li></ul>"""
    assert items_of(body) == [("1.html", D(2026, 1, 2), None, None), ("2.html", D(2026, 1, 1), None, None)]
    table = """<table><tr><th>标题</th><th>发布日期</th></tr>
    <tr><td><a href="3.html">通知</a></td><td>2026-02-01</td></tr></table>"""
    assert items_of(table) == [("3.html", D(2026, 2, 1), None, None)]
    row = lxml_html.fragment_fromstring('<li><a href="1.html">要闻</a><span>2026-05-01</span></li>')
    assert read_message_row(row, row.find("a")) == (None, None, None)


# -- the check over a real SQLite run -----------------------------------------------------------------


def make_run(store, columns, completed=True):
    """columns: (name, kind, [(url, date, state, answered_on), ...]); returns the run id."""
    with RunBuilder(AS_OF, store=store) as run:
        run.site("县", "http://x.gov.cn/", completed=completed)
        for i, (name, kind, rows) in enumerate(columns):
            run.column("县", name, f"http://x.gov.cn/hd{i}/", "interaction", kind=kind,
                       items=[(url, f"留言{url[-6:]}", date, state, answered_on) for url, date, state, answered_on in rows])
    return run.run_id


def run_check(store, run_id, **params):
    check = MessageUnanswered()
    with store.session() as s:
        return list(check.check(RunView(s, run_id, AS_OF, ("县",)), check.params(params)))


def violations(found):
    return [v for v in found if isinstance(v, Violation)]


U = "http://x.gov.cn/hd0/"


@pytest.mark.parametrize("date, state, answered_on, late", [
    (D(2026, 8, 22), "unanswered", None, False),  # exactly 3 months before as-of: not yet late
    (D(2026, 8, 21), "unanswered", None, True),  # 3 months and a day
    (D(2025, 11, 22), "unanswered", None, True),  # the window's first day
    (D(2025, 11, 21), "unanswered", None, False),  # older than 12 months: out of scope
    (D(2026, 3, 1), "answered", D(2026, 6, 1), False),  # answered on the deadline
    (D(2026, 3, 1), "answered", D(2026, 6, 2), True),  # answered a day late
    (D(2026, 3, 1), "answered", None, False),  # answered, date not shown: nothing to hold against it
    (D(2026, 3, 1), None, None, False),  # no state: not judged
    (None, "unanswered", None, False),  # no date: not judged
])
def test_boundaries(store, date, state, answered_on, late):
    run_id = make_run(store, [("县长信箱", "list", [(U + "1.html", date, state, answered_on),
                                                    (U + "2.html", AS_OF, "answered", AS_OF)])])
    found = violations(run_check(store, run_id))
    assert [v.url for v in found] == ([U + "1.html"] if late else [])
    if late:
        v = found[0]
        assert (v.rule, v.site, v.page, v.column) == ("message-unanswered", "县", U, "县长信箱")
        assert v.detail["date"] == date.isoformat() and v.detail["state"] == state
        assert v.detail["days"] == ((answered_on or AS_OF) - date).days
        assert v.detail["answered_on"] == (answered_on.isoformat() if answered_on else None)
        assert v.detail["title"] == "留言1.html" and v.detail["column"] == "县长信箱"


def test_parameters(store):
    run_id = make_run(store, [("网上咨询", "list", [(U + "1.html", D(2026, 10, 1), "unanswered", None),
                                                    (U + "2.html", D(2025, 6, 1), "unanswered", None)])])
    assert violations(run_check(store, run_id)) == []
    assert [v.url for v in violations(run_check(store, run_id, limit_months=1))] == [U + "1.html"]
    assert [v.url for v in violations(run_check(store, run_id, window_months=24))] == [U + "2.html"]


def test_excluded_channels_and_unread_columns(store):
    old = [("u.html", D(2026, 1, 1), "unanswered", None)]
    run_id = make_run(store, [(name, "list", [(f"http://x.gov.cn/{i}/" + u, *rest) for u, *rest in old])
                              for i, name in enumerate(["在线访谈", "调查征集", "网上信访", "纪检监察举报"])]
                      + [("咨询投诉", "unread", [])])
    found = run_check(store, run_id)
    assert violations(found) == []
    (note,) = found
    assert isinstance(note, Note) and "咨询投诉" in note.text and note.subject == "http://x.gov.cn/hd4/"
    # the exclusions are a parameter
    assert len(violations(run_check(store, run_id, excluded=["访谈"]))) == 3


def test_column_without_reply_state_gets_a_note(store):
    run_id = make_run(store, [("县长信箱", "list", [(U + "1.html", D(2026, 1, 1), None, None)]),
                              ("民生热线", "list", [])])  # an empty board says nothing either way
    found = run_check(store, run_id)
    assert len(found) == 1 and isinstance(found[0], Note) and "县长信箱" in found[0].text


def test_one_message_in_two_columns_is_one_violation(store):
    row = ("http://x.gov.cn/ly/1.html", D(2026, 1, 1), "unanswered", None)
    run_id = make_run(store, [("县长信箱", "list", [row]), ("全部留言", "list", [row])])
    assert len(violations(run_check(store, run_id))) == 1


def test_rechecked(store):
    check = MessageUnanswered()
    prev = PreviousViolation("k", check.id, "县", U + "1.html", U, "县长信箱", "open", {})

    def rechecked(run_id):
        with store.session() as s:
            return check.rechecked(RunView(s, run_id, AS_OF, ("县",)), prev)

    answered = make_run(store, [("县长信箱", "list", [(U + "1.html", D(2026, 1, 1), "answered", D(2026, 2, 1))])])
    gone = make_run(store, [("县长信箱", "list", [(U + "2.html", D(2026, 1, 1), "answered", D(2026, 2, 1))])])
    unread = make_run(store, [("县长信箱", "unread", [])])
    no_state = make_run(store, [("县长信箱", "list", [(U + "1.html", D(2026, 1, 1), None, None)])])
    column_removed = make_run(store, [])
    cut_short = make_run(store, [("县长信箱", "list", [])], completed=False)
    assert ([rechecked(r) for r in (answered, gone, column_removed, unread, no_state, cut_short)]
            == [True, True, True, False, False, False])
