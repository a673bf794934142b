"""Downloader middlewares: the HTTP layer's politeness."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import time
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from crawler import settings as defaults  # the one place crawl settings have their defaults
from crawler.extract.links import is_private_host
from crawler.verdicts import PrivateAddress

log = logging.getLogger(__name__)


class OutOfTime(IgnoreRequest):
    """The request's site has used its night (`crawl.time_budget`): left for the next night."""


class SiteBudgetMiddleware:
    """Drops the queued requests of a site whose night budget ran out, so the other sites of
    the run go on; the spider counts them as left (coverage), never as failures."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if hasattr(spider, "out_of_time") and spider.out_of_time(request.meta.get("gw_site")):
            raise OutOfTime(f"{request.meta['gw_site']}: the night's time budget is used")


class PageErrorMiddleware:
    """A spider middleware: a page whose analysis raised costs one log line and makes its
    site's night incomplete (coverage ``failed``), so that nothing of that site is marked fixed
    on the strength of a page the run could not read. The other pages go on."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception):
        site = response.meta.get("gw_site")
        crawl = getattr(self.crawler.spider, "crawls", {}).get(site)
        if crawl is not None:
            crawl.coverage.add("failed")
            crawl.coverage.limit("page_error")
        self.crawler.stats.inc_value("govwatch/page_errors")
        log.error("%s: could not analyse %s: %s: %s", site, response.url, type(exception).__name__, exception,
                  exc_info=exception)
        return []


class PrivateAddressMiddleware:
    """Requests of a public site to a host that resolves only to loopback, private or
    link-local addresses are not sent (a `link-private-address` warning): redirects and host
    names included, which the spider's look at the URL cannot see. A site whose own host is on
    such a network (an intranet portal), or with `crawl.private_addresses`, is not held back."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.private: dict[str, bool] = {}  # host -> resolves only to non-public addresses

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        crawl = getattr(self.crawler.spider, "crawls", {}).get(request.meta.get("gw_site"))
        if crawl is None or crawl.private_ok:
            return None
        parts = urlsplit(request.url)
        if not await self._private(parts.hostname or ""):
            return None
        if parts.netloc in crawl.hosts:  # the site itself lives there: so may its links
            crawl.private_ok = True
            return None
        raise PrivateAddress(f"{parts.hostname} is a loopback, private or link-local address: not fetched")

    async def _private(self, host: str) -> bool:
        if host not in self.private:
            if is_private_host(host):
                self.private[host] = True
            else:
                try:
                    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
                except (OSError, UnicodeError):  # unresolvable: the download itself says so
                    infos = []
                self.private[host] = bool(infos) and all(is_private_host(info[4][0]) for info in infos)
        return self.private[host]


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class RetryAfterMiddleware:
    """Honours Retry-After on 429 and 503: waits as the server asks (up to a cap), then retries.

    It sits before Scrapy's RetryMiddleware in the response path, which would retry at once.
    A server asking for longer than the cap gets no retry from here: the URL is recorded as
    rate-limited (never dead), and the next night tries again.
    """

    def __init__(self, max_wait: float = 30.0, max_times: int = 2) -> None:
        self.max_wait = max_wait
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("GOVWATCH_RETRY_AFTER_ENABLED", True):
            raise NotConfigured
        return cls(crawler.settings.getfloat("GOVWATCH_RETRY_AFTER_MAX", defaults.GOVWATCH_RETRY_AFTER_MAX),
                   crawler.settings.getint("RETRY_TIMES", defaults.RETRY_TIMES))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1"))
        tries = request.meta.get("gw_retry_after", 0)
        if wait is None or wait > self.max_wait or tries >= self.max_times:
            return response
        log.info("%s asks to retry after %.0f s (%s)", request.url, wait, response.status)
        await asyncio.sleep(wait)
        retry = request.copy()
        retry.meta["gw_retry_after"] = tries + 1
        retry.dont_filter = True
        return retry


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts, resets, refused connections), spaced out: 0.5 s, 1 s, 2 s
    ... up to a cap, so a server's bad minute is not mistaken for a verdict."""

    def __init__(self, settings, base: float = 0.5, cap: float = 10.0) -> None:
        super().__init__(settings)
        self.base = base
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler):
        mw = cls(crawler.settings, crawler.settings.getfloat("GOVWATCH_RETRY_BACKOFF", defaults.GOVWATCH_RETRY_BACKOFF),
                 crawler.settings.getfloat("GOVWATCH_RETRY_BACKOFF_MAX", defaults.GOVWATCH_RETRY_BACKOFF_MAX))
        mw.crawler = crawler
        return mw

    async def process_response(self, request: Request, response: Response):  # type: ignore[override]
        return await self._spaced(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception):  # type: ignore[override]
        return await self._spaced(super().process_exception(request, exception))

    async def _spaced(self, result):
        if isinstance(result, Request) and self.base > 0:
            tries = result.meta.get("retry_times", 1)
            await asyncio.sleep(min(self.base * 2 ** (tries - 1), self.cap))
        return result
