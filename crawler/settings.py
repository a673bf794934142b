"""Scrapy settings for GovWatch crawls.

Scrapy's own settings come first, then GovWatch's (prefixed ``GOVWATCH_``). The defaults are
polite enough for a small county server; the sites file's `crawl` keys override them, per
host for politeness and per request for the rest (see ``run_settings``). Telnet console and remote control are off: they open local ports,
and remote control runs arbitrary code (Scrapy 2.19 enables it by default).
"""

from __future__ import annotations

from typing import Any

from govwatch.config import CrawlConfig

# The sites file's `crawl` defaults are the one source of every crawl default (govwatch.config)
_CRAWL = CrawlConfig()

BOT_NAME = "govwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = _CRAWL.user_agent
ROBOTSTXT_OBEY = _CRAWL.robots
CONCURRENT_REQUESTS = _CRAWL.total_concurrency
CONCURRENT_REQUESTS_PER_DOMAIN = _CRAWL.concurrency
DOWNLOAD_DELAY = _CRAWL.delay
DOWNLOAD_TIMEOUT = _CRAWL.timeout
# getaddrinfo-based: IPv6 literals ([::1]) and hosts that answer only on IPv6 are reached
# (Scrapy's default resolver knows IPv4 only, and calls them unresolvable: false dead links)
TWISTED_DNS_RESOLVER = "scrapy.resolver.CachingHostnameResolver"
# Permissive TLS: government servers still run TLS 1.0 and weak ciphers; certificates are
# not verified here but read and judged apart (crawler/tlscheck.py).
DOWNLOADER_CLIENTCONTEXTFACTORY = "crawler.tlscheck.PermissiveContextFactory"
DOWNLOAD_VERIFY_CERTIFICATES = False
DOWNLOAD_TLS_MIN_VERSION = "TLSv1.0"
DOWNLOAD_MAXSIZE = 50 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# A meta refresh is judged (it may lead to an error page) and followed as a link, not silently.
METAREFRESH_ENABLED = False
RETRY_ENABLED = True
RETRY_TIMES = _CRAWL.retries
COOKIES_ENABLED = True
REDIRECT_MAX_TIMES = 10
# Scrapy 2.19 starts CONCURRENT_ITEMS + 1 asyncio tasks for every response's output; the store
# takes items one by one anyway (batched, written by a process of its own: crawler.writer), so one
# is enough (measured on a 5,000-page portal: 58.4 s with 10, 51.9 s with 1).
CONCURRENT_ITEMS = 1
# Scrapy reads a callback's source to warn about `return value` in generators; its cache is keyed
# by the bound method, which a run's workers create anew for each request they take from Redis
# (seen in a worker's profile: tokenizing portal.py for every response). GovWatch's callbacks
# are tested; the check is not needed.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Many hosts in one engine: serve the least busy download slots first, so a slow host's
# backlog does not fill the run's total concurrency while other hosts wait.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
DOWNLOADER = "crawler.downloader.PoliteDownloader"  # per-host concurrency also at delay 0
DOWNLOAD_HANDLERS = {"http": "crawler.handlers.HTTPHandler", "https": "crawler.handlers.HTTPHandler"}
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Each spider middleware wraps every object a callback yields in one more async generator, so
# those GovWatch does not use are off: depth (no depth limit), URL length (an overlong link is
# requested and judged, not dropped unseen) and the meta-copy debugging aid.
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.PageErrorMiddleware": 50,  # outermost: sees every callback's error
    "crawler.pipelines.ItemsToStore": 1000,  # innermost: items go to the store, not down the chain
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
# after Scrapy's RetryMiddleware (550) in the request path, so before it for responses
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteBudgetMiddleware": 50,  # first: a site out of time sends nothing more
    "crawler.middlewares.PrivateAddressMiddleware": 60,  # before robots.txt is fetched from the host
    "crawler.middlewares.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,  # Scrapy's retries with backoff
    # the spider requests only URLs it chose, with no credentials and no allowed_domains
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
}
EXTENSIONS = {"crawler.progress.Progress": 500, "crawler.canary.Canary": 510}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# GovWatch settings (set per crawl by `govwatch crawl`)
GOVWATCH_BATCH_SIZE = 500  # rows per store transaction
GOVWATCH_CANARY_INTERVAL = 30.0  # seconds between canary probes
GOVWATCH_CANARY_URL = None  # a URL the monitor can always reach (sites file: crawl.canary)
GOVWATCH_DATABASE = None  # SQLAlchemy URL of the store
GOVWATCH_KEEP_ALIVE_PER_HOST = 2  # connections kept open per host: the largest slot concurrency
# processes analysing pages beside the engine (crawl.parse_workers; None: crawler.parsing.worker_count)
GOVWATCH_PARSE_WORKERS = _CRAWL.parse_workers
GOVWATCH_PROGRESS = False  # a one-line progress display on stderr
GOVWATCH_RETRY_BACKOFF = 0.5  # seconds before the first retry, doubled for each next one
GOVWATCH_RETRY_BACKOFF_MAX = 10.0
GOVWATCH_RETRY_AFTER_ENABLED = True  # honour Retry-After on 429/503
GOVWATCH_RETRY_AFTER_MAX = 30.0  # seconds; a longer wait is not waited for (rate-limited)
GOVWATCH_RUN_ID = None


def run_settings(default: Any, sites: list[tuple[list[str], Any]], **govwatch: Any) -> dict[str, Any]:
    """Settings for a run's one engine: ``default`` is the top-level `crawl` config (any host
    no site claims, e.g. www.gov.cn), ``sites`` pairs each site's hosts with its merged config.

    Politeness is per host: a host's download slot takes the strictest `concurrency` and
    `delay` of the sites on it. Per-site limits that are not per host (timeout, retries,
    robots) travel in each request's meta (crawler.spiders.portal.PortalCrawl.request)."""
    out = {name: value for name, value in globals().items() if name.isupper()}
    slots: dict[str, dict[str, float]] = {}
    for hosts, crawl in sites:
        for host in hosts:
            slot = slots.setdefault(host, {"concurrency": crawl.concurrency, "delay": crawl.delay})
            slot["concurrency"] = min(slot["concurrency"], crawl.concurrency)
            slot["delay"] = max(slot["delay"], crawl.delay)
    out.update(
        CONCURRENT_REQUESTS=default.total_concurrency,
        CONCURRENT_REQUESTS_PER_DOMAIN=default.concurrency,
        DOWNLOAD_DELAY=default.delay,
        DOWNLOAD_SLOTS=slots,
        DOWNLOAD_TIMEOUT=default.timeout,
        USER_AGENT=default.user_agent,
        # a site with `robots: false` skips it per request; off for all only when no site wants it
        ROBOTSTXT_OBEY=default.robots or any(crawl.robots for _, crawl in sites),
        RETRY_TIMES=default.retries,
        GOVWATCH_CANARY_URL=default.canary,
        GOVWATCH_PARSE_WORKERS=default.parse_workers,
        GOVWATCH_KEEP_ALIVE_PER_HOST=max(
            [default.concurrency, *(int(slot["concurrency"]) for slot in slots.values())]
        ),
    )
    out.update({f"GOVWATCH_{k.upper()}": v for k, v in govwatch.items()})
    return out
