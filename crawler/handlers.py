"""HTTP download handlers whose connection pool keeps as many connections alive per host as
the busiest download slot may use.

Scrapy sizes the pool by ``CONCURRENT_REQUESTS_PER_DOMAIN``, which in one engine per run is the
concurrency of hosts no site claims. A site allowed more (``crawl.concurrency: 32``) would then
open and close a TCP connection for every download beyond the pool: measured on the 20,000-page
benchmark portal, 12% of the crawl's CPU went to connecting.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler


class _KeepAlive:
    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)  # type: ignore[call-arg]
        pool = self._pool  # type: ignore[attr-defined]
        pool.maxPersistentPerHost = max(
            pool.maxPersistentPerHost, crawler.settings.getint("GOVWATCH_KEEP_ALIVE_PER_HOST")
        )


class HTTPHandler(_KeepAlive, HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler."""


class BrowserHandler(_KeepAlive, ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler (requests marked ``playwright``; the others go through its
    parent, Scrapy's HTTP/1.1 handler, and its pool)."""
