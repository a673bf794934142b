"""Page analysis in worker processes, beside the engine.

The engine (downloads, scheduling, storage) is one Python thread; reading a page (decoding,
lxml, metadata, dates, links) is the largest single cost of a crawl. Articles and checked pages
are analysed in a pool of spawned processes while the engine goes on downloading, so a
machine's second core works too. Home and list pages, few and needed in order, stay in the
engine's process. ``workers=0`` analyses everything in-process (one core, or debugging).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from crawler.extract.columns import NavEntry, breadcrumb_columns
from crawler.extract.page import PageFacts, analyse


def default_workers() -> int:
    """One process per core beside the engine's, at most 4 (the engine feeds about that many)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


def worker_count(configured: int | str | None) -> int:
    """The processes for a run: the sites file's ``crawl.parse_workers`` (govwatch.config, the one
    source of the default), where unset (None) one per core beside the engine's."""
    return default_workers() if configured is None else int(configured)


def read_page(body: bytes, url: str, encoding: str | None, crumbs: bool) -> tuple[PageFacts, list[NavEntry]]:
    """A page's facts without the parsed tree (it does not cross processes), and, for an
    article when asked, its breadcrumb's column path."""
    facts = analyse(body, url, encoding=encoding)
    path = breadcrumb_columns(facts.doc, url) if crumbs and facts.kind == "article" else []
    facts.doc = None
    return facts, path


def _quiet_worker() -> None:
    # Ctrl-C reaches the whole process group: the engine stops the run, workers just go away
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class PageReader:
    def __init__(self, workers: int) -> None:
        self.pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # spawn, not fork: the engine's process has threads (browser driver, store) by now
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_quiet_worker)

    async def read(self, body: bytes, url: str, encoding: str | None, crumbs: bool = False) -> Any:
        if self.pool is None:
            return read_page(body, url, encoding, crumbs)
        return await asyncio.get_running_loop().run_in_executor(self.pool, read_page, body, url, encoding, crumbs)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
