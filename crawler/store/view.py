"""The read-only view of one run that checks see (DESIGN.md: checks never fetch).

Rows come out as frozen dataclasses and large tables are iterated, not loaded, so a check
over a 20,000-page run stays small. New attributes may be added; none are ever removed, so
plugins keep working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.store import models as m


@dataclass(frozen=True)
class SiteView:
    name: str
    url: str
    reached: bool  # the home page answered
    completed: bool  # the crawl ran to its end: a clean result here means "fixed"
    pages: int
    links: int
    home_status: int | None
    home_error: str | None
    degraded: bool = False  # the monitor's own network failed during the crawl (canary)
    kind: str = "portal"  # portal | account (a 政务新媒体 account: its posts are pages of kind "post")


@dataclass(frozen=True)
class ColumnView:
    site: str
    name: str
    url: str
    category: str
    kind: str  # list | static | unread
    newest_date: dt.date | None
    item_count: int
    dated_items: int
    list_pages: int
    source: str
    owner: str | None
    error: str | None


@dataclass(frozen=True)
class PageView:
    site: str
    url: str
    status: int
    kind: str
    title: str | None
    published: dt.date | None
    metadata: dict[str, str]
    text: str
    column: str | None  # the column whose list links to the page
    category: str | None
    meta: dict[str, str] = field(default_factory=dict)  # standard <meta> tags: SiteName, PubDate, ...


@dataclass(frozen=True)
class ColumnItemView:
    """One row of a column's list pages (pinned rows included)."""

    site: str
    column: str
    column_url: str
    category: str
    url: str
    title: str
    date: dt.date | None
    state: str | None = None  # interaction rows: answered | unanswered
    answered_on: dt.date | None = None


@dataclass(frozen=True)
class ProbeView:
    site: str
    at: dt.datetime  # UTC
    ok: bool
    status: int | None
    error: str | None
    seconds: float | None


@dataclass(frozen=True)
class LinkCheckView:
    url: str
    verdict: str
    status: int | None
    error: str | None
    final_url: str | None
    content_type: str | None
    checked_at: dt.datetime
    redirects: list[str] | None = None
    headers: dict[str, str] | None = None
    note: str | None = None
    attempts: int = 1


@dataclass(frozen=True)
class LinkSource:
    page: str
    anchor: str
    tag: str


@dataclass(frozen=True)
class OutLink:
    target: str
    anchor: str
    tag: str


@dataclass(frozen=True)
class PreviousViolation:
    key: str
    rule: str
    site: str
    url: str
    page: str | None
    column: str | None
    status: str
    detail: dict[str, Any]


