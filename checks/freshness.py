"""Freshness rules: columns that should be updated and are not (栏目不更新, 空白栏目)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterator

from dateutil.relativedelta import relativedelta

from checks import evidence
from checks.base import Check, Note, Points, Violation
from govwatch.store.view import ColumnView, RunView


class StaleColumn(Check):
    """A column whose newest dated item is older than its category allows.

    ## What it checks
    Columns are the navigation entries (or those listed in the sites file) whose pages list
    dated items. The newest item date over all list pages (置顶 pinned rows excluded) is
    compared with the monitoring date (``--as-of``): news (动态要闻) must have an item in
    the last 14 days, notices and policy documents (通知公告/政策文件) in the last 6 months,
    personnel and plans (人事/规划计划) and unclassified columns in the last year.

    ## Why it matters
    国办秘函〔2019〕19号 单项否决: 5 or more stale news + notice/policy columns, or 10 or more
    columns that should be updated and are not, fail the site. Each stale column is listed.

    ## Parameters
    ``news_days`` (14), ``notice_months`` (6), ``policy_months`` (6), ``personnel_months`` (12),
    ``plan_months`` (12), ``other_months`` (12; 0 switches unclassified columns off).

    ## Known problems
    A column that never had any item is ``blank-column`` only. Static pages (机构职能, 领导信息)
    and interpretation/interaction columns have no update duty here. Undated items never
    count as updates (2015 普查 notes: 未注明信息发布时间的视为不更新).
    """

    id = "stale-column"
    title = "栏目不更新"
    source = "国办秘函〔2019〕19号 栏目不更新（逐栏列出；累计达到否决线见“栏目不更新（单项否决）”）"
    severity = "deduction"
    points = Points(5, 20)  # 政策文件 一级栏目 6 个月未更新 扣5分 (国管局 2019 self-check) [S]
    subject = "column"

    @dataclass(frozen=True)
    class Params:
        news_days: int = 14
        notice_months: int = 6
        policy_months: int = 6
        personnel_months: int = 12
        plan_months: int = 12
        other_months: int = 12

    @dataclass(frozen=True)
    class Detail:
        category: str
        newest: str  # the newest item's date
        days: int  # since then, to the monitoring date
        limit_days: int  # the window in days on this monitoring date
        window: str  # the window in the indicators' words: 14天, 6个月, 1年
        items: int

    def message(self, detail: dict[str, Any]) -> str:
        """最新信息 2026-05-06，已 200 天未更新（要求 6个月 内更新）."""
        d = detail
        return evidence.freshness(d.get("newest"), d.get("days"), d.get("window"), d.get("limit_days"))

    @staticmethod
    def limit(params: Params, category: str, as_of: dt.date) -> dt.date | None:
        """The oldest newest-item date that is still fresh, or None for no update duty."""
        if category == "news":
            return as_of - dt.timedelta(days=params.news_days)
        months = getattr(params, f"{category}_months", None)
        return as_of - relativedelta(months=months) if months else None

    @staticmethod
    def window(params: Params, category: str) -> str:
        """The update window as the indicators word it: 14天, 6个月, 1年."""
        if category == "news":
            return f"{params.news_days}天"
        months = getattr(params, f"{category}_months", 0)
        return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"

    @classmethod
    def stale(cls, column: ColumnView, params: Params, as_of: dt.date) -> bool:
        """Read, once had an item, and its newest item older than the category allows."""
        if column.kind != "list" or column.newest_date is None:
            return False
        limit = cls.limit(params, column.category, as_of)
        return limit is not None and column.newest_date < limit

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for column in run.columns():
            if self.stale(column, params, run.as_of):
                limit = self.limit(params, column.category, run.as_of)
                yield Violation(
                    self.id, column.site, column.url, page=column.url, column=column.name,
                    detail=self.Detail(
                        category=column.category,
                        newest=column.newest_date.isoformat(),
                        days=(run.as_of - column.newest_date).days,
                        limit_days=(run.as_of - limit).days,
                        window=self.window(params, column.category),
                        items=column.item_count,
                    ),
                )



class BlankColumn(Check):
    """A column that has never published anything (空白栏目).

    ## What it checks
    A column whose list pages hold no item at all — the list is empty or says 暂无信息.
    Single pages (机构职能, 领导信息, 概况) are static, not blank. A column with items that
    have no readable date is not blank either (it is reported as unread, not guessed).

    ## Why it matters
    国办秘函〔2019〕19号 单项否决: 5 or more blank columns fail the site; each one is listed.

    ## Parameters
    ``categories``: the column categories checked (default: every category with an update
    duty, plus interpretation and unclassified columns).
    """

    id = "blank-column"
    title = "空白栏目"
    source = "国办秘函〔2019〕19号 空白栏目（逐栏列出；5个及以上单项否决）"
    severity = "deduction"
    points = Points(5, 20)  # as a stale column (provincial schemes)
    subject = "column"

    @dataclass(frozen=True)
    class Params:
        categories: tuple[str, ...] = ("news", "notice", "policy", "personnel", "plan", "interpretation", "other")

    @dataclass(frozen=True)
    class Detail:
        category: str
        list_pages: int  # list pages read, all empty

    def message(self, detail: dict[str, Any]) -> str:
        return "栏目从未发布信息"

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for column in run.columns():
            if is_blank(column) and column.category in params.categories:
                yield Violation(self.id, column.site, column.url, page=column.url, column=column.name,
                                detail=self.Detail(column.category, column.list_pages))



class HomepageStale(Check):
    """A home page with no new dated item in the last 14 days (首页不更新).

    ## What it checks
    The newest date shown on the home page (list rows, news blocks; future dates ignored)
    against the monitoring date.

    ## Why it matters
    国办秘函〔2019〕19号 单项否决: a home page not updated for two weeks fails the site.

    ## Parameters
    ``days``: the window (default 14).

    A home page that shows no dated item at all is a navigation entry: then the newest item
    of all its columns counts ("如首页仅为网站栏目导航入口，所有二级页面无信息更新的，即单项否决").

    ## Known problems
    A home page without dates whose columns could not be read either is not judged; the run
    records a note.
    """

    id = "homepage-stale"
    title = "首页不更新"
    source = "国办秘函〔2019〕19号 单项否决：首页栏目信息更新"
    severity = "veto"

    @dataclass(frozen=True)
    class Params:
        days: int = 14

    @dataclass(frozen=True)
    class Detail:
        newest: str  # the newest dated item of the home page (or of its columns)
        days: int
        limit_days: int
        navigation_only: bool  # the home page shows no date: its columns' newest item counted

    def message(self, detail: dict[str, Any]) -> str:
        """最新信息 2026-10-01，已 52 天未更新（要求 14 天内）, and for a home page that only
        leads to the columns, that their newest item was counted."""
        d = detail
        return evidence.line(evidence.freshness(d.get("newest"), d.get("days"), limit_days=d.get("limit_days")),
                             "首页未显示日期，按各栏目最新信息计" if d.get("navigation_only") else "")

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for page in run.pages(kinds=("home",), text=False, meta=False):
            newest = page.published  # for a home page: its newest dated item (see the spider)
            navigation = newest is None
            if navigation:  # a navigation-only home page: its second-level pages decide
                newest = max((c.newest_date for c in run.columns(page.site) if c.newest_date), default=None)
                if newest is None:
                    yield Note("the home page shows no dated item and no column could be dated: 首页不更新 "
                               "is not judged", page.site, page.url)
                    continue
            if newest < run.as_of - dt.timedelta(days=params.days):
                yield Violation(self.id, page.site, page.url, page=page.url,
                                detail=self.Detail(newest.isoformat(), (run.as_of - newest).days, params.days,
                                                   navigation))


def is_blank(column: ColumnView) -> bool:
    """A column read as a list that has never had an item."""
    return column.kind == "list" and column.item_count == 0


def _stale_and_blank(run: RunView, site: str) -> tuple[list[ColumnView], list[ColumnView]]:
    # the windows stale-column uses in this run: the sites file's, not the defaults
    params = StaleColumn.params_in(run)
    columns = run.columns(site)
    return ([c for c in columns if StaleColumn.stale(c, params, run.as_of)],
            [c for c in columns if is_blank(c)])


class TooManyStaleColumns(Check):
    """A site past the veto lines for stale or blank columns.

    ## What it checks
    Per site: 5 or more stale news + notice/policy columns, or 10 or more stale columns of any
    category, or 5 or more blank columns (with the windows ``stale-column`` uses in the run: its
    parameters in the sites file).

    ## Why it matters
    国办秘函〔2019〕19号 单项否决 (栏目不更新): any of the three fails the site.

    ## Parameters
    ``dated`` (5), ``any`` (10), ``blank`` (5): the veto lines.
    """

    id = "too-many-stale-columns"
    title = "栏目不更新（单项否决）"
    source = "国办秘函〔2019〕19号 单项否决：栏目不更新"
    severity = "veto"

    @dataclass(frozen=True)
    class Params:
        dated: int = 5
        any: int = 10
        blank: int = 5

    @dataclass(frozen=True)
    class Detail:
        stale_dated: int  # stale news + notice/policy columns
        stale: int  # stale columns of any category
        blank: int
        lines: tuple[str, ...]  # the veto lines reached: dated, any, blank
        columns: tuple[str, ...]  # the stale, then the blank columns

    _LINES = {"dated": "动态要闻、通知公告、政策文件类栏目不更新", "any": "栏目不更新总数", "blank": "空白栏目数"}

    def message(self, detail: dict[str, Any]) -> str:
        """不更新栏目 7 个（其中动态要闻、通知公告、政策文件类 6 个），空白栏目 1 个；达到否决线：…；涉及栏目：…"""
        d = detail
        counts = (f"不更新栏目 {d.get('stale', 0)} 个（其中动态要闻、通知公告、政策文件类 {d.get('stale_dated', 0)} 个），"
                  f"空白栏目 {d.get('blank', 0)} 个")
        lines = [self._LINES.get(line, line) for line in d.get("lines") or ()]
        return evidence.line(counts, evidence.field("达到否决线", lines), evidence.field("涉及栏目", d.get("columns")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for site in run.sites():
            if not site.completed:
                continue
            stale, blank = _stale_and_blank(run, site.name)
            dated = [c for c in stale if c.category in ("news", "notice", "policy")]
            hits = {"dated": len(dated) >= params.dated, "any": len(stale) >= params.any,
                    "blank": len(blank) >= params.blank}
            if any(hits.values()):
                yield Violation(self.id, site.name, site.url, page=site.url, detail=self.Detail(
                    len(dated), len(stale), len(blank), tuple(k for k, hit in hits.items() if hit),
                    tuple(c.name for c in stale + blank)))


class StaleColumnEarlyWarning(Check):
    """A site nearing the veto lines: more than 2 blank or more than 6 stale columns.

    ## What it checks
    The counts of ``too-many-stale-columns``, against lower lines, so the office can act
    before an inspection; not reported when the veto itself is reached.

    ## Why it matters
    Monitoring platforms warn before the veto lines (research/national-indicators.md MON-01).

    ## Parameters
    ``stale`` (warn above 6), ``blank`` (warn above 2).
    """

    id = "stale-column-early-warning"
    title = "栏目不更新预警"
    source = "国办秘函〔2019〕19号 栏目不更新（否决线之前的预警）"
    severity = "warning"

    @dataclass(frozen=True)
    class Params:
        stale: int = 6
        blank: int = 2

    @dataclass(frozen=True)
    class Detail:
        stale: int
        blank: int

    def message(self, detail: dict[str, Any]) -> str:
        return f"不更新栏目 {detail.get('stale', 0)} 个，空白栏目 {detail.get('blank', 0)} 个，接近单项否决线"

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        veto = TooManyStaleColumns.params_in(run)
        for site in run.sites():
            if not site.completed:
                continue
            stale, blank = _stale_and_blank(run, site.name)
            dated = [c for c in stale if c.category in ("news", "notice", "policy")]
            vetoed = len(dated) >= veto.dated or len(stale) >= veto.any or len(blank) >= veto.blank
            if not vetoed and (len(stale) > params.stale or len(blank) > params.blank):
                yield Violation(self.id, site.name, site.url, page=site.url,
                                detail=self.Detail(len(stale), len(blank)))
