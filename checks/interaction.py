"""Interaction rules: messages left on the site's 政务咨询 columns and not answered (互动回应差)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from dateutil.relativedelta import relativedelta

from checks import evidence
from checks.base import Check, Note, Violation
from govwatch.store.view import ColumnItemView, ColumnView, PreviousViolation, RunView


class MessageUnanswered(Check):
    """A message of the last year left without a reply for more than 3 months.

    ## What it checks
    The rows of every interaction column read as a list (县长信箱, 咨询投诉, 网上咨询, ...),
    with the reply state the list shows (已回复/已办结 or 未回复/办理中, a 回复时间 column, an
    icon) and the message date (留言时间, or the row's first date). A message dated within
    ``window_months`` before the monitoring date (``--as-of``) is reported when it is still
    unanswered more than ``limit_months`` after it was left (exactly 3 months is not yet
    late; 3 months and a day is), or when the list shows it was answered later than that.
    Channels the indicator leaves out (在线访谈, 调查征集, 网上信访, 纪检举报) are skipped by
    column name.

    ## Why it matters
    国办秘函〔2019〕19号 单项否决 互动回应差: "监测时间点前1年内，对网民留言应及时答复处理的政务
    咨询类栏目（在线访谈、调查征集、网上信访、纪检举报类栏目除外）存在超过3个月未回应有效留言的
    现象" fails the site. One such message is enough; each one is listed.

    ## Parameters
    ``window_months`` (12): how far back messages are judged.
    ``limit_months`` (3): the longest wait for a reply.
    ``excluded`` (访谈, 调查, 征集, 信访, 纪检, 举报): column names containing one of these are
    not 政务咨询 columns and are skipped.

    ## Known problems
    Only what the list shows is judged: rows without a readable reply state are skipped, and a
    column whose dated rows show no state at all gets a note instead of a verdict; so does an
    interaction column that could not be read. Whether a message is 有效 (valid, not spam or a
    duplicate) cannot be seen from the list: each reported message needs a human look before
    the veto is claimed. A message left before the window is out of scope even if it is still
    unanswered (the indicator's one-year window is read as "left within the year"). The
    3-month and 12-month figures are the 2019 text's [V]; both are parameters.
    """

    id = "message-unanswered"
    title = "留言超期未回应"
    source = "国办秘函〔2019〕19号 单项否决：互动回应差"
    severity = "veto"

    @dataclass(frozen=True)
    class Params:
        window_months: int = 12
        limit_months: int = 3
        excluded: tuple[str, ...] = ("访谈", "调查", "征集", "信访", "纪检", "举报")

    @dataclass(frozen=True)
    class Detail:
        date: str  # when the message was left
        state: str  # unanswered | answered (late)
        answered_on: str | None
        days: int  # waiting until the monitoring date, or until the reply
        deadline: str
        limit_months: int
        title: str
        column: str

    @staticmethod
    def in_scope(column: ColumnView, params: Params) -> bool:
        return column.category == "interaction" and not any(word in column.name for word in params.excluded)

    @staticmethod
    def late(item: ColumnItemView, params: Params, as_of: dt.date) -> bool:
        """Left within the window, and unanswered past the limit or answered after it."""
        if item.date is None or item.state not in ("answered", "unanswered"):
            return False
        if not (as_of - relativedelta(months=params.window_months) <= item.date <= as_of):
            return False
        deadline = item.date + relativedelta(months=params.limit_months)
        if item.state == "unanswered":
            return as_of > deadline
        return item.answered_on is not None and item.answered_on > deadline

    def message(self, detail: dict[str, Any]) -> str:
        """已等待 100 天；未答复；留言日期：…；截止日期：…；标题：…, or for a late reply
        留言 109 天后才答复；答复日期：…"""
        d = detail
        days = d.get("days")
        if d.get("state") == "answered":
            lead = f"留言 {days} 天后才答复" if days is not None else "逾期答复"
        else:
            lead = evidence.line(f"已等待 {days} 天" if days is not None else "",
                                 "未答复" if d.get("state") == "unanswered" else "")
        return evidence.line(lead, evidence.field("留言日期", d.get("date")), evidence.field("答复日期", d.get("answered_on")),
                             evidence.field("截止日期", d.get("deadline")), evidence.field("标题", d.get("title")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        seen: set[tuple[str, str]] = set()  # one message listed in two columns is one problem
        for column, items in run.column_lists(categories=("interaction",)):
            if not self.in_scope(column, params):
                continue
            if column.kind == "unread":
                yield Note(f"互动栏目「{column.name}」未能读取，无法判断留言回复情况"
                           + (f"（{column.error}）" if column.error else ""), column.site, column.url)
                continue
            if column.kind != "list":
                continue
            dated = judged = 0
            for item in items:
                dated += item.date is not None
                judged += item.date is not None and item.state is not None
                if not self.late(item, params, run.as_of) or (item.site, item.url) in seen:
                    continue
                seen.add((item.site, item.url))
                yield self._violation(column, item, params, run.as_of)
            if dated and not judged:
                yield Note(f"互动栏目「{column.name}」的留言列表未显示可识别的回复状态，无法判断是否超期未回应",
                           column.site, column.url)

    def _violation(self, column: ColumnView, item: ColumnItemView, params: Params, as_of: dt.date) -> Violation:
        until = as_of if item.state == "unanswered" else item.answered_on
        deadline = item.date + relativedelta(months=params.limit_months)
        return Violation(self.id, item.site, item.url, page=column.url, column=column.name, detail=self.Detail(
            date=item.date.isoformat(),
            state=item.state,
            answered_on=item.answered_on.isoformat() if item.answered_on else None,
            days=(until - item.date).days,  # days waiting (until now, or until the reply)
            deadline=deadline.isoformat(),
            limit_months=params.limit_months,
            title=item.title,
            column=column.name,
        ))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        """The message's column was read again: a message now answered in time, or gone, is fixed."""
        site = run.site(previous.site)
        if not (site and site.completed):
            return False
        columns = [c for c in run.columns(previous.site)
                   if (c.url == previous.page if previous.page else c.name == previous.column)]
        if not columns:
            return True  # the column is gone, and its messages with it
        if any(c.kind == "unread" for c in columns):
            return False
        for column in columns:
            for item in run.column_items(previous.site, column_url=column.url):
                if item.url == previous.url and (item.state is None or item.date is None):
                    return False  # still listed, but its state could not be read this time
                if item.url == previous.url and item.state == "unanswered":
                    return False  # still unanswered, only older than the window: not fixed
        return True
