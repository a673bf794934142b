"""Items -> store, in batches as the crawl goes, so memory stays flat on large sites.

One pipeline serves the run's one engine (all sites). Besides the night's own rows it keeps the
URL memory of incremental nights (govwatch.store.models.UrlMemory) in the same transactions, and
when the crawl ends it copies the facts carried over from earlier nights into this run, so the
checks see every site whole (DESIGN: "facts carried over with the date they were read").
"""

from __future__ import annotations

import logging
import pickle
import time
from collections import defaultdict
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from crawler.items import CarryItem, CheckItem, ColumnItem, ListPageItem, PageItem, SiteIdentityItem, SiteVisitItem
from crawler.writer import WriteFailed, describe, open_writer
from govwatch.store import memory as carry
from govwatch.store import models as m
from govwatch.store.db import Store, shared_store

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, store: Store, run_id: int, batch_size: int = 500, flush_seconds: float = 2.0) -> None:
        self.store = store
        self.run_id = run_id
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.pending = 0
        self.last_flush = time.monotonic()
        self.as_of = None
        self.site_ids: dict[str, int] = {}
        self.column_ids: dict[tuple[str, str], int] = {}  # (site, column url) -> id
        self.list_pages: dict[int, int] = defaultdict(int)
        self.checked: set[str] = set()  # a redirect target or retried GET can come twice
        self.stats = None
        self.reached: dict[str, bool] = {}  # the home page answered: without it nothing was re-checked
        self.carried_pages: dict[str, CarryItem] = {}
        self.carried_checks: dict[str, int] = {}
        self.crawler = None
        self.write_errors = 0  # a run with lost writes is failed, never checked (govwatch.jobs)
        self.writer = open_writer(store, self._written)
        # A worker of a shared run (crawler.cluster): leases acknowledged once their results are
        # written, carried facts handed to Redis, a failed write told to the coordinator.
        self.shared = None  # the run's Redis client
        self.prefix = ""
        self.on_written = None  # leases -> None, called in a thread of the writer once their batch is committed
        self.acks: list[str] = []
        self.again: set[str] = set()  # pages a gone worker had stored: not stored twice

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("GOVWATCH_DATABASE")
        run_id = crawler.settings.getint("GOVWATCH_RUN_ID")
        if not url or not run_id:
            raise NotConfigured("GOVWATCH_DATABASE and GOVWATCH_RUN_ID are set by `govwatch crawl`")
        pipeline = cls(shared_store(url), run_id, crawler.settings.getint("GOVWATCH_BATCH_SIZE", 500))
        pipeline.stats = crawler.stats
        pipeline.crawler = crawler
        if crawler.settings.get("GOVWATCH_QUEUE"):
            from crawler.cluster import connect, run_prefix

            pipeline.shared = connect(crawler.settings.get("GOVWATCH_QUEUE"))
            pipeline.prefix = run_prefix(crawler.settings.get("GOVWATCH_NAMESPACE"), run_id)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def _site_id(self, name: str) -> int:
        if name not in self.site_ids:
            with self.store.session() as s:
                self.site_ids[name] = s.scalar(select(m.Site.id).where(m.Site.name == name))
        return self.site_ids[name]

    def _run_as_of(self):
        if self.as_of is None:
            with self.store.session() as s:
                self.as_of = s.scalar(select(m.Run.as_of).where(m.Run.id == self.run_id))
        return self.as_of

    def process_item(self, item: Any) -> Any:
        if self.write_errors:
            return item  # the run has failed already: the crawl is closing
        try:
            self._store(item)
        except (SQLAlchemyError, OSError, WriteFailed) as exc:
            self._failed(exc)
        return item

    def _failed(self, exc: BaseException, closing: bool = False) -> None:
        """A write the store refused (disk full, database gone): the run's results are
        incomplete, so the crawl stops and the run fails (govwatch.jobs.crawl)."""
        self.write_errors += 1
        self.rows.clear()
        self.pending = 0
        what = describe(exc)
        if self.stats is not None:
            self.stats.inc_value("govwatch/write_errors")
            self.stats.set_value("govwatch/write_error", what)
        if self.shared is not None:  # the coordinator fails the run
            try:
                self.shared.set(self.prefix + "failed", what)
            except Exception:  # noqa: BLE001 - Redis may be what failed
                log.exception("could not tell the coordinator that a write failed")
        log.error("could not write to the database: %s", what)
        if not closing and self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="store_failed"))

    def _store(self, item: Any) -> None:
        if isinstance(item, CheckItem):
            if item.url in self.checked:
                return
            self.checked.add(item.url)
            self._add(m.LinkCheck, run_id=self.run_id, url=item.url, verdict=item.verdict, status=item.status,
                      error=item.error, final_url=item.final_url, content_type=item.content_type,
                      redirects=item.redirects, headers=item.headers, note=item.note, attempts=item.attempts)
            if item.site:
                self._add(carry.CHECKED, url=item.url, site_id=self._site_id(item.site), check_run_id=self.run_id,
                          checked_on=self._run_as_of(), verdict=item.verdict)
            self._count("checks")
            if item.verdict not in ("ok", "redirected", "skipped"):
                self._count("problems")
        elif isinstance(item, PageItem):
            if item.again and self._stored(item.url):
                return
            site_id = self._site_id(item.site)
            self._add(m.Page, run_id=self.run_id, site_id=site_id, url=item.url, status=item.status, kind=item.kind,
                      title=item.title, published=item.published, published_source=item.published_source,
                      text=item.text, metadata_=item.metadata, meta=item.meta, hidden=item.hidden)
            for link in item.links:
                self._add(m.Link, run_id=self.run_id, site_id=site_id, page_url=item.url, target=link.url,
                          anchor=link.anchor, tag=link.tag)
            self._add(carry.READ, url=item.url, site_id=site_id, read_run_id=self.run_id, read_on=self._run_as_of(),
                      etag=item.etag, last_modified=item.last_modified, content_hash=item.content_hash)
            self._count("pages")
        elif isinstance(item, CarryItem):
            if item.what == "page":
                self.carried_pages.setdefault(item.url, item)
                if item.revalidated:
                    self._add(carry.REVALIDATED, url=item.url, site_id=self._site_id(item.site),
                              read_on=self._run_as_of())
            else:
                self.carried_checks.setdefault(item.url, item.from_run)
        elif isinstance(item, ListPageItem):
            self._list_page(item)
        elif isinstance(item, ColumnItem):
            self._sync()  # column ids are needed by the rows that follow
            with self.store.session() as s, s.begin():
                row = m.Column(run_id=self.run_id, site_id=self._site_id(item.site), name=item.name, url=item.url,
                               category=item.category, source=item.source, owner=item.owner, kind="unread")
                s.add(row)
                s.flush()
                self.column_ids[item.site, item.url] = row.id
        elif isinstance(item, SiteIdentityItem):
            self._sync()
            site_id = self._site_id(item.site)
            with self.store.session() as s, s.begin():
                s.execute(update(m.SiteVisit).where(m.SiteVisit.run_id == self.run_id, m.SiteVisit.site_id == site_id)
                          .values(identity=item.identity))
        elif isinstance(item, SiteVisitItem):
            self.reached[item.site] = item.reached
            self._sync()
            site_id = self._site_id(item.site)
            with self.store.session() as s, s.begin():
                s.execute(update(m.SiteVisit).where(m.SiteVisit.run_id == self.run_id,
                                                     m.SiteVisit.site_id == site_id)
                          .values(home_status=item.home_status, home_error=item.home_error, reached=item.reached))
        if isinstance(item, PageItem) and item.kind == "list":
            return  # its list rows come next: in the same batch, so a list page is stored whole or not
        if self.pending >= self.batch_size or time.monotonic() - self.last_flush > self.flush_seconds:
            self._flush()

    def _list_page(self, item: ListPageItem) -> None:
        column_id = self._column_id(item.site, item.column_url)
        if item.again and item.page_url in self.again:
            return
        self.list_pages[column_id] += 1
        for row in item.items:
            self._add(m.ColumnItem, column_id=column_id, url=row.url, title=row.title[:1000], date=row.date,
                      state=row.state, answered_on=row.answered_on)
        if item.first:
            self._sync()
            with self.store.session() as s, s.begin():
                s.execute(update(m.Column).where(m.Column.id == column_id).values(kind=item.kind, error=item.error))

    def _column_id(self, site: str, url: str) -> int:
        """The column's row: written by this process, or by another worker of the run."""
        if (site, url) not in self.column_ids:
            self._sync()
            with self.store.session() as s:
                self.column_ids[site, url] = s.scalar(select(m.Column.id).where(
                    m.Column.run_id == self.run_id, m.Column.site_id == self._site_id(site), m.Column.url == url))
        return self.column_ids[site, url]

    def _stored(self, url: str) -> bool:
        """A page of a redelivered request already in the store (its worker went away after
        writing it): nothing of it is written again."""
        self._sync()
        with self.store.session() as s:
            found = s.scalar(select(m.Page.id).where(m.Page.run_id == self.run_id, m.Page.url == url).limit(1))
        if found is not None:
            self.again.add(url)
        return found is not None

    def acknowledge(self, lease: str) -> None:
        self.acks.append(lease)

    def flush_acks(self, force: bool = False) -> None:
        """Hand waiting acknowledgements to the writer (with the rows before them)."""
        if self.acks and not self.write_errors:
            self._flush(force=True)
            if force:
                self.writer.drain()

    def _add(self, model: Any, **row: Any) -> None:
        self.rows[model].append(row)
        self.pending += 1

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"govwatch/{key}")

    def _flush(self, force: bool = False) -> None:
        waiting = self.shared is not None and (self.acks or self.carried_pages or self.carried_checks or self.list_pages)
        if not self.pending and not (force and waiting):
            return
        rows, self.rows = self.rows, defaultdict(list)
        extra = None
        if self.shared is not None:
            extra = (self.acks, (self.carried_pages, self.carried_checks, self.list_pages))
            self.acks, self.carried_pages, self.carried_checks, self.list_pages = [], {}, {}, defaultdict(int)
        self.pending = 0
        self.last_flush = time.monotonic()
        self.writer.submit(rows, extra)

    def _sync(self) -> None:
        """Every row so far written: before a write that reads or updates them."""
        self._flush()
        self.writer.drain()

    def _written(self, extra) -> None:
        """A batch is committed (called in a thread of the writer): a worker of a shared run hands
        its carried facts to Redis and acknowledges the leases whose results the batch held."""
        if extra is None:
            return
        acks, carried = extra
        self._share(*carried)
        if acks and self.on_written is not None:
            self.on_written(acks)

    def _share(self, pages: dict[str, CarryItem], checks: dict[str, int], list_pages: dict[int, int]) -> None:
        """A worker's carried facts and list page counts, for the coordinator to apply when the
        night's crawl is over (finish)."""
        pipe = self.shared.pipeline(transaction=False)
        for url, item in pages.items():
            pipe.hsetnx(self.prefix + "carry_pages", url, pickle.dumps(item))
        for url, run in checks.items():
            pipe.hsetnx(self.prefix + "carry_checks", url, run)
        for column_id, n in list_pages.items():
            pipe.hincrby(self.prefix + "list_pages", column_id, n)
        pipe.execute()

    def spider_closed(self, spider, reason: str) -> None:
        if self.write_errors:
            return
        try:
            self._close(spider, reason)
        except (SQLAlchemyError, OSError, WriteFailed) as exc:
            self._failed(exc, closing=True)

    def _close(self, spider, reason: str) -> None:
        self._flush(force=True)
        self.writer.close()
        if self.shared is not None:  # the coordinator finishes the run (govwatch.cluster)
            return
        coverage = spider.coverage() if hasattr(spider, "coverage") else {}
        finish(self.store, self.run_id, coverage, self.carried_checks, list(self.carried_pages.values()),
               dict(self.list_pages), self.reached, reason)


