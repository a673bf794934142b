"""A one-line progress display (pages, links, problems) on a terminal."""

from __future__ import annotations

import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    def __init__(self, stats, label: str, interval: float = 1.0, stream=sys.stderr) -> None:
        self.stats = stats
        self.label = label
        self.interval = interval
        self.stream = stream
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("GOVWATCH_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler.stats, "night")  # one engine for all the run's sites
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        get = self.stats.get_value
        return (f"{self.label}: {get('govwatch/pages', 0)} pages, {get('govwatch/checks', 0)} links checked, "
                f"{get('govwatch/problems', 0)} problems")

    def show(self) -> None:
        self.stream.write("\r\033[K" + self.line())
        self.stream.flush()

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval)

    def closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.show()
        self.stream.write("\n")
