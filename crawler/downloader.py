"""Scrapy's downloader with per-host concurrency that holds when a host has no delay.

In Scrapy 2.19 a slot starts its queued downloads as tasks that count themselves as
transferring only once they run; with no download delay the loop that starts them sees free
transfer slots all along and starts the whole queue at once (measured: 8 requests in flight to
a host with `concurrency: 2`, tests/test_one_engine.py). Counting a download as it is started
keeps a host at its `concurrency`, which the sites share in one engine.
"""

from __future__ import annotations

from scrapy.core.downloader import Downloader


class PoliteDownloader(Downloader):
    def _wait_for_download(self, slot, request, queue_dfd):  # type: ignore[override]
        slot.transferring.add(request)  # at once, not when the task first runs
        return super()._wait_for_download(slot, request, queue_dfd)
