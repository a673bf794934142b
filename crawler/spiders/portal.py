"""One portal's crawl: home page -> columns -> every list page -> every article.

All sites of a run share one Scrapy engine (crawler.spiders.night); this is one site's part.
Every link on every crawled page is checked once per run: same-site HTML pages are fetched
and parsed (their status is their verdict), everything else — attachments, images,
external sites — gets one check request (HEAD, then GET when HEAD is refused). Page
understanding lives in ``crawler.extract``, verdicts in ``crawler.verdicts``, storage in the
pipeline, what to re-read tonight in ``crawler.revisit``; this only decides what to request.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.browser import render_meta
from govwatch.config import CrawlConfig
from crawler.extract.cms import records_document
from crawler.extract.dates import find_dates
from crawler.extract.columns import categorize, discover_columns
from crawler.extract.identity import footer_missing, footer_scripts, gov_meta, site_identity
from crawler.extract.listing import extract_list
from crawler.extract.links import is_asset, is_attachment, is_private_host, url_problem
from crawler.extract.page import PageFacts, analyse, decode_html, parse_html
from crawler.items import (
    CarryItem, CheckItem, ColumnItem, ListPageItem, ListRow, PageItem, SiteIdentityItem, SiteVisitItem,
)
from crawler.middlewares import OutOfTime
from crawler.state import LeaseRun, LeaseState
from crawler.tlscheck import certificate_problems
from crawler.verdicts import (
    DEAD_STATUSES, SOFT_404_PHRASES, MissingPage, is_judged_file, judge_attachment, judge_page, not_the_site,
    verdict_for_failure, verdict_for_status,
)

_PAGE_TYPES = ("text/html", "application/xhtml")
# Every request is dont_filter: the spider keeps its own set of requested URLs, and Scrapy's
# dupe filter would silently drop a redirect to a URL already crawled (no verdict at all).
# Error statuses reach the callbacks (they are verdicts); 3xx stay with RedirectMiddleware,
# which `handle_httpstatus_all` would switch off.
# Depth first, so the request queue stays small on a 20,000-page site (bench/crawl.py): link
# checks as soon as they are found, a list page's articles before the next list page.
CRAWL_DEFAULTS = CrawlConfig()  # a spec without `crawl` keys (tests) gets the sites file's defaults
PRIORITY_CHECK = 60
PRIORITY_COLUMN = 50
PRIORITY_ARTICLE = 45
PRIORITY_LIST_PAGE = 40
PRIORITY_PAGE = 20
_CHALLENGE_MARKERS = (b"__jsl_clearance", b"acw_sc__", b"challenge", b"_waf", "安全验证".encode(), b"document.cookie")
SNIFF_BYTES = 64 * 1024  # of a checked (not crawled) URL's body
_INDEX_NAMES = ("index.html", "index.htm", "index.shtml", "index.jhtml")
# 304: the answer to a conditional request for a page that did not change
_META = {"handle_httpstatus_list": [304, *range(400, 600)]}
# A checked URL is read only up to SNIFF_BYTES (crawler.spiders.night), so its size is no
# limit: a genuine 200 MB attachment is judged by status, headers and first bytes, not cut
# by DOWNLOAD_MAXSIZE into an error every night.
_SNIFF = {"gw_sniff": True, "download_maxsize": 0}


def _unless_left(errback):
    """A request dropped because its site's night budget ran out is left for the next night,
    not a failure: counted, no verdict."""

    @functools.wraps(errback)
    def wrapper(self, failure: Failure):
        if failure.check(OutOfTime):
            self.coverage.add("left")
            self.coverage.limit("time_budget")
            return iter(())
        return errback(self, failure)

    return wrapper


class PortalCrawl:
    """One portal's share of the night spider (crawler.spiders.night): its own requested set,
    columns, limits and coverage; the engine, the download slots and the store are the run's."""

    def __init__(self, spider: Any, site: dict[str, Any]) -> None:
        self.spider = spider  # the night spider: browser, URL memory, run-wide decisions
        self.site = site
        self.name = site["name"]
        limits = site.get("crawl") or {}
        self.max_pages = limits.get("max_pages", CRAWL_DEFAULTS.max_pages)
        self.max_list_pages = limits.get("max_list_pages", CRAWL_DEFAULTS.max_list_pages)
        self.text_cap = limits.get("text_cap", CRAWL_DEFAULTS.text_cap)
        self.revisit_days = limits.get("revisit_days", CRAWL_DEFAULTS.revisit_days)
        self.link_cache_days = limits.get("link_cache_days", CRAWL_DEFAULTS.link_cache_days)
        self.budget = limits.get("time_budget")  # seconds of this night, None: no limit
        self.phrases = SOFT_404_PHRASES + tuple(limits.get("soft_404_phrases", ()))
        self.browser = bool(getattr(spider, "browser", False))
        self.memory = spider.memory
        # the crawl's sets and counters: in this process, or in Redis shared by workers (crawler.state)
        self.state = spider.shared.site(self.name)
        self.coverage = self.state.coverage
        # per-request settings of this site: the engine is shared, its politeness is per host
        self.meta: dict[str, Any] = {"gw_site": self.name}
        if "timeout" in limits:
            self.meta["download_timeout"] = limits["timeout"]
        if "retries" in limits:
            self.meta["max_retry_times"] = limits["retries"]
        if limits.get("robots") is False:
            self.meta["dont_obey_robotstxt"] = True
        if limits.get("proxy"):  # Scrapy's HttpProxyMiddleware (credentials become Proxy-Authorization)
            self.meta["proxy"] = limits["proxy"]
        self.headers = {"User-Agent": limits["user_agent"]} if limits.get("user_agent") else None
        self.home = site["url"]
        # a site on a private network links its neighbours there; a public one is not followed there
        self.private_ok = bool(limits.get("private_addresses")) or is_private_host(urlsplit(self.home).hostname)
        self.hosts = {urlsplit(self.home).netloc} | {urlsplit(c["url"]).netloc for c in site.get("columns", [])}
        # Links met before the home page's navigation was read wait for it (state.follow_or_wait):
        # a configured column's page links the other columns, and followed first they would be
        # crawled as plain pages, never as columns.

    @property
    def logger(self):
        return self.spider.logger

    def leased(self, claims: str) -> "PortalCrawl":
        """This site's crawl for one request leased from a shared run's queue (crawler.cluster):
        its claims are written down under the lease until it is done (crawler.state.LeaseState)."""
        twin = copy.copy(self)
        twin.state = LeaseState(self.state, claims)
        twin.spider = _SpiderView(self.spider, LeaseRun(self.spider.shared, claims))
        twin.meta = {**self.meta, "_gw_claims": claims}
        return twin

    def out_of_time(self) -> bool:
        return self.budget is not None and time.time() - self.spider.started > self.budget

    def request(self, url: str, callback, errback, priority: int, meta: dict[str, Any] | None = None,
                cls=scrapy.Request, **kwargs: Any) -> scrapy.Request:
        """A request of this site: its timeout, retries, robots choice and User-Agent."""
        headers = {**(self.headers or {}), **(kwargs.pop("headers", None) or {})} or None
        return cls(url, callback=callback, errback=errback, priority=priority, headers=headers,
                   meta={**_META, **(meta or {}), **self.meta}, dont_filter=True, **kwargs)

    def start_requests(self) -> Iterator[scrapy.Request]:
        # First a URL that cannot exist, in the site's own folder: if the site answers it with
        # a 200 page, that page's fingerprint marks its other missing pages (soft 404s).
        probe = urljoin(self.home, f"govwatch-missing-{uuid.uuid4().hex[:12]}.html")
        yield self.request(probe, self.fingerprint, self.fingerprint_failed, 200)

    def fingerprint(self, response: Response) -> Iterator[Any]:
        if 200 <= response.status < 300 and _is_html(response):
            facts = analyse(response.body, response.url, encoding=_header_charset(response))
            self.state.set_missing_page(MissingPage(response.url if response.meta.get("redirect_urls") else None,
                                                    facts.title, len(facts.text)))
        yield from self._start_crawl()

    def fingerprint_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._start_crawl()

    def _start_crawl(self) -> Iterator[Any]:
        self.state.claim([self.home])
        yield self.request(self.home, self.parse_home, self.home_failed, 100)
        for col in self.site.get("columns", []):
            yield from self._column(col["name"], col["url"], col.get("category"), "config", col.get("owner"),
                                    col.get("browser"))

    # -- home and columns -------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Any]:
        yield SiteVisitItem(self.site["name"], response.status, None, 200 <= response.status < 400)
        facts = yield from self._page(response, is_home=True)
        if self.coverage.hold:  # a maintenance, error or challenge page: the site was not reached
            yield SiteVisitItem(self.site["name"], response.status, self.coverage.hold, False)
            yield from self._release_waiting()
            return
        if facts is None:
            if self._confirm(response) is None and self._challenged(response) is None:
                yield from self._release_waiting()  # no navigation to wait for (a retry comes back here)
            return
        # from the raw body: analyse() drops script text, and footers are often document.write
        try:
            doc = parse_html(response.body, _header_charset(response))
            identity = site_identity(doc, response.url)
            scripts = footer_scripts(doc, response.url) if footer_missing(identity) else []
            if scripts:  # the footer is written by an external script: read it first
                yield from self._footer_script(response.url, response.body, _header_charset(response), scripts, [])
            else:
                yield SiteIdentityItem(self.site["name"], identity)
        except Exception:  # a footer we cannot read must not stop the crawl of the site
            self.logger.exception("could not read the site identity of %s", response.url)
        if self.site.get("discover", True):
            # columns before other links: a nav link must be crawled as a column, not a plain page
            for entry in discover_columns(facts.doc, response.url):
                yield from self._column(entry.name, entry.url, None, "nav", None)
        yield from self._release_waiting()
        yield from self._links(facts)

    def _footer_script(self, home: str, body: bytes, charset: str | None, left: list[str],
                       read: list[str]) -> Iterator[Any]:
        """Fetch the footer scripts one after the other, then store the identity read with them."""
        if not left:
            yield SiteIdentityItem(self.site["name"], site_identity(parse_html(body, charset), home, read))
            return
        kwargs = {"home": home, "body": body, "charset": charset, "left": left[1:], "read": read}
        yield self.request(left[0], self.parse_footer_script, self.footer_script_failed, PRIORITY_COLUMN,
                           cb_kwargs=kwargs)

    def parse_footer_script(self, response: Response, home: str, body: bytes, charset: str | None,
                            left: list[str], read: list[str]) -> Iterator[Any]:
        text = decode_html(response.body) if 200 <= response.status < 300 else ""
        yield from self._footer_script(home, body, charset, left, [*read, text] if text else read)

    def footer_script_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = failure.request.cb_kwargs
        yield from self._footer_script(kwargs["home"], kwargs["body"], kwargs["charset"], kwargs["left"], kwargs["read"])

    @_unless_left
    def home_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        yield SiteVisitItem(self.site["name"], None, error, False)
        yield self._check(failure.request.url, verdict, error=error)
        yield from self._release_waiting()

    def _release_waiting(self) -> Iterator[Any]:
        waiting = self.state.release()
        # columns found through articles' breadcrumbs on earlier nights: the articles may be
        # carried over tonight, unread, and their columns must still be read
        for col in self.site.get("known_columns", []):
            yield from self._column(col["name"], col["url"], col.get("category"), col.get("source", "breadcrumb"),
                                    None)
        yield from self._follow_all(waiting)

    def _column(self, name: str, url: str, category: str | None, source: str, owner: str | None,
                browser: bool | None = None) -> Iterator[Any]:
        if not self.state.claim([url]):
            return
        category = category or categorize(name)
        browser = browser if browser is not None else self.site.get("browser")
        self.state.add_column(url, {"name": name, "category": category, "browser": browser})
        yield ColumnItem(self.site["name"], name, url, category, source, owner)
        self.state.count_list_page(url, self.max_list_pages + 1)  # the first page is always read
        if url.endswith("/"):  # the same first page under its file name (a pager's 首页 link)
            self.state.claim([url + index for index in _INDEX_NAMES])
        meta = render_meta() if browser and self.browser else None
        yield self.request(url, self.parse_list, self.list_failed, PRIORITY_COLUMN, meta=meta,
                           cb_kwargs={"column_url": url, "first": True})

    def parse_list(self, response: Response, column_url: str, first: bool) -> Iterator[Any]:
        facts = yield from self._page(response, column_url=column_url)
        if facts is None:
            if first:
                capped = 200 <= response.status < 300 and _is_html(response) and self.capped()
                yield ListPageItem(self.site["name"], column_url, response.url, True, "unread",
                                   error="not read tonight: max_pages reached" if capped else f"HTTP {response.status}")
            return
        column = self.state.column(column_url)
        listing = facts.listing
        if first and not listing.is_list and column["category"] != "static" and column["browser"] is not False \
                and not response.meta.get("playwright"):
            # nothing listed without scripts: a JavaScript-written list, or a single page
            if self.browser:
                yield self._render(response.request)
                return
            yield ListPageItem(self.site["name"], column_url, response.url, True, "unread",
                               error="the list may be written by JavaScript and no browser is available")
            yield from self._links(facts)
            return
        kind = "list" if listing.is_list else ("static" if column["category"] == "static" or facts.kind in ("article", "page") else "list")
        yield ListPageItem(self.site["name"], column_url, response.url, first, kind, _rows(listing),
                           again=bool(response.meta.get("gw_again")))
        for page in listing.pages:
            if self.state.is_requested(page):
                continue
            if not self.state.count_list_page(column_url, self.max_list_pages):
                self.coverage.limit("max_list_pages")  # unclaimed: still followed as a plain link
                continue
            if not self.state.claim([page]):
                continue
            yield self.request(page, self.parse_list, self.check_failed, PRIORITY_LIST_PAGE,
                               cb_kwargs={"column_url": column_url, "first": False})
        if first and facts.hanweb is not None:  # the rest of a Hanweb list: dataproxy.jsp
            for url, method, form in facts.hanweb.requests(self.max_list_pages):
                if not self.state.claim([url]):
                    continue
                self.state.count_list_page(column_url, 2 ** 31)  # the proxy's own cap holds
                headers = {"Referer": response.url}
                if form is not None:
                    yield self.request(url, self.parse_proxy, self.proxy_failed, PRIORITY_LIST_PAGE,
                                       cls=scrapy.FormRequest, formdata=form, headers=headers,
                                       cb_kwargs={"column_url": column_url})
                else:
                    yield self.request(url, self.parse_proxy, self.proxy_failed, PRIORITY_LIST_PAGE,
                                       headers=headers, cb_kwargs={"column_url": column_url})
        # articles before the other links of the page
        yield from self._follow_all([item.url for item in listing.items], priority=PRIORITY_ARTICLE)
        yield from self._links(facts)

    def parse_proxy(self, response: Response, column_url: str) -> Iterator[Any]:
        """A Hanweb dataproxy.jsp answer: more rows of the column's list."""
        if not 200 <= response.status < 300:
            return
        listing = extract_list(records_document(response.text), response.url)
        yield ListPageItem(self.site["name"], column_url, response.url, False, "list", _rows(listing))
        yield from self._follow_all([item.url for item in listing.items], priority=PRIORITY_ARTICLE)

    @_unless_left
    def proxy_failed(self, failure: Failure) -> Iterator[Any]:
        self.logger.warning("dataproxy request %s failed: %s", failure.request.url, failure.value)
        return iter(())

    @_unless_left
    def list_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        if status := failure.request.meta.get("gw_challenged"):
            verdict, error = "blocked", f"HTTP {status}, browser: {error}"
        url = failure.request.cb_kwargs["column_url"]
        yield self._check(failure.request.url, verdict, error=error)
        yield ListPageItem(self.site["name"], url, failure.request.url, True, "unread", error=error)

    # -- pages and link checks --------------------------------------------------------------

    async def parse_page(self, response: Response):
        """An article or other page of the site; analysed beside the engine (crawler.parsing)."""
        if response.status == 304:  # unchanged since it was read: its facts hold, dated tonight
            seen = self.memory.seen.get(response.request.url)
            if seen is not None and seen.read_run is not None:
                yield self._check(response.request.url, "ok", status=304,
                                  note=f"unchanged since {seen.read_on} (conditional request)")
                for out in self._carry_page(response.request.url, seen.read_run, revalidated=True):
                    for item in self._follow_links(out.urls) if isinstance(out, _Links) else (out,):
                        yield item
                return
        if (again := self._confirm(response) or self._challenged(response)) is not None:
            yield again
            return
        response = _past_challenge(response)
        facts, crumbs = None, []
        if self._reads(response):
            facts, crumbs = await self.spider.reader.read(
                response.body, response.url, _header_charset(response), crumbs=self.site.get("discover", True))
        items, facts = self._record(response, facts)
        for item in items:
            yield item
        if facts is None:
            return
        if crumbs:  # the article's own column, from its breadcrumb: columns the navigation hides
            for item in self._column(crumbs[-1].name, crumbs[-1].url, None, "breadcrumb", None):
                yield item
        for item in self._links(facts):
            yield item

    def _page(self, response: Response, is_home: bool = False, column_url: str | None = None):
        """Record the verdict and, for an HTML page of the site, its facts; returns the facts.

        The caller follows the page's links (``_links``) after its own requests, so that
        columns and list pages are requested as such before they turn up as plain links."""
        if (again := self._confirm(response) or self._challenged(response)) is not None:
            yield again
            return None
        response = _past_challenge(response)
        facts = None
        if self._reads(response, is_home):
            facts = analyse(response.body, response.url, encoding=_header_charset(response),
                            status=response.status, is_home=is_home)
        items, facts = self._record(response, facts, is_home, column_url)
        yield from items
        return facts

    def _reads(self, response: Response, is_home: bool = False) -> bool:
        """Whether tonight reads this response as a page of the site (counted), or only judges it."""
        redirected = bool(response.meta.get("redirect_urls"))
        if not (200 <= response.status < 300 and _is_html(response)
                and (is_home or urlsplit(response.url).netloc in self.hosts)  # off-site: checked only
                and not (redirected and not is_home and self.state.is_requested(response.url))):
            return False
        if not self.coverage.take_read(None if is_home else self.max_pages):  # list pages and columns too
            self.coverage.add("checked_only")
            self.coverage.limit("max_pages")
            return False
        if redirected:
            self.state.claim([response.url])  # crawled here, not again under its own URL
        return True

    def _record(self, response: Response, facts: PageFacts | None, is_home: bool = False,
                column_url: str | None = None) -> tuple[list[Any], PageFacts | None]:
        """The verdict and the page's stored facts; the facts to go on with (none for an error page)."""
        check = self._check_item(response, facts)
        if is_home and facts is not None:
            self.coverage.hold = (f"not the site: an error page ({check.note})" if check.verdict == "soft-404" else
                                  not_the_site(facts.title, facts.text, len(facts.links), response.body[:20000]))
        if facts is None:
            return [check], None
        error_page = check.verdict == "soft-404"
        published, source = facts.published, facts.published_source
        if is_home:  # a home page's "date" is its newest dated item (homepage-stale)
            tomorrow = dt.date.today() + dt.timedelta(days=1)
            dates = [d for d in find_dates(facts.text) if d <= tomorrow]
            published, source = (max(dates), "home:newest-item") if dates else (None, None)
        page = PageItem(
            self.site["name"], response.url, response.status,
            "error" if error_page else ("list" if column_url else facts.kind), facts.title, published,
            source, facts.text[: self.text_cap], facts.metadata or None,
            list(facts.links), gov_meta(facts.meta) or None,
            _header(response, b"ETag"), _header(response, b"Last-Modified"),
            hashlib.sha1(response.body).hexdigest(), facts.hidden or None, bool(response.meta.get("gw_again")),
        )
        return [check, page], None if error_page else facts

    def capped(self) -> bool:
        """`max_pages` pages of the site were parsed tonight: the rest are only checked."""
        return self.coverage.read >= self.max_pages

    def _links(self, facts: PageFacts) -> Iterator[Any]:
        yield from self._follow_links([link.url for link in facts.links])

    def _follow_links(self, urls: list[str]) -> Iterator[Any]:
        """A page's links, once the home page's navigation is known (state.follow_or_wait)."""
        if self.state.follow_or_wait(urls):
            yield from self._follow_all(urls)

    def _follow_all(self, urls: list[str], priority: int = PRIORITY_PAGE) -> Iterator[Any]:
        """Request, or carry over, each URL not met before. A carried page's own links are
        followed too, from a stack: chains of carried pages must not recurse."""
        stack = list(reversed(self.state.claim(urls)))  # claimed at once: one round trip in Redis
        while stack:
            url = stack.pop()
            for out in self._follow_one(url, priority):
                if not isinstance(out, _Links):
                    yield out
                # a carried article of a configured column: its links wait like any others
                elif self.state.follow_or_wait(out.urls):
                    stack.extend(reversed(self.state.claim(out.urls)))

    def _follow_one(self, url: str, priority: int) -> Iterator[Any]:
        """A URL claimed by this site (state.claim): request it, check it or carry it over."""
        if (problem := url_problem(url)) is not None:  # an href as written, that no request can carry
            if self.spider.shared.decide(url):
                yield self._check(url, "malformed", note=problem)
            return
        if not self.private_ok and is_private_host(urlsplit(url).hostname):
            if self.spider.shared.decide(url):
                yield self._check(url, "private", note="a loopback, private or link-local address: not fetched")
            return
        internal = urlsplit(url).netloc in self.hosts
        if internal and not is_attachment(url) and not is_asset(url):
            plan = self.memory.page_plan(url, self.revisit_days)
            if plan == "carry":  # costs no request: also after the night's budget is used
                yield from self._carry_page(url, self.memory.seen[url].read_run)
                return
            if self._left():
                return
            if self.state.count_read(self.max_pages):
                headers = _validators(self.memory.seen[url]) if plan == "revalidate" else None
                yield self.request(url, self.parse_page, self.check_failed, priority, headers=headers)
                return
            self.coverage.add("checked_only")
            self.coverage.limit("max_pages")
        if not self.spider.shared.decide(url):  # another site of the run checks it: one verdict per URL
            return
        if self.memory.keeps_verdict(url, self.revisit_days if internal else self.link_cache_days):
            yield CarryItem(self.name, url, "check", self.memory.seen[url].check_run)
            return
        if self._left():
            self.spider.shared.undecide(url)  # another site may still have time for it
            return
        # GET, not HEAD (servers mishandle HEAD), stopped after the first bytes: enough
        # for the status, the headers, a file signature and an error page's text
        yield self.request(url, self.checked, self.check_failed, PRIORITY_CHECK, meta=_SNIFF)

    def _left(self) -> bool:
        """The night's budget is used: the URL is left for the next night (counted)."""
        if not self.out_of_time():
            return False
        self.coverage.add("left")
        self.coverage.limit("time_budget")
        return True

    def _carry_page(self, url: str, from_run: int, revalidated: bool = False) -> Iterator[Any]:
        """Keep a known page's facts for tonight, and follow the links it had."""
        if revalidated:
            self.coverage.add("revalidated")
        else:
            self.coverage.add("carried")
            seen = self.memory.seen[url]
            if seen.check_run is not None:
                yield CarryItem(self.name, url, "check", seen.check_run)
        yield CarryItem(self.name, url, "page", from_run, revalidated)
        yield _Links(self.memory.links(from_run, url))

    async def checked(self, response: Response):
        if (again := self._confirm(response) or self._challenged(response)) is not None:
            yield again
            return
        response = _past_challenge(response)
        facts = None
        if 200 <= response.status < 300 and _is_html(response) and not is_attachment(response.url):
            facts, _ = await self.spider.reader.read(response.body, response.url, _header_charset(response))
        yield self._check_item(response, facts)

    def _confirm(self, response: Response) -> scrapy.Request | None:
        """A second attempt before a dead verdict: one 404 may be a server's bad moment."""
        if response.status not in DEAD_STATUSES or response.meta.get("gw_attempt", 1) >= 2:
            return None
        request = response.request
        original = response.meta.get("redirect_urls", [request.url])[0]
        meta = {"gw_attempt": 2, **(_SNIFF if request.meta.get("gw_sniff") else {})}
        return self.request(original, request.callback, request.errback, request.priority, meta=meta,
                            cb_kwargs=request.cb_kwargs)

    def _challenged(self, response: Response) -> scrapy.Request | None:
        """HTTP 412 or a 403 JavaScript challenge: try once more in the browser, if there is one."""
        if not self.browser or response.meta.get("playwright") or response.status not in (403, 412):
            return None
        if response.status == 403 and not any(m in response.body[:20000] for m in _CHALLENGE_MARKERS):
            return None
        again = self._render(response.request)
        again.meta["gw_challenged"] = response.status  # if the browser fails too: still "blocked"
        return again

    def _render(self, request: scrapy.Request) -> scrapy.Request:
        meta = {k: v for k, v in request.meta.items() if k.startswith("gw_")}
        return self.request(request.url, request.callback, request.errback, request.priority,
                            meta={**meta, **render_meta()}, cb_kwargs=request.cb_kwargs)

    def _check(self, url: str, verdict: str, status: int | None = None, **fields: Any) -> CheckItem:
        return CheckItem(url, verdict, status, site=self.name, **fields)

    def _check_item(self, response: Response, facts: PageFacts | None) -> CheckItem:
        chain = list(response.meta.get("redirect_urls", []))
        original = chain[0] if chain else response.url
        verdict = verdict_for_status(response.status, bool(chain))
        note = None
        if 200 <= response.status < 300:
            judged = None
            if is_judged_file(original):
                judged = judge_attachment(original, _content_type(response), response.body[:SNIFF_BYTES])
            elif is_asset(original):
                pass  # stylesheets, scripts, fonts: the status is the verdict
            elif urlsplit(original).netloc in self.hosts or facts is not None:
                judged = judge_page(original, response.url, facts.title if facts else None,
                                    facts.text if facts else "", self.home, facts.refresh if facts else None,
                                    phrases=self.phrases, missing_page=self.state.get_missing_page() if urlsplit(original).netloc in self.hosts else None)
            if judged is not None:
                verdict, note = judged.verdict, judged.note
        if verdict in ("ok", "redirected") and (problems := self._tls_problems(response)):
            verdict, note = "tls-error", "; ".join(problems)
        return self._check(original, verdict, response.status, final_url=response.url if chain else None,
                           content_type=_content_type(response), redirects=chain + [response.url] if chain else None,
                           headers=_evidence_headers(response), note=note,
                           attempts=response.meta.get("gw_attempt", 1))

    def _tls_problems(self, response: Response) -> list[str]:
        """Certificate problems, once per HTTPS host and run (one warning, not one per page)."""
        host = urlsplit(response.url)
        if host.scheme != "https" or response.certificate is None or not self.state.first_tls(host.netloc):
            return []
        return certificate_problems(response.certificate.original.to_cryptography(), host.hostname or "")

    @_unless_left
    def check_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        if status := failure.request.meta.get("gw_challenged"):
            yield self._check(failure.request.url, "blocked", status, error=f"browser: {error}")
            return
        yield self._check(failure.request.url, verdict, error=error, attempts=failure.request.meta.get("gw_attempt", 1))


