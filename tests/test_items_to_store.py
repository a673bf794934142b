"""ItemsToStore: the items a callback yields go straight to the store pipeline (past Scrapy's
item machinery); requests go on down the spider-output chain; without a store, nothing changes."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from scrapy import Request

from crawler.items import CheckItem
from crawler.pipelines import ItemsToStore, StorePipeline


class _Store(StorePipeline):
    def __init__(self) -> None:  # no database: only what reaches it is kept
        self.items: list = []

    def process_item(self, item):
        self.items.append(item)
        return item


def _crawler(*pipelines) -> SimpleNamespace:
    return SimpleNamespace(engine=SimpleNamespace(scraper=SimpleNamespace(itemproc=SimpleNamespace(middlewares=list(pipelines)))))


def _output():
    return [Request("http://x.gov.cn/a.html"), CheckItem("http://x.gov.cn/b.pdf", "ok", 200),
            Request("http://x.gov.cn/c.html"), CheckItem("http://x.gov.cn/d.html", "dead", 404)]


def test_items_reach_the_store_and_only_requests_go_on():
    store = _Store()
    out = _output()
    passed = list(ItemsToStore(_crawler(object(), store)).process_spider_output(None, iter(out)))
    assert passed == [out[0], out[2]]
    assert store.items == [out[1], out[3]]


def test_the_async_chain_does_the_same():
    store = _Store()
    out = _output()

    async def result():
        for x in out:
            yield x

    async def run():
        return [x async for x in ItemsToStore(_crawler(store)).process_spider_output_async(None, result())]

    assert asyncio.run(run()) == [out[0], out[2]]
    assert store.items == [out[1], out[3]]


def test_without_a_store_pipeline_items_go_on():
    out = _output()
    assert list(ItemsToStore(_crawler(object())).process_spider_output(None, iter(out))) == out
    assert list(ItemsToStore(SimpleNamespace(engine=None)).process_spider_output(None, iter(out))) == out
