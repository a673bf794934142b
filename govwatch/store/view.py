"""The read-only view of one run that checks see (DESIGN.md: checks never fetch).

Rows come out as frozen dataclasses and large tables are iterated, not loaded, so a check
over a 20,000-page run stays small. New attributes may be added; none are ever removed, so
plugins keep working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from urllib.parse import urlsplit
from typing import Any, Callable, Hashable, Iterable, Iterator, Sequence

from sqlalchemy import Result, Select, func, null, select
from sqlalchemy.orm import Session

from govwatch.store import models as m

_IN_CHUNK = 500  # values per IN list: within the bound-parameter limit of any SQLite build
_SCAN_OVER = 4 * _IN_CHUNK  # links_from: more pages than this are found in one pass over the run's links


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


@dataclass(frozen=True)
class PageHead:
    """A page of the run without its text and metadata: enough to tell that (and how) the run
    read it, for re-checks that look up many pages one by one."""

    site: str
    url: str
    status: int
    kind: str
    published: dt.date | None
    column: str | None
    category: str | None


@dataclass
class RunView:
    """One run's results, read-only. The run does not change while it is checked, so what a
    check looks up item by item (a site, its identity, its columns, a page's head, a URL's
    verdict, a column's rows) comes from per-view caches built by one query on first use: a
    check or plugin calling them once per page or per violation stays linear. ``page(url)``
    and ``link_check(url)`` answer a miss from the cache and read a hit by its index, as do
    ``links_on`` and ``link_sources``. In loops over many pages or URLs, the bulk accessors
    (``links_from``, ``iter_links_from``, ``link_targets``, ``link_checks_with_sources``,
    ``column_lists``, ``newest_published``) replace one query per item."""

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
    # every rule's parameters in effect (rule id -> Params), for rules that build on other rules
    # (Check.params_in); empty: the defaults
    rule_params: dict[str, Any] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _cached(self, key: Any, build: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def _rows(self, q: Select, per_fetch: int = 5000) -> Result:
        """The plain rows of a query of columns, streamed through the session's connection:
        on a run's hundreds of thousands of links the ORM's handling of each row costs more
        than the query itself."""
        self.session.flush()  # as session.execute would (autoflush)
        return self.session.connection().execute(q.execution_options(yield_per=per_fetch))

    # -- sites ---------------------------------------------------------------------------

    def sites(self) -> list[SiteView]:
        """The run's sites and accounts, by name."""
        return list(self._cached("sites", self._read_sites))

    def _read_sites(self) -> list[SiteView]:
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
        return self._cached("site_by_name", lambda: {s.name: s for s in self.sites()}).get(name)

    def identity(self, site: str) -> dict[str, Any] | None:
        """What the home page showed of the site's identity (None: the home page was not read)."""
        identities = self._cached("identities", lambda: dict(self.session.execute(
            select(m.Site.name, m.SiteVisit.identity).join(m.Site, m.Site.id == m.SiteVisit.site_id)
            .where(m.SiteVisit.run_id == self.run_id)).all()))
        return identities.get(site)

    def _site_names(self) -> dict[int, str]:
        """Site id -> name, for rows read without a join."""
        return self._cached("site_names", lambda: dict(self.session.execute(select(m.Site.id, m.Site.name)).all()))

    def probes(self, site: str, since: dt.datetime, until: dt.datetime) -> list[ProbeView]:
        """The availability probes of ``site`` with since <= at < until (UTC), oldest first."""
        q = (select(m.Probe).join(m.Site, m.Site.id == m.Probe.site_id)
             .where(m.Site.name == site, m.Probe.at >= since, m.Probe.at < until).order_by(m.Probe.at))
        return [ProbeView(site, p.at, p.ok, p.status, p.error, p.seconds) for p in self.session.scalars(q)]

    # -- columns -------------------------------------------------------------------------

    def columns(self, site: str | None = None) -> list[ColumnView]:
        """The run's columns, by site name and then in the order they were found."""
        if not site:
            return list(self._cached("columns", self._read_columns))
        by_site = self._cached("columns_by_site", self._columns_by_site)
        return list(by_site.get(site, ()))

    def _read_columns(self) -> list[ColumnView]:
        q = (select(m.Column, m.Site.name).join(m.Site, m.Site.id == m.Column.site_id)
             .where(m.Column.run_id == self.run_id).order_by(m.Site.name, m.Column.id))
        return [ColumnView(name, c.name, c.url, c.category, c.kind, c.newest_date, c.item_count, c.dated_items,
                           c.list_pages, c.source, c.owner, c.error) for c, name in self.session.execute(q)]

    def _columns_by_site(self) -> dict[str, list[ColumnView]]:
        out: dict[str, list[ColumnView]] = {}
        for column in self.columns():
            out.setdefault(column.site, []).append(column)
        return out

    def column_items(self, site: str | None = None, column_url: str | None = None) -> Iterator[ColumnItemView]:
        """The rows of the run's column lists, in list order. One column's rows (``site`` and
        ``column_url`` given) are kept after the first call, so that re-checks asking per
        violation read each column once; everything else is streamed."""
        if site and column_url:
            rows = self._cached(("column_items", site, column_url),
                                lambda: list(self._stream_items(site, column_url)))
            return iter(rows)
        return self._stream_items(site, column_url)

    def _stream_items(self, site: str | None, column_url: str | None) -> Iterator[ColumnItemView]:
        q = (select(m.Site.name, m.Column.name, m.Column.url, m.Column.category, *_ITEM_COLUMNS)
             .join(m.Column, m.Column.id == m.ColumnItem.column_id).join(m.Site, m.Site.id == m.Column.site_id)
             .where(m.Column.run_id == self.run_id).order_by(m.ColumnItem.id))
        if site:
            q = q.where(m.Site.name == site)
        if column_url:
            q = q.where(m.Column.url == column_url)
        for row in self._rows(q, 1000):
            yield ColumnItemView(*row)

    def column_lists(self, categories: tuple[str, ...] | None = None
                     ) -> Iterator[tuple[ColumnView, list[ColumnItemView]]]:
        """Each column (of these categories) with its list rows, in ``columns()`` order, as
        ``column_items(site, url)`` gives them: one streamed query for all the columns, one
        column's rows in memory at a time."""
        columns = [c for c in self.columns() if not categories or c.category in categories]
        q = (select(m.Site.name, m.Column.url, *_ITEM_COLUMNS)
             .join(m.Column, m.Column.id == m.ColumnItem.column_id).join(m.Site, m.Site.id == m.Column.site_id)
             .where(m.Column.run_id == self.run_id).order_by(m.Site.name, m.Column.id, m.ColumnItem.id))
        if categories:
            q = q.where(m.Column.category.in_(categories))
        # the rows come grouped in the order of the columns: walk both together
        groups = groupby(self._rows(q, 1000), key=lambda r: (r[0], r[1]))
        pending = next(groups, None)
        for c in columns:
            items: list[ColumnItemView] = []
            if pending is not None and pending[0] == (c.site, c.url):
                items = [ColumnItemView(c.site, c.name, c.url, c.category, *row[2:]) for row in pending[1]]
                pending = next(groups, None)
            yield c, items

    # -- pages ---------------------------------------------------------------------------

    def _page_columns(self) -> dict[str, tuple[str, str]]:
        """Article url -> (column name, category), from the columns' list rows."""
        def build() -> dict[str, tuple[str, str]]:
            q = (select(m.ColumnItem.url, m.Column.name, m.Column.category)
                 .join(m.Column, m.Column.id == m.ColumnItem.column_id).where(m.Column.run_id == self.run_id))
            out: dict[str, tuple[str, str]] = {}
            for url, name, category in self._rows(q):
                out.setdefault(url, (name, category))
            return out

        return self._cached("page_columns", build)

    def pages(self, site: str | None = None, kinds: tuple[str, ...] | None = None,
              text: bool = True, meta: bool = True) -> Iterator[PageView]:
        """The run's pages, streamed in the order they were stored. ``text=False`` leaves each
        page's ``text`` empty and ``meta=False`` its ``meta``: a check that reads titles, dates
        and metadata only need not read (and decode) the largest columns of the run."""
        q = (select(*_PAGE_COLUMNS, m.Page.meta if meta else null(), m.Page.text if text else null(), m.Site.name)
             .join(m.Site, m.Site.id == m.Page.site_id).where(m.Page.run_id == self.run_id).order_by(m.Page.id))
        if site:
            q = q.where(m.Site.name == site)
        if kinds:
            q = q.where(m.Page.kind.in_(kinds))
        columns = self._page_columns()
        for *row, name in self._rows(q, 500):
            column, category = columns.get(row[0], (None, None))
            yield _page(row, name, column, category)

    def _heads(self) -> dict[str, tuple[int, int, int, str, dt.date | None]]:
        """Page url -> (id, site id, status, kind, published): every page of the run, no text."""
        return self._cached("heads", lambda: {
            row[0]: tuple(row[1:]) for row in self._rows(
                select(m.Page.url, m.Page.id, m.Page.site_id, m.Page.status, m.Page.kind, m.Page.published)
                .where(m.Page.run_id == self.run_id))})

    def page_head(self, url: str) -> PageHead | None:
        """The run's page at ``url`` without its text (None: not read in this run); no query
        after the first call."""
        head = self._heads().get(url)
        if head is None:
            return None
        _, site_id, status, kind, published = head
        column, category = self._page_columns().get(url, (None, None))
        return PageHead(self._site_names().get(site_id, ""), url, status, kind, published, column, category)

    def page(self, url: str) -> PageView | None:
        """The run's page at ``url`` with its text (None, without a query, when the run did not
        read it). For many pages, ``page_head`` or ``pages()`` costs no query per page."""
        head = self._heads().get(url)
        if head is None:
            return None
        row = self.session.execute(select(*_PAGE_COLUMNS, m.Page.meta, m.Page.text).where(m.Page.id == head[0])).one()
        column, category = self._page_columns().get(url, (None, None))
        return _page(row, self._site_names().get(head[1], ""), column, category)

    def hidden_links(self, site: str | None = None) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
        """(site, page url, [{target, anchor, how}]) for each page that hides outbound links
        from its readers (display:none, off-screen, zero-size font, a tiny iframe ...)."""
        q = select(m.Page.site_id, m.Page.url, m.Page.hidden).where(m.Page.run_id == self.run_id).order_by(m.Page.id)
        names = self._site_names()
        for site_id, url, hidden in self._rows(q):
            if hidden and (site is None or names.get(site_id) == site):
                yield names.get(site_id, ""), url, hidden

    def earlier_link_hosts(self, site: str, days: int) -> set[str] | None:
        """The hosts the site's pages linked in the runs of the ``days`` before this run's
        as-of date; None when no such run reached the site."""
        since = self.as_of - dt.timedelta(days=days)
        runs = list(self.session.scalars(
            select(m.Run.id).join(m.SiteVisit, m.SiteVisit.run_id == m.Run.id).join(m.Site, m.Site.id == m.SiteVisit.site_id)
            .where(m.Site.name == site, m.Run.id != self.run_id, m.Run.as_of >= since, m.Run.as_of < self.as_of,
                   m.SiteVisit.reached.is_(True))))
        if not runs:
            return None
        q = select(m.Link.target).join(m.Site, m.Site.id == m.Link.site_id).where(
            m.Link.run_id.in_(runs), m.Site.name == site).distinct()
        return {(urlsplit(t).hostname or "").lower() for (t,) in self._rows(q)}

    # -- links ---------------------------------------------------------------------------

    def links_on(self, page_url: str) -> list[OutLink]:
        """The links one page carries, in page order (one indexed query: for many pages,
        ``links_from``)."""
        q = (select(m.Link.target, m.Link.anchor, m.Link.tag)
             .where(m.Link.run_id == self.run_id, m.Link.page_url == page_url).order_by(m.Link.id))
        return [OutLink(target, anchor or "", tag) for target, anchor, tag in self.session.execute(q)]

    def links_from(self, page_urls: Iterable[str]) -> dict[str, list[OutLink]]:
        """The links each of these pages carries, in page order, by page url (pages without
        links are left out). For many pages, ``iter_links_from`` or ``link_targets`` keep
        fewer in memory."""
        out: dict[str, list[OutLink]] = {}
        for page, link in self.iter_links_from(page_urls):
            out.setdefault(page, []).append(link)
        return out

    def iter_links_from(self, page_urls: Iterable[str]) -> Iterator[tuple[str, OutLink]]:
        """(page url, link) for the links these pages carry, streamed page by page, each page's
        in page order."""
        rows = self._links_of(page_urls, (m.Link.page_url, m.Link.target, m.Link.anchor, m.Link.tag),
                              (m.Link.page_url, m.Link.id))
        for page, target, anchor, tag in rows:
            yield page, OutLink(target, anchor or "", tag)

    def link_targets(self, page_urls: Iterable[str]) -> Iterator[tuple[str, str]]:
        """(page url, target) for every link these pages carry, streamed in no set order: the
        link graph without anchors, the cheapest way through the links of many pages."""
        for page, target in self._links_of(page_urls, (m.Link.page_url, m.Link.target), ()):
            yield page, target

    def _links_of(self, page_urls: Iterable[str], columns: tuple, order: tuple) -> Iterator[Any]:
        # a query per 500 pages; for more than a few thousand pages one pass over all the
        # run's links, which then costs less than the IN lists would
        wanted = sorted(set(page_urls))
        q = select(*columns).where(m.Link.run_id == self.run_id).order_by(*order)
        if len(wanted) > _SCAN_OVER:
            keep = set(wanted)
            for row in self._rows(q):
                if row[0] in keep:
                    yield row
            return
        for chunk in _chunks(wanted):
            yield from self._rows(q.where(m.Link.page_url.in_(chunk)))

    def link_checks(self, verdicts: tuple[str, ...] | None = None) -> Iterator[LinkCheckView]:
        q = select(*_CHECK_COLUMNS).where(m.LinkCheck.run_id == self.run_id).order_by(m.LinkCheck.id)
        if verdicts:
            q = q.where(m.LinkCheck.verdict.in_(verdicts))
        for c in self._rows(q, 1000):
            yield _link_check(c)

    def _verdicts(self) -> dict[str, str]:
        return self._cached("verdicts", lambda: dict(self._rows(
            select(m.LinkCheck.url, m.LinkCheck.verdict).where(m.LinkCheck.run_id == self.run_id)).all()))

    def link_verdict(self, url: str) -> str | None:
        """The run's verdict on ``url`` (None: not checked in this run); no query after the
        first call."""
        return self._verdicts().get(url)

    def link_check(self, url: str) -> LinkCheckView | None:
        """The run's check of ``url`` with its evidence (None, without a query, when the run did
        not check it). For a verdict alone, ``link_verdict`` costs no query."""
        if url not in self._verdicts():
            return None
        c = self.session.execute(select(*_CHECK_COLUMNS).where(m.LinkCheck.run_id == self.run_id,
                                                                m.LinkCheck.url == url)).first()
        return _link_check(c) if c else None

    def link_sources(self, target: str) -> dict[str, list[LinkSource]]:
        """Every page (by site) on which ``target`` appears, with its anchor text (one indexed
        query: for many targets, ``link_checks_with_sources``)."""
        q = (select(m.Site.name, m.Link.page_url, m.Link.anchor, m.Link.tag).join(m.Site, m.Site.id == m.Link.site_id)
             .where(m.Link.run_id == self.run_id, m.Link.target == target).order_by(m.Link.id))
        out: dict[str, list[LinkSource]] = {}
        for site, page, anchor, tag in self.session.execute(q):
            out.setdefault(site, []).append(LinkSource(page, anchor or "", tag))
        return out

    def link_checks_with_sources(self, verdicts: tuple[str, ...] | None = None
                                 ) -> Iterator[tuple[LinkCheckView, dict[str, list[LinkSource]]]]:
        """Each link check with these verdicts whose URL appears on a page of the run, with
        those pages as ``link_sources`` gives them, in ``link_checks`` order: two queries for
        all of them. Meant for the verdicts that are problems (all the sources are read at
        once)."""
        checks = list(self.link_checks(verdicts))
        if not checks:
            return
        urls = select(m.LinkCheck.url).where(m.LinkCheck.run_id == self.run_id)
        if verdicts:
            urls = urls.where(m.LinkCheck.verdict.in_(verdicts))
        q = (select(m.Link.target, m.Site.name, m.Link.page_url, m.Link.anchor, m.Link.tag)
             .join(m.Site, m.Site.id == m.Link.site_id)
             .where(m.Link.run_id == self.run_id, m.Link.target.in_(urls)).order_by(m.Link.id))
        sources: dict[str, dict[str, list[LinkSource]]] = {}
        for target, site, page, anchor, tag in self._rows(q):
            sources.setdefault(target, {}).setdefault(site, []).append(LinkSource(page, anchor or "", tag))
        for check in checks:
            if check.url in sources:
                yield check, sources[check.url]

    # -- shared results ------------------------------------------------------------------

    def shared(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per view under ``key`` and shared by every check that
        asks (two rules that need the same costly pairing or index build it once). Use a key
        no other check uses: a tuple starting with the module's name."""
        return self._cached(("shared", key), build)

    # -- violations ----------------------------------------------------------------------

    def previous(self, rule: str) -> list[PreviousViolation]:
        """Violations of ``rule`` on this run's sites, as they stood before this run's checks."""
        q = select(m.Violation).where(m.Violation.rule == rule, m.Violation.site.in_(self.site_names))
        return [PreviousViolation(v.key, v.rule, v.site, v.url, v.page, v.column, v.status, dict(v.detail))
                for v in self.session.scalars(q)]

    # -- accounts ------------------------------------------------------------------------

    def newest_published(self, kinds: tuple[str, ...]) -> dict[str, tuple[dt.date | None, int]]:
        """Per site: the newest ``published`` date of its pages of these kinds (None: none
        dated) and how many such pages it has; one grouped query."""
        def build() -> dict[str, tuple[dt.date | None, int]]:
            q = (select(m.Site.name, func.max(m.Page.published), func.count())
                 .join(m.Site, m.Site.id == m.Page.site_id)
                 .where(m.Page.run_id == self.run_id, m.Page.kind.in_(kinds)).group_by(m.Site.name))
            return {name: (newest, count) for name, newest, count in self.session.execute(q)}

        return self._cached(("newest_published", tuple(kinds)), build)


def _chunks(values: list[str], size: int = _IN_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# what a PageView is made of, in the order _page reads it (then meta and text, which
# pages() may leave out)
_PAGE_COLUMNS = (m.Page.url, m.Page.status, m.Page.kind, m.Page.title, m.Page.published, m.Page.metadata_)


def _page(row: Sequence[Any], site: str, column: str | None, category: str | None) -> PageView:
    url, status, kind, title, published, metadata, meta, text = row
    return PageView(site, url, status, kind, title, published, metadata or {}, text or "", column, category,
                    meta or {})


# the columns _link_check reads (by name), as plain rows rather than ORM objects
_CHECK_COLUMNS = (m.LinkCheck.url, m.LinkCheck.verdict, m.LinkCheck.status, m.LinkCheck.error, m.LinkCheck.final_url,
                  m.LinkCheck.content_type, m.LinkCheck.checked_at, m.LinkCheck.redirects, m.LinkCheck.headers,
                  m.LinkCheck.note, m.LinkCheck.attempts)
# a ColumnItemView's own fields, in its order
_ITEM_COLUMNS = (m.ColumnItem.url, m.ColumnItem.title, m.ColumnItem.date, m.ColumnItem.state,
                 m.ColumnItem.answered_on)


def _link_check(c: Any) -> LinkCheckView:
    return LinkCheckView(c.url, c.verdict, c.status, c.error, c.final_url, c.content_type, c.checked_at,
                         c.redirects, c.headers, c.note, c.attempts)
