"""What the spiders yield; the store pipeline writes them in batches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from crawler.extract.links import PageLink


@dataclass
class SiteVisitItem:
    site: str
    home_status: int | None
    home_error: str | None
    reached: bool


@dataclass
class SiteIdentityItem:
    """What the home page shows of the site's identity (crawler.extract.identity)."""

    site: str
    identity: dict[str, Any]


@dataclass
class ColumnItem:
    site: str
    name: str
    url: str
    category: str
    source: str  # config | nav
    owner: str | None = None


class ListRow(NamedTuple):
    """One row of a column's list: a 留言 row has its state and the day it was answered."""

    url: str
    title: str
    date: dt.date | None  # None for a pinned (置顶) row: its date must not make a column look fresh
    state: str | None = None
    answered_on: dt.date | None = None


@dataclass
class ListPageItem:
    """One list page of a column; ``first`` decides the column's kind."""

    site: str
    column_url: str
    page_url: str
    first: bool
    kind: str  # list | static | unread
    items: list[ListRow] = field(default_factory=list)
    error: str | None = None
    again: bool = False  # from a request redelivered after its worker went away (crawler.cluster)


@dataclass
class PageItem:
    site: str
    url: str
    status: int
    kind: str
    title: str | None
    published: dt.date | None
    published_source: str | None
    text: str | None
    metadata: dict[str, Any] | None
    links: list[PageLink] = field(default_factory=list)
    meta: dict[str, str] | None = None  # the standard government <meta> tags
    # validators and a hash of the body: the URL memory of incremental nights
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    hidden: list[dict[str, str]] | None = None  # outbound links hidden from readers
    again: bool = False  # from a request redelivered after its worker went away (crawler.cluster)


@dataclass
class CheckItem:
    """The verdict on one unique URL (DESIGN: each URL checked once per run)."""

    url: str
    verdict: str
    status: int | None = None
    error: str | None = None
    final_url: str | None = None
    content_type: str | None = None
    redirects: list[str] | None = None  # the chain, first hop first
    headers: dict[str, str] | None = None  # the response headers that matter as evidence
    note: str | None = None
    attempts: int = 1
    site: str | None = None  # the site whose crawl checked it (the URL memory's owner)


@dataclass
class CarryItem:
    """Facts of an earlier night kept for this run instead of fetching again (incremental nights).

    ``page``: the page's row and its links, copied from ``from_run`` (``revalidated``: the server
    answered 304 tonight, so the facts are dated tonight); ``check``: the URL's good verdict."""

    site: str
    url: str
    what: str  # page | check
    from_run: int
    revalidated: bool = False
