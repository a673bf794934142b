"""A page whose analysis raises costs one log line and makes its site's night incomplete."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.middlewares import PageErrorMiddleware
from crawler.spiders.night import NightSpider


def test_an_analysis_error_is_one_line_and_an_incomplete_night(caplog):
    spider = NightSpider(targets=[{"site": {"name": "县", "url": "http://x.gov.cn/", "crawl": {}}}])
    crawler = SimpleNamespace(spider=spider, stats=None, settings=Settings())
    crawler.stats = MemoryStatsCollector(crawler)
    request = Request("http://x.gov.cn/a.html", meta={"gw_site": "县"})
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    with caplog.at_level(logging.ERROR):
        out = PageErrorMiddleware(crawler).process_spider_exception(response, ValueError("Port out of range"))
    assert list(out) == []
    cover = spider.coverage()["县"]
    assert cover["failed"] == 1 and not cover["complete"] and cover["limits"] == {"page_error": 1}
    (record,) = caplog.records
    assert "县: could not analyse http://x.gov.cn/a.html: ValueError: Port out of range" in record.getMessage()