@dataclass
class RunView:
    session: Session
    run_id: int
    as_of: dt.date
    site_names: tuple[str, ...]
    # per-column settings from the sites file: (site, column url) -> {"needs_metadata": bool,
    # "schedule": "monthly", "due_days": 15, ...}; only the keys the sites file sets
    column_settings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # per-site settings from the sites file: site name -> {"kind": "government", "url": ...}
    site_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the sites file's `calendar`: {"holidays": [date, ...], "workdays": [date, ...]}
    calendar: dict[str, list[dt.date]] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"

    def sites(self) -> list[SiteView]:
        rows = self.session.execute(
            select(m.Site, m.SiteVisit).join(m.SiteVisit, m.SiteVisit.site_id == m.Site.id)
            .where(m.SiteVisit.run_id == self.run_id).order_by(m.Site.name)
        )
        run = self.session.get(m.Run, self.run_id)
        degraded = set((run.stats or {}).get("degraded", [])) if run else set()
        return [SiteView(s.name, s.url, v.reached, v.completed, v.pages, v.links, v.home_status, v.home_error,
                         s.name in degraded, s.kind) for s, v in rows]

    def portals(self) -> list[SiteView]:
        return [s for s in self.sites() if s.kind == "portal"]

    def accounts(self) -> list[SiteView]:
        return [s for s in self.sites() if s.kind == "account"]

    def site(self, name: str) -> SiteView | None:
        return next((s for s in self.sites() if s.name == name), None)

    def columns(self, site: str | None = None) -> list[ColumnView]:
        q = (select(m.Column, m.Site.name).join(m.Site, m.Site.id == m.Column.site_id)
             .where(m.Column.run_id == self.run_id).order_by(m.Site.name, m.Column.id))
        if site:
            q = q.where(m.Site.name == site)
        return [ColumnView(name, c.name, c.url, c.category, c.kind, c.newest_date, c.item_count, c.dated_items,
                           c.list_pages, c.source, c.owner, c.error) for c, name in self.session.execute(q)]

    def column_items(self, site: str | None = None, column_url: str | None = None) -> Iterator[ColumnItemView]:
        q = (select(m.ColumnItem, m.Column, m.Site.name).join(m.Column, m.Column.id == m.ColumnItem.column_id)
             .join(m.Site, m.Site.id == m.Column.site_id).where(m.Column.run_id == self.run_id)
             .order_by(m.ColumnItem.id))
        if site:
            q = q.where(m.Site.name == site)
        if column_url:
            q = q.where(m.Column.url == column_url)
        for i, c, name in self.session.execute(q.execution_options(yield_per=1000)):
            yield ColumnItemView(name, c.name, c.url, c.category, i.url, i.title, i.date, i.state, i.answered_on)

    def identity(self, site: str) -> dict[str, Any] | None:
        """What the home page showed of the site's identity (None: the home page was not read)."""
        return self.session.scalar(
            select(m.SiteVisit.identity).join(m.Site, m.Site.id == m.SiteVisit.site_id)
            .where(m.SiteVisit.run_id == self.run_id, m.Site.name == site))

    def probes(self, site: str, since: dt.datetime, until: dt.datetime) -> list[ProbeView]:
        """The availability probes of ``site`` with since <= at < until (UTC), oldest first."""
        q = (select(m.Probe).join(m.Site, m.Site.id == m.Probe.site_id)
             .where(m.Site.name == site, m.Probe.at >= since, m.Probe.at < until).order_by(m.Probe.at))
        return [ProbeView(site, p.at, p.ok, p.status, p.error, p.seconds) for p in self.session.scalars(q)]

    def links_on(self, page_url: str) -> list[OutLink]:
        """The links one page carries, in page order."""
        q = (select(m.Link.target, m.Link.anchor, m.Link.tag)
             .where(m.Link.run_id == self.run_id, m.Link.page_url == page_url).order_by(m.Link.id))
        return [OutLink(target, anchor or "", tag) for target, anchor, tag in self.session.execute(q)]

    def _page_columns(self) -> dict[str, tuple[str, str]]:
        """Article url -> (column name, category), from the columns' list rows."""
        if not hasattr(self, "_cols_cache"):
            q = (select(m.ColumnItem.url, m.Column.name, m.Column.category)
                 .join(m.Column, m.Column.id == m.ColumnItem.column_id).where(m.Column.run_id == self.run_id))
            self._cols_cache = {}
            for url, name, category in self.session.execute(q):
                self._cols_cache.setdefault(url, (name, category))
        return self._cols_cache

    def pages(self, site: str | None = None, kinds: tuple[str, ...] | None = None) -> Iterator[PageView]:
        q = (select(m.Page, m.Site.name).join(m.Site, m.Site.id == m.Page.site_id)
             .where(m.Page.run_id == self.run_id).order_by(m.Page.id))
        if site:
            q = q.where(m.Site.name == site)
        if kinds:
            q = q.where(m.Page.kind.in_(kinds))
        columns = self._page_columns()
        for p, name in self.session.execute(q.execution_options(yield_per=500)):
            column, category = columns.get(p.url, (None, None))
            yield _page(p, name, column, category)

    def page(self, url: str) -> PageView | None:
        row = self.session.execute(
            select(m.Page, m.Site.name).join(m.Site, m.Site.id == m.Page.site_id)
            .where(m.Page.run_id == self.run_id, m.Page.url == url)
        ).first()
        if row is None:
            return None
        p, name = row
        column, category = self._page_columns().get(p.url, (None, None))
        return _page(p, name, column, category)

    def link_checks(self, verdicts: tuple[str, ...] | None = None) -> Iterator[LinkCheckView]:
        q = select(m.LinkCheck).where(m.LinkCheck.run_id == self.run_id).order_by(m.LinkCheck.id)
        if verdicts:
            q = q.where(m.LinkCheck.verdict.in_(verdicts))
        for c in self.session.scalars(q.execution_options(yield_per=1000)):
            yield _link_check(c)

    def link_check(self, url: str) -> LinkCheckView | None:
        c = self.session.scalar(select(m.LinkCheck).where(m.LinkCheck.run_id == self.run_id, m.LinkCheck.url == url))
        return _link_check(c) if c else None

    def link_sources(self, target: str) -> dict[str, list[LinkSource]]:
        """Every page (by site) on which ``target`` appears, with its anchor text."""
        q = (select(m.Site.name, m.Link.page_url, m.Link.anchor, m.Link.tag).join(m.Site, m.Site.id == m.Link.site_id)
             .where(m.Link.run_id == self.run_id, m.Link.target == target).order_by(m.Link.id))
        out: dict[str, list[LinkSource]] = {}
        for site, page, anchor, tag in self.session.execute(q):
            out.setdefault(site, []).append(LinkSource(page, anchor or "", tag))
        return out

    def previous(self, rule: str) -> list[PreviousViolation]:
        """Violations of ``rule`` on this run's sites, as they stood before this run's checks."""
        q = select(m.Violation).where(m.Violation.rule == rule, m.Violation.site.in_(self.site_names))
        return [PreviousViolation(v.key, v.rule, v.site, v.url, v.page, v.column, v.status, dict(v.detail))
                for v in self.session.scalars(q)]


def _page(p: m.Page, site: str, column: str | None, category: str | None) -> PageView:
    return PageView(site, p.url, p.status, p.kind, p.title, p.published, p.metadata_ or {}, p.text or "",
                    column, category, p.meta or {})


def _link_check(c: m.LinkCheck) -> LinkCheckView:
    return LinkCheckView(c.url, c.verdict, c.status, c.error, c.final_url, c.content_type, c.checked_at,
                         c.redirects, c.headers, c.note, c.attempts)
