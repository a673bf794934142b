"""The portal spider: home page -> columns -> every list page -> every article.

Every link on every crawled page is checked once per run: same-site HTML pages are fetched
and parsed (their status is their verdict), everything else — attachments, images,
external sites — gets one check request (HEAD, then GET when HEAD is refused). Page
understanding lives in ``crawler.extract``, verdicts in ``crawler.verdicts``, storage in the
pipeline; the spider only decides what to request.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.browser import render_meta
from crawler.extract.cms import records_document
from crawler.extract.dates import find_dates
from crawler.extract.columns import breadcrumb_columns, categorize, discover_columns
from crawler.extract.identity import gov_meta, site_identity
from crawler.extract.listing import extract_list
from crawler.extract.links import is_asset, is_attachment
from crawler.extract.page import PageFacts, analyse, parse_html
from crawler.items import CheckItem, ColumnItem, ListPageItem, PageItem, SiteIdentityItem, SiteVisitItem
from crawler.tlscheck import certificate_problems
from crawler.verdicts import (
    DEAD_STATUSES, SOFT_404_PHRASES, MissingPage, is_judged_file, judge_attachment, judge_page,
    verdict_for_failure, verdict_for_status,
)

_PAGE_TYPES = ("text/html", "application/xhtml")
# Every request is dont_filter: the spider keeps its own set of requested URLs, and Scrapy's
# dupe filter would silently drop a redirect to a URL already crawled (no verdict at all).
# Error statuses reach the callbacks (they are verdicts); 3xx stay with RedirectMiddleware,
# which `handle_httpstatus_all` would switch off.
# Depth first, so the request queue stays small on a 20,000-page site (bench/crawl.py): link
# checks as soon as they are found, a list page's articles before the next list page.
PRIORITY_CHECK = 60
PRIORITY_COLUMN = 50
PRIORITY_ARTICLE = 45
PRIORITY_LIST_PAGE = 40
PRIORITY_PAGE = 20
_CHALLENGE_MARKERS = (b"__jsl_clearance", b"acw_sc__", b"challenge", b"_waf", "安全验证".encode(), b"document.cookie")
SNIFF_BYTES = 64 * 1024  # of a checked (not crawled) URL's body
_INDEX_NAMES = ("index.html", "index.htm", "index.shtml", "index.jhtml")
_META = {"handle_httpstatus_list": list(range(400, 600))}


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, site: dict[str, Any], cached: frozenset[str] = frozenset(), **kwargs: Any) -> None:
        super().__init__(name=f"portal:{site['name']}", **kwargs)
        self.site = site
        self.cached = cached  # external URLs found good by a recent run: not fetched again
        self.missing_page: MissingPage | None = None  # what this site answers for a missing URL
        self.home = site["url"]
        self.hosts = {urlsplit(self.home).netloc} | {urlsplit(c["url"]).netloc for c in site.get("columns", [])}
        self.requested: set[str] = set()  # every URL requested once per run
        self.columns: dict[str, dict[str, Any]] = {}
        self.list_pages: dict[str, int] = {}  # column url -> list pages requested
        self.parsed = 0
        self.phrases = SOFT_404_PHRASES
        self.tls_hosts: set[str] = set()  # HTTPS hosts whose certificate was judged
        # Links met before the home page's navigation was read wait for it: a configured
        # column's page links the other columns, and followed first they would be crawled as
        # plain pages, never as columns.
        self.home_read = False
        self.waiting: list[str] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages = crawler.settings.getint("GOVWATCH_MAX_PAGES", 5000)
        spider.max_list_pages = crawler.settings.getint("GOVWATCH_MAX_LIST_PAGES", 50)
        spider.text_cap = crawler.settings.getint("GOVWATCH_TEXT_CAP", 20000)
        spider.browser = crawler.settings.getbool("GOVWATCH_BROWSER")
        spider.phrases = SOFT_404_PHRASES + tuple(crawler.settings.getlist("GOVWATCH_SOFT_404_PHRASES"))
        crawler.signals.connect(spider._bytes_received, signal=signals.bytes_received)
        return spider

    async def start(self):
        # First a URL that cannot exist, in the site's own folder: if the site answers it with
        # a 200 page, that page's fingerprint marks its other missing pages (soft 404s).
        probe = urljoin(self.home, f"govwatch-missing-{uuid.uuid4().hex[:12]}.html")
        yield scrapy.Request(probe, callback=self.fingerprint, errback=self.fingerprint_failed,
                             meta=_META, priority=200, dont_filter=True)

    def fingerprint(self, response: Response) -> Iterator[Any]:
        if 200 <= response.status < 300 and _is_html(response):
            facts = analyse(response.body, response.url, encoding=_header_charset(response))
            self.missing_page = MissingPage(response.url if response.meta.get("redirect_urls") else None,
                                            facts.title, len(facts.text))
        yield from self._start_crawl()

    def fingerprint_failed(self, failure: Failure) -> Iterator[Any]:
        yield from self._start_crawl()

    def _start_crawl(self) -> Iterator[Any]:
        self.requested.add(self.home)
        yield scrapy.Request(self.home, callback=self.parse_home, errback=self.home_failed,
                             meta=_META, priority=100, dont_filter=True)
        for col in self.site.get("columns", []):
            yield from self._column(col["name"], col["url"], col.get("category"), "config", col.get("owner"),
                                    col.get("browser"))

    # -- home and columns -------------------------------------------------------------------

    def parse_home(self, response: Response) -> Iterator[Any]:
        yield SiteVisitItem(self.site["name"], response.status, None, 200 <= response.status < 400)
        facts = yield from self._page(response, is_home=True)
        if facts is None:
            if self._confirm(response) is None and self._challenged(response) is None:
                yield from self._release_waiting()  # no navigation to wait for (a retry comes back here)
            return
        # from the raw body: analyse() drops script text, and footers are often document.write
        try:
            doc = parse_html(response.body, _header_charset(response))
            yield SiteIdentityItem(self.site["name"], site_identity(doc, response.url))
        except Exception:  # a footer we cannot read must not stop the crawl of the site
            self.logger.exception("could not read the site identity of %s", response.url)
        if self.site.get("discover", True):
            # columns before other links: a nav link must be crawled as a column, not a plain page
            for entry in discover_columns(facts.doc, response.url):
                yield from self._column(entry.name, entry.url, None, "nav", None)
        yield from self._release_waiting()
        yield from self._links(facts)

    def home_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        yield SiteVisitItem(self.site["name"], None, error, False)
        yield CheckItem(failure.request.url, verdict, error=error)
        yield from self._release_waiting()

    def _release_waiting(self) -> Iterator[scrapy.Request]:
        self.home_read = True
        waiting, self.waiting = self.waiting, []
        for url in waiting:
            yield from self._follow(url)

    def _column(self, name: str, url: str, category: str | None, source: str, owner: str | None,
                browser: bool | None = None) -> Iterator[Any]:
        if url in self.columns or url in self.requested:
            return
        category = category or categorize(name)
        browser = browser if browser is not None else self.site.get("browser")
        self.columns[url] = {"name": name, "category": category, "browser": browser}
        yield ColumnItem(self.site["name"], name, url, category, source, owner)
        self.list_pages[url] = 1
        self.requested.add(url)
        if url.endswith("/"):  # the same first page under its file name (a pager's 首页 link)
            self.requested.update(url + index for index in _INDEX_NAMES)
        meta = {**_META, **render_meta()} if browser and self.browser else _META
        yield scrapy.Request(url, callback=self.parse_list, errback=self.list_failed, priority=PRIORITY_COLUMN,
                             meta=meta, dont_filter=True,
                             cb_kwargs={"column_url": url, "first": True})

    def parse_list(self, response: Response, column_url: str, first: bool) -> Iterator[Any]:
        facts = yield from self._page(response, column_url=column_url)
        if facts is None:
            if first:
                yield ListPageItem(self.site["name"], column_url, response.url, True, "unread",
                                   error=f"HTTP {response.status}")
            return
        column = self.columns[column_url]
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
        yield ListPageItem(
            self.site["name"], column_url, response.url, first, kind,
            _rows(listing),
        )
        for page in listing.pages:
            if page in self.requested or self.list_pages[column_url] >= self.max_list_pages:
                continue
            self.requested.add(page)
            self.list_pages[column_url] += 1
            yield scrapy.Request(page, callback=self.parse_list, errback=self.check_failed, priority=PRIORITY_LIST_PAGE,
                                 meta=_META, dont_filter=True,
                                 cb_kwargs={"column_url": column_url, "first": False})
        if first and facts.hanweb is not None:  # the rest of a Hanweb list: dataproxy.jsp
            for url, method, form in facts.hanweb.requests(self.max_list_pages):
                if url in self.requested:
                    continue
                self.requested.add(url)
                self.list_pages[column_url] += 1
                headers = {"Referer": response.url}
                if form is not None:
                    yield scrapy.FormRequest(url, formdata=form, headers=headers, callback=self.parse_proxy,
                                             errback=self.proxy_failed, meta=_META, dont_filter=True,
                                             priority=PRIORITY_LIST_PAGE, cb_kwargs={"column_url": column_url})
                else:
                    yield scrapy.Request(url, headers=headers, callback=self.parse_proxy, errback=self.proxy_failed,
                                         meta=_META, dont_filter=True, priority=PRIORITY_LIST_PAGE,
                                         cb_kwargs={"column_url": column_url})
        for item in listing.items:  # articles before the other links of the page
            yield from self._follow(item.url, priority=PRIORITY_ARTICLE)
        yield from self._links(facts)

    def parse_proxy(self, response: Response, column_url: str) -> Iterator[Any]:
        """A Hanweb dataproxy.jsp answer: more rows of the column's list."""
        if not 200 <= response.status < 300:
            return
        listing = extract_list(records_document(response.text), response.url)
        yield ListPageItem(self.site["name"], column_url, response.url, False, "list", _rows(listing))
        for item in listing.items:
            yield from self._follow(item.url, priority=PRIORITY_ARTICLE)

    def proxy_failed(self, failure: Failure) -> Iterator[Any]:
        self.logger.warning("dataproxy request %s failed: %s", failure.request.url, failure.value)
        return iter(())

    def list_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        if status := failure.request.meta.get("gw_challenged"):
            verdict, error = "blocked", f"HTTP {status}, browser: {error}"
        url = failure.request.cb_kwargs["column_url"]
        yield CheckItem(failure.request.url, verdict, error=error)
        yield ListPageItem(self.site["name"], url, failure.request.url, True, "unread", error=error)

    # -- pages and link checks --------------------------------------------------------------

    def parse_page(self, response: Response) -> Iterator[Any]:
        facts = yield from self._page(response)
        if facts is None:
            return
        if facts.kind == "article" and self.site.get("discover", True):
            # the article's own column, from its breadcrumb: columns the navigation hides
            if crumbs := breadcrumb_columns(facts.doc, response.url):
                yield from self._column(crumbs[-1].name, crumbs[-1].url, None, "breadcrumb", None)
        yield from self._links(facts)

    def _page(self, response: Response, is_home: bool = False, column_url: str | None = None):
        """Record the verdict and, for an HTML page of the site, its facts; returns the facts.

        The caller follows the page's links (``_links``) after its own requests, so that
        columns and list pages are requested as such before they turn up as plain links."""
        if (again := self._confirm(response) or self._challenged(response)) is not None:
            yield again
            return None
        response = _past_challenge(response)
        redirected = bool(response.meta.get("redirect_urls"))
        parse = (200 <= response.status < 300 and _is_html(response)
                 and (is_home or urlsplit(response.url).netloc in self.hosts)  # off-site: checked only
                 and not (redirected and not is_home and response.url in self.requested))
        facts: PageFacts | None = None
        if parse:
            if redirected:
                self.requested.add(response.url)  # crawled here, not again under its own URL
            self.parsed += 1
            facts = analyse(response.body, response.url, encoding=_header_charset(response),
                            status=response.status, is_home=is_home)
        check = self._check_item(response, facts)
        yield check
        if facts is None:
            return None
        error_page = check.verdict == "soft-404"
        published, source = facts.published, facts.published_source
        if is_home:  # a home page's "date" is its newest dated item (homepage-stale)
            tomorrow = dt.date.today() + dt.timedelta(days=1)
            dates = [d for d in find_dates(facts.text) if d <= tomorrow]
            published, source = (max(dates), "home:newest-item") if dates else (None, None)
        yield PageItem(
            self.site["name"], response.url, response.status,
            "error" if error_page else ("list" if column_url else facts.kind), facts.title, published,
            source, facts.text[: self.text_cap], facts.metadata or None,
            [(l.url, l.anchor, l.tag) for l in facts.links], gov_meta(facts.meta) or None,
        )
        return None if error_page else facts

    def _links(self, facts: PageFacts) -> Iterator[scrapy.Request]:
        if not self.home_read:
            self.waiting.extend(link.url for link in facts.links)
            return
        for link in facts.links:
            yield from self._follow(link.url)

    def _follow(self, url: str, priority: int = PRIORITY_PAGE) -> Iterator[scrapy.Request]:
        if url in self.requested:
            return
        self.requested.add(url)
        internal = urlsplit(url).netloc in self.hosts
        if not internal and url in self.cached:
            yield CheckItem(url, "ok", note="good in a recent run (link cache)")
            return
        if internal and not is_attachment(url) and not is_asset(url) and self.parsed + 1 <= self.max_pages:
            yield scrapy.Request(url, callback=self.parse_page, errback=self.check_failed, priority=priority,
                                 meta=_META, dont_filter=True)
        else:
            # GET, not HEAD (servers mishandle HEAD), stopped after the first bytes: enough
            # for the status, the headers, a file signature and an error page's text
            yield scrapy.Request(url, callback=self.checked, errback=self.check_failed,
                                 priority=PRIORITY_CHECK, meta={**_META, "gw_sniff": True}, dont_filter=True)

    def checked(self, response: Response) -> Iterator[Any]:
        if (again := self._confirm(response) or self._challenged(response)) is not None:
            yield again
            return
        response = _past_challenge(response)
        facts = None
        if 200 <= response.status < 300 and _is_html(response) and not is_attachment(response.url):
            facts = analyse(response.body, response.url, encoding=_header_charset(response))
        yield self._check_item(response, facts)

    def _confirm(self, response: Response) -> scrapy.Request | None:
        """A second attempt before a dead verdict: one 404 may be a server's bad moment."""
        if response.status not in DEAD_STATUSES or response.meta.get("gw_attempt", 1) >= 2:
            return None
        request = response.request
        original = response.meta.get("redirect_urls", [request.url])[0]
        meta = {**_META, "gw_attempt": 2, "gw_sniff": request.meta.get("gw_sniff", False)}
        return scrapy.Request(original, callback=request.callback, errback=request.errback,
                              cb_kwargs=request.cb_kwargs, meta=meta, priority=request.priority, dont_filter=True)

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
        return scrapy.Request(request.url, callback=request.callback, errback=request.errback,
                              cb_kwargs=request.cb_kwargs, meta={**_META, **meta, **render_meta()},
                              priority=request.priority, dont_filter=True)

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
                                    phrases=self.phrases, missing_page=self.missing_page if urlsplit(original).netloc in self.hosts else None)
            if judged is not None:
                verdict, note = judged.verdict, judged.note
        if verdict in ("ok", "redirected") and (problems := self._tls_problems(response)):
            verdict, note = "tls-error", "; ".join(problems)
        return CheckItem(original, verdict, response.status, final_url=response.url if chain else None,
                         content_type=_content_type(response), redirects=chain + [response.url] if chain else None,
                         headers=_evidence_headers(response), note=note,
                         attempts=response.meta.get("gw_attempt", 1))

    def _tls_problems(self, response: Response) -> list[str]:
        """Certificate problems, once per HTTPS host and run (one warning, not one per page)."""
        host = urlsplit(response.url)
        if host.scheme != "https" or host.netloc in self.tls_hosts or response.certificate is None:
            return []
        self.tls_hosts.add(host.netloc)
        return certificate_problems(response.certificate.original.to_cryptography(), host.hostname or "")

    def _bytes_received(self, data: bytes, request: scrapy.Request, spider) -> None:
        if request.meta.get("gw_sniff"):
            request.meta["gw_received"] = request.meta.get("gw_received", 0) + len(data)
            if request.meta["gw_received"] >= SNIFF_BYTES:
                raise StopDownload(fail=False)

    def check_failed(self, failure: Failure) -> Iterator[Any]:
        verdict, error = verdict_for_failure(failure.value)
        if status := failure.request.meta.get("gw_challenged"):
            yield CheckItem(failure.request.url, "blocked", status, error=f"browser: {error}")
            return
        yield CheckItem(failure.request.url, verdict, error=error, attempts=failure.request.meta.get("gw_attempt", 1))


_EVIDENCE_HEADERS = ("Content-Type", "Content-Length", "Location", "Retry-After", "Server", "Last-Modified")


def _rows(listing) -> list[tuple]:
    # a pinned (置顶) row keeps its place but not its date: it must not make a column look fresh
    return [(i.url, i.title, None if i.pinned else i.date, i.state, i.answered_on) for i in listing.items]


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
