"""政务新媒体 accounts: silent accounts and accounts that cannot be read.

An account is a site of kind ``account`` in the run; its posts are pages of kind ``post``
whose ``published`` is the post's date on the monitoring calendar (pinned posts carry none).
Wording errors and dead links in posts are the ordinary ``wording-error`` and ``dead-link``
rules, reported under the account's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from checks import evidence
from checks.base import Check, Note, Points, Violation
from govwatch.store.view import PreviousViolation, RunView, SiteView


def newest_post(run: RunView, account: SiteView) -> tuple[dt.date | None, int]:
    """The newest dated post of the account in this run, and how many posts it showed."""
    return run.newest_published(("post",)).get(account.name, (None, 0))


@dataclass(frozen=True)
class StaleDetail:
    """An account's newest post against the window (the veto's and the early warning's evidence)."""

    newest: str | None
    days: int | None  # since the newest post
    limit_days: int
    posts: int  # posts the run read


def _stale_detail(run: RunView, newest: dt.date | None, posts: int, limit: int) -> StaleDetail:
    return StaleDetail(newest.isoformat() if newest else None, (run.as_of - newest).days if newest else None,
                       limit, posts)


def stale_sentence(detail: dict[str, Any]) -> str:
    """最新信息 2026-11-02，已 20 天未更新（要求 14 天内）；抓取帖文（条）：3"""
    d = detail
    fresh = evidence.freshness(d.get("newest"), d.get("days"), limit_days=d.get("limit_days"))
    return evidence.line(fresh or "未读到带日期的帖文", evidence.field("抓取帖文（条）", d.get("posts")))


class AccountStale(Check):
    """A government new-media account with no post in the 14 days before the monitoring date.

    ## What it checks
    The newest dated post the account's source shows (a feed, Weibo's API, or the listed
    article pages), pinned (置顶) posts excluded, against ``--as-of``: older than ``days``
    days, or no dated post at all, is a silent account.

    ## Why it matters
    国办秘函〔2019〕19号 政务新媒体 单项否决: "监测时间点前2周内无更新" fails the account;
    provincial 通报 list such accounts by name (咸阳 2021, 宝鸡 2020).

    ## Parameters
    ``days`` (14). Some localities are stricter (10 days, 闽侯县; 7 days in vendor advice).

    ## Known problems
    A feed that shows only the latest few posts is enough; an account read from a fixed list
    of article pages looks stale once those pages age — give such accounts a feed.
    """

    id = "account-stale"
    title = "政务新媒体超过两周未更新"
    source = "国办秘函〔2019〕19号 政务新媒体检查指标 单项否决：内容不更新"
    severity = "veto"
    subject = "account"

    @dataclass(frozen=True)
    class Params:
        days: int = 14

    Detail = StaleDetail

    def message(self, detail: dict[str, Any]) -> str:
        return stale_sentence(detail)

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        for account in run.accounts():
            if not account.reached:
                continue  # account-unreachable says so; silence cannot be judged
            newest, posts = newest_post(run, account)
            if newest is None and posts:
                yield Note(f"{posts} post(s) but none dated (pinned or without a time): not judged",
                           account.name, account.url)
            elif newest is None or newest < run.as_of - dt.timedelta(days=params.days):
                yield Violation(self.id, account.name, account.url,
                                detail=_stale_detail(run, newest, posts, params.days))


class AccountStaleEarlyWarning(Check):
    """An account that has not posted for ``days`` days: a warning before the two-week line.

    ## What it checks
    As ``account-stale``, with a shorter window, and only while the account is not stale yet.

    ## Why it matters
    Monitors warn at 7 to 10 days so the office can act before the veto line (河东区 2021:
    "内容超10天未更新"; vendor advice: post at least weekly).

    ## Parameters
    ``days`` (7); the veto line is ``account-stale``'s 14 days.
    """

    id = "account-stale-early-warning"
    title = "政务新媒体更新预警"
    source = "国办秘函〔2019〕19号 政务新媒体内容不更新（两周否决线之前的预警）"
    severity = "warning"
    subject = "account"

    @dataclass(frozen=True)
    class Params:
        days: int = 7

    Detail = StaleDetail

    def message(self, detail: dict[str, Any]) -> str:
        return stale_sentence(detail)

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        veto_line = run.as_of - dt.timedelta(days=AccountStale.params_in(run).days)
        for account in run.accounts():
            if not account.reached:
                continue
            newest, posts = newest_post(run, account)
            if newest is not None and veto_line <= newest < run.as_of - dt.timedelta(days=params.days):
                yield Violation(self.id, account.name, account.url,
                                detail=_stale_detail(run, newest, posts, params.days))


class AccountUnreachable(Check):
    """An account whose source could not be read in this run.

    ## What it checks
    The account's feed or article pages answered an error, a login wall, or nothing (after
    the crawl's retries), so no post could be read.

    ## Why it matters
    A closed, renamed or hidden account must be reported and filed (通报: "因改名称或注销未及时
    报送", "闲置账号未及时注销"); and a monitor that cannot read an account cannot vouch for it.

    ## Parameters
    None.

    ## Known problems
    A feed service of the office's own (RSSHub, WeChat-to-RSS) that is down makes every
    account it serves unreachable: the detail names the error to tell the two apart.
    """

    id = "account-unreachable"
    title = "政务新媒体无法访问"
    source = "国办秘函〔2019〕19号 政务新媒体检查指标；国办发〔2018〕123号（账号管理）"
    severity = "deduction"
    points = Points(1, 5)  # no scheme's value known: the default of a rule without one

    @dataclass(frozen=True)
    class Detail:
        status: int | str | None  # the HTTP status, else the error class
        error: str | None

    def message(self, detail: dict[str, Any]) -> str:
        """状态码 404, 状态：timeout."""
        return evidence.status(detail.get("status")) or evidence.line("未能读取", evidence.field("错误", detail.get("error")))

    def check(self, run: RunView, params) -> Iterator[Violation]:
        for account in run.accounts():
            if not account.reached and not account.degraded:
                yield Violation(self.id, account.name, account.url, detail=self.Detail(
                    account.home_status if account.home_status is not None else account.home_error,
                    account.home_error))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return run.site(previous.site) is not None  # the run tried it: reached now means fixed