class ItemsToStore:
    """A spider middleware, the innermost: hands each item a callback yields straight to the
    store pipeline, and only requests go on through Scrapy's spider-output chain and scraper.

    Every object a callback yields costs Scrapy an async generator step per spider middleware,
    a task and the item pipeline's machinery; a night yields about one item per URL
    (a verdict) plus one per page read. Without a store pipeline (a crawl with no database)
    items go on as usual."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.pipeline: StorePipeline | None | bool = None  # False: there is none

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _store(self) -> StorePipeline | None:
        if self.pipeline is None:
            managers = getattr(self.crawler.engine, "scraper", None)
            found = [p for p in getattr(getattr(managers, "itemproc", None), "middlewares", ())
                     if isinstance(p, StorePipeline)]
            self.pipeline = found[0] if found else False
        return self.pipeline or None

    async def process_spider_output_async(self, response, result, spider=None):
        store = self._store()
        async for out in result:
            if store is None or isinstance(out, Request):
                yield out
            else:
                store.process_item(out)

    def process_spider_output(self, response, result, spider=None):
        store = self._store()
        for out in result:
            if store is None or isinstance(out, Request):
                yield out
            else:
                store.process_item(out)


def finish(store: Store, run_id: int, coverage: dict[str, dict[str, Any]], carried_checks: dict[str, int],
           carried_pages: list[CarryItem], list_pages: dict[int, int], reached: dict[str, bool],
           reason: str) -> None:
    """After the night's crawl: the facts carried from earlier nights, the columns' aggregates,
    and each site's visit (complete or not, its coverage). One process calls it when its engine
    closes; a shared run's coordinator when the workers are done (govwatch.cluster)."""
    with store.session() as s, s.begin():
        # what earlier nights read and tonight did not: after tonight's own rows, which win
        carry.carry_checks(s, run_id, carried_checks)
        carry.carry_pages(s, run_id, carried_pages)
    with store.session() as s, s.begin():
        site_ids = dict(s.execute(select(m.Site.name, m.Site.id)).all())
        # Column aggregates from their list rows: newest dated item, number of items.
        for column_id in s.scalars(select(m.Column.id).where(m.Column.run_id == run_id)).all():
            newest, dated, count = s.execute(
                select(func.max(m.ColumnItem.date), func.count(m.ColumnItem.date),
                       func.count(func.distinct(m.ColumnItem.url)))
                .where(m.ColumnItem.column_id == column_id)
            ).one()
            s.execute(update(m.Column).where(m.Column.id == column_id)
                      .values(newest_date=newest, dated_items=dated, item_count=count,
                              list_pages=list_pages.get(column_id, 0)))
        pages = dict(s.execute(select(m.Page.site_id, func.count()).where(m.Page.run_id == run_id)
                               .group_by(m.Page.site_id)).all())
        links = dict(s.execute(select(m.Link.site_id, func.count()).where(m.Link.run_id == run_id)
                               .group_by(m.Link.site_id)).all())
        for name, cover in coverage.items():
            site_id = site_ids[name]
            # only a crawl that ran to its end counts as complete: an interrupted one, or a
            # site whose night budget ran out, leaves its problems as they were (DESIGN: a
            # bad night must not clear the list)
            completed = (reached.get(name, False) and reason == "finished" and not cover["left"]
                         and not cover.get("failed"))
            s.execute(update(m.SiteVisit).where(m.SiteVisit.run_id == run_id, m.SiteVisit.site_id == site_id)
                      .values(completed=completed, pages=pages.get(site_id, 0), links=links.get(site_id, 0),
                              coverage=cover))