class _SpiderView:
    """The night spider with another run-wide state (PortalCrawl.leased)."""

    def __init__(self, spider: Any, shared: Any) -> None:
        self._spider = spider
        self.shared = shared

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spider, name)


@dataclass(frozen=True)
class _Links:
    """A carried page's links, for _follow_all to follow next."""

    urls: list[str]


def _validators(seen: Any) -> dict[str, str]:
    """A conditional request's headers: the server answers 304 when the page is unchanged."""
    out = {}
    if seen.etag:
        out["If-None-Match"] = seen.etag
    if seen.last_modified:
        out["If-Modified-Since"] = seen.last_modified
    return out


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:300] if value else None


_EVIDENCE_HEADERS = ("Content-Type", "Content-Length", "Location", "Retry-After", "Server", "Last-Modified")


def _rows(listing) -> list[ListRow]:
    # a pinned (置顶) row keeps its place but not its date: it must not make a column look fresh
    return [ListRow(i.url, i.title, None if i.pinned else i.date, i.state, i.answered_on) for i in listing.items]


def _evidence_headers(response: Response) -> dict[str, str] | None:
    out = {name: response.headers.get(name).decode("latin-1")[:300]
           for name in _EVIDENCE_HEADERS if response.headers.get(name)}
    return out or None


def _past_challenge(response: Response) -> Response:
    """A challenge page the browser got through: Playwright reports the first navigation's
    412/403, but the page it ended on (after the script set its cookie and reloaded) is the
    real one."""
    if response.meta.get("playwright") and response.status in (403, 412) \
            and not any(m in response.body[:20000] for m in _CHALLENGE_MARKERS):
        return response.replace(status=200)
    return response


def _header_charset(response: Response) -> str | None:
    match = re.search(r"charset=([-\w]+)", _content_type(response) or "", re.I)
    return match.group(1) if match else None


def _content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1")[:200] if value else None


def _is_html(response: Response) -> bool:
    ctype = (_content_type(response) or "").lower()
    return any(t in ctype for t in _PAGE_TYPES) or (not ctype and response.body.lstrip()[:1] == b"<")
