"""One account's crawl (a part of the night spider): one 政务新媒体 account's recent posts.

The source is a feed (RSS, Atom, JSON Feed — from a self-hosted RSSHub or a WeChat-to-RSS
service — or Weibo's container API) or a list of article pages. Each post is stored as a page
of kind ``post`` (title, time, text, links) under the account's name, and the links in posts
are checked exactly as the portal spider checks links: same verdicts, retries, robots.txt,
link cache. Nothing else is crawled: every host is foreign here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.extract.feeds import FeedError, Post, parse_feed, parse_wechat_article
from crawler.extract.links import PageLink
from crawler.items import PageItem, SiteVisitItem
from crawler.spiders.portal import PortalCrawl, _unless_left
from crawler.verdicts import verdict_for_failure, verdict_for_status


class AccountCrawl(PortalCrawl):
    """One account's share of the night spider."""

    def __init__(self, spider: Any, account: dict[str, Any]) -> None:
        super().__init__(spider, {"name": account["name"], "url": account["url"], "discover": False,
                                  "crawl": account.get("crawl") or {}})
        self.account = account
        self.hosts = set()  # links in posts are checked, never crawled
        self.state.release()  # no navigation to wait for
        self.local = ZoneInfo(account.get("timezone") or "Asia/Shanghai")  # the monitoring calendar

    def start_requests(self) -> Iterator[scrapy.Request]:
        if self.account.get("feed"):
            yield self.request(self.account["feed"], self.parse_source, self.source_failed, 100)
        for url in self.state.claim(list(self.account.get("pages", []))):
            yield self.request(url, self.parse_article, self.article_failed, 90)

    # -- the feed ------------------------------------------------------------------------------

    def parse_source(self, response: Response) -> Iterator[Any]:
        name = self.site["name"]
        if not 200 <= response.status < 300:
            yield SiteVisitItem(name, response.status, f"HTTP {response.status}", False)
            yield self._check(response.url, verdict_for_status(response.status, False), response.status)
            return
        try:
            account = parse_feed(response.body, response.url, dt.datetime.now(self.local))
        except FeedError as exc:  # a login wall, an error page: the source cannot be read
            yield SiteVisitItem(name, response.status, str(exc), False)
            return
        yield SiteVisitItem(name, response.status, None, True)
        for post in account.posts:
            yield from self._post(post, "feed")

    @_unless_left
    def source_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        yield SiteVisitItem(self.site["name"], None, error, False)
        yield self._check(failure.request.url, verdict, error=error)

    # -- article pages (accounts without a feed) ---------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not 200 <= response.status < 300:
            yield self._check(response.url, verdict_for_status(response.status, False), response.status)
            return
        try:
            (post,) = parse_wechat_article(response.body, response.url).posts
        except FeedError as exc:  # deleted or blocked by the platform: no post to judge
            self.logger.info("%s: %s", response.url, exc)
            return
        yield SiteVisitItem(self.site["name"], response.status, None, True)
        yield from self._post(post, "page")

    @_unless_left
    def article_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        yield self._check(failure.request.url, verdict, error=error)

    # -- posts ---------------------------------------------------------------------------------

    def _post(self, post: Post, source: str) -> Iterator[Any]:
        # a pinned (置顶) post keeps its place but not its date: it must not make an account look active
        self.coverage.add("read")
        day = post.published.astimezone(self.local).date() if post.published and not post.pinned else None
        yield PageItem(self.site["name"], post.url, 200, "post", post.title, day, f"{source}:post-time" if day else None,
                       post.text[: self.text_cap], None, [PageLink(url, anchor, "a") for url, anchor in post.links])
        yield from self._follow_all([url for url, _ in post.links])
