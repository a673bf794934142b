"""The canary: a URL the monitor can always reach, fetched every so often during a crawl.

If it stops answering, the monitor's own network is failing, and every dead verdict of the
run is suspect: the crawl is marked degraded, and the link rules report nothing for it (and
fix nothing) rather than print false dead links in an audit.
"""

from __future__ import annotations

import logging

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

log = logging.getLogger(__name__)


class Canary:
    def __init__(self, crawler, url: str, interval: float) -> None:
        self.crawler = crawler
        self.url = url
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        url = crawler.settings.get("GOVWATCH_CANARY_URL")
        if not url:
            raise NotConfigured
        ext = cls(crawler, url, crawler.settings.getfloat("GOVWATCH_CANARY_INTERVAL", 30.0))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.probe)
        self.loop.start(self.interval, now=True)

    def closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()

    def probe(self) -> None:
        # straight to the downloader: not scheduled behind the crawl's own requests, and not
        # subject to robots.txt (it is the monitor's own choice of URL)
        request = Request(self.url, dont_filter=True, meta={"dont_retry": True, "handle_httpstatus_all": True,
                                                            "download_timeout": 15})
        d = self.crawler.engine.download(request)
        d.addCallbacks(self.answered, self.failed)

    def answered(self, response) -> None:
        if response.status >= 500:
            self.failed(f"HTTP {response.status}")

    def failed(self, failure) -> None:
        if not self.crawler.stats.get_value("govwatch/degraded"):
            log.warning("canary %s did not answer (%s): this crawl gives no dead verdicts",
                        self.url, getattr(failure, "value", failure))
        self.crawler.stats.set_value("govwatch/degraded", True)
