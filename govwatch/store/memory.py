"""The URL memory of incremental nights: what each URL showed when last read or checked,
and the carrying over of those facts into a new run (crawler.revisit decides what to carry)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from govwatch.store import models as m

# batch keys of the pipeline: a page read, a page found unchanged (304), a URL checked
READ, REVALIDATED, CHECKED = "memory:read", "memory:revalidated", "memory:checked"
_READ_COLUMNS = ("site_id", "read_run_id", "read_on", "etag", "last_modified", "content_hash")
_CHECK_COLUMNS = ("site_id", "check_run_id", "checked_on", "verdict")


@dataclass(frozen=True, slots=True)
class Seen:
    """What the store remembers of one URL."""

    read_run: int | None = None  # the run holding its page facts
    read_on: dt.date | None = None
    etag: str | None = None
    last_modified: str | None = None
    check_run: int | None = None  # the run holding its link verdict
    checked_on: dt.date | None = None
    verdict: str | None = None


def load(session: Session, site_ids: Iterable[int]) -> dict[str, Seen]:
    """Everything remembered of the URLs these sites met last."""
    q = (select(m.UrlMemory.url, m.UrlMemory.read_run_id, m.UrlMemory.read_on, m.UrlMemory.etag,
                m.UrlMemory.last_modified, m.UrlMemory.check_run_id, m.UrlMemory.checked_on, m.UrlMemory.verdict)
         .where(m.UrlMemory.site_id.in_(list(site_ids))))
    return {url: Seen(*rest) for url, *rest in session.execute(q.execution_options(yield_per=5000))}


def page_links(session: Session, run_id: int, url: str) -> list[str]:
    """The link targets a page carried when it was read in ``run_id``, in page order."""
    q = select(m.Link.target).where(m.Link.run_id == run_id, m.Link.page_url == url).order_by(m.Link.id)
    return list(session.scalars(q))


def remember(session: Session, kind: str, rows: list[dict[str, Any]]) -> None:
    """Upsert the URL memory: pages read (READ), found unchanged (REVALIDATED: the rotation
    starts again, the facts stay those of the run that read them), URLs checked (CHECKED)."""
    columns = {READ: _READ_COLUMNS, REVALIDATED: ("read_on",), CHECKED: _CHECK_COLUMNS}[kind]
    latest = {row["url"]: row for row in rows}  # one row per URL and statement (PostgreSQL)
    stmt = _dialect_insert(session)(m.UrlMemory.__table__)
    if hasattr(stmt, "on_conflict_do_update"):
        stmt = stmt.on_conflict_do_update(index_elements=["url"], set_={c: stmt.excluded[c] for c in columns})
    else:  # MySQL/MariaDB
        stmt = stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in columns})
    session.execute(stmt, list(latest.values()))


def insert_ignore(session: Session, table: Table):
    """INSERT that skips rows whose unique key is already there."""
    stmt = _dialect_insert(session)(table)
    if hasattr(stmt, "on_conflict_do_nothing"):
        return stmt.on_conflict_do_nothing()
    return table.insert().prefix_with("IGNORE")


def _dialect_insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.mysql import insert
    return insert


# Copies of an earlier run's rows. A row read fresh tonight always wins: the copies are made
# after the crawl, and only where tonight has no row of its own.
_CARRY_LINKS = text("""
INSERT INTO links (run_id, site_id, page_url, target, anchor, tag)
SELECT :run, site_id, page_url, target, anchor, tag FROM links
WHERE run_id = :src AND page_url = :url
  AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.run_id = :run AND p.url = :url)
ORDER BY id""")
_CARRY_PAGE = """
INSERT INTO pages (run_id, site_id, url, status, kind, column_url, title, published, published_source, text,
                   metadata, meta, hidden, fetched_at, carried_from)
SELECT :run, site_id, url, status, kind, column_url, title, published, published_source, text,
       metadata, meta, hidden, {fetched_at}, :src FROM pages
WHERE run_id = :src AND url = :url
  AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.run_id = :run AND p.url = :url)"""
_CARRY_CHECK = text("""
INSERT INTO link_checks (run_id, url, verdict, status, error, final_url, content_type, checked_at, redirects,
                         headers, note, attempts, carried_from)
SELECT :run, url, verdict, status, error, final_url, content_type, checked_at, redirects,
       headers, note, attempts, :src FROM link_checks
WHERE run_id = :src AND url = :url
  AND NOT EXISTS (SELECT 1 FROM link_checks c WHERE c.run_id = :run AND c.url = :url)""")


def carry_pages(session: Session, run_id: int, items: list[Any]) -> None:
    """Copy carried pages (CarryItem) and their links into ``run_id``; a page the server
    revalidated tonight (304) is dated tonight, the others keep the date they were read."""
    now = m.utcnow()
    for revalidated, sql in ((False, _CARRY_PAGE.format(fetched_at="fetched_at")),
                             (True, _CARRY_PAGE.format(fetched_at=":now"))):
        params = [{"run": run_id, "src": i.from_run, "url": i.url, "now": now} for i in items
                  if i.revalidated == revalidated]
        if params:
            session.execute(_CARRY_LINKS, [{k: p[k] for k in ("run", "src", "url")} for p in params])
            session.execute(text(sql), params if revalidated else [{k: p[k] for k in ("run", "src", "url")}
                                                                   for p in params])


def carry_checks(session: Session, run_id: int, checks: dict[str, int]) -> None:
    """Copy good verdicts kept from earlier runs (url -> run) into ``run_id``."""
    if checks:
        session.execute(_CARRY_CHECK, [{"run": run_id, "src": src, "url": url} for url, src in checks.items()])


def known_columns(session: Session, site_id: int) -> list[dict[str, Any]]:
    """The columns a site's previous crawl found through articles' breadcrumbs."""
    last = session.scalar(select(m.Column.run_id).join(m.Run, m.Run.id == m.Column.run_id)
                          .where(m.Column.site_id == site_id, m.Run.status.in_(("crawled", "checked")))
                          .order_by(m.Column.run_id.desc()).limit(1))
    if last is None:
        return []
    q = (select(m.Column.name, m.Column.url, m.Column.category)
         .where(m.Column.run_id == last, m.Column.site_id == site_id, m.Column.source == "breadcrumb")
         .order_by(m.Column.id))
    return [{"name": n, "url": u, "category": c, "source": "breadcrumb"} for n, u, c in session.execute(q)]
