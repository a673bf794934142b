"""The night spider: every site and account of a run in one Scrapy engine.

One engine means one scheduler and one downloader for the whole run: politeness holds per
host (Scrapy's download slots; `concurrency`/`delay` of the sites on a host, crawler.settings),
whichever sites share it, a URL linked by several sites is checked once, and a slow host does
not hold the others up (the downloader-aware queue serves the least busy hosts first). Each
site keeps its own state in a PortalCrawl (or AccountCrawl); requests carry its name in
``meta["gw_site"]``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import StopDownload

from crawler.parsing import PageReader, worker_count
from crawler.revisit import Memory
from crawler.spiders.account import AccountCrawl
from crawler.spiders.portal import SNIFF_BYTES, PortalCrawl
from crawler.state import LocalRun, RedisRun


class NightSpider(scrapy.Spider):
    name = "night"

    def __init__(self, targets: list[dict[str, Any]] = (), memory: Memory | None = None, browser: bool = False,
                 shared: LocalRun | RedisRun | None = None, started: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.browser = browser
        self.memory = memory or Memory({}, dt.date.today())
        # what the crawl remembers (requested URLs, counters, URLs checked once per run): in this
        # process, or in Redis when workers share the run (crawler.state, crawler.cluster)
        self.shared = shared or LocalRun()
        self.seeds = started is None  # a worker takes a run the coordinator seeded
        self.started = started or time.time()  # the sites' time budgets count from here (wall clock: workers share it)
        self.reader = PageReader(0)  # from_crawler gives it worker processes (GOVWATCH_PARSE_WORKERS)
        self.crawls: dict[str, PortalCrawl] = {}
        for spec in targets:
            crawl = AccountCrawl(self, spec["account"]) if "account" in spec else PortalCrawl(self, spec["site"])
            self.crawls[crawl.name] = crawl

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, browser=crawler.settings.getbool("GOVWATCH_BROWSER"),
                                      **kwargs)
        crawler.signals.connect(spider._bytes_received, signal=signals.bytes_received)
        spider.reader = PageReader(worker_count(crawler.settings.get("GOVWATCH_PARSE_WORKERS")))
        crawler.signals.connect(spider.reader.close, signal=signals.spider_closed)
        return spider

    async def start(self):
        if not self.seeds:
            return
        self.started = time.time()
        for crawl in self.crawls.values():
            for request in crawl.start_requests():
                yield request

    def coverage(self) -> dict[str, dict[str, Any]]:
        return {name: crawl.coverage.as_dict() for name, crawl in self.crawls.items()}

    def out_of_time(self, site: str | None) -> bool:
        crawl = self.crawls.get(site) if site else None
        return crawl is not None and crawl.out_of_time()

    def _bytes_received(self, data: bytes, request: scrapy.Request, spider) -> None:
        if request.meta.get("gw_sniff"):
            request.meta["gw_received"] = request.meta.get("gw_received", 0) + len(data)
            if request.meta["gw_received"] >= SNIFF_BYTES:
                raise StopDownload(fail=False)


