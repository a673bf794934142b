"""Scrapy settings for GovWatch crawls.

Scrapy's own settings come first, then GovWatch's (prefixed ``GOVWATCH_``). The defaults are
polite enough for a small county server; the sites file's `crawl` keys override them per site
(see ``crawl_settings``). Telnet console and remote control are off: they open local ports,
and remote control runs arbitrary code (Scrapy 2.19 enables it by default).
"""

from __future__ import annotations

from typing import Any

BOT_NAME = "govwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "GovWatch/0.1 (+https://github.com/govwatch/govwatch; government website monitor)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
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
RETRY_TIMES = 2
COOKIES_ENABLED = True
REDIRECT_MAX_TIMES = 10
# Items are stored synchronously in batches; fewer parallel items is faster (research/peer-bench.md).
CONCURRENT_ITEMS = 10
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# after Scrapy's RetryMiddleware (550) in the request path, so before it for responses
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryAfterMiddleware": 560,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,  # Scrapy's retries with backoff
}
EXTENSIONS = {"crawler.progress.Progress": 500, "crawler.canary.Canary": 510}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# GovWatch settings (set per crawl by `govwatch crawl`)
GOVWATCH_BATCH_SIZE = 500  # rows per store transaction
GOVWATCH_CANARY_INTERVAL = 30.0  # seconds between canary probes
GOVWATCH_CANARY_URL = None  # a URL the monitor can always reach (sites file: crawl.canary)
GOVWATCH_DATABASE = None  # SQLAlchemy URL of the store
GOVWATCH_MAX_LIST_PAGES = 50  # list pages followed per column
GOVWATCH_MAX_PAGES = 5000  # HTML pages parsed per site; further pages are only checked
GOVWATCH_PROGRESS = False  # a one-line progress display on stderr
GOVWATCH_RETRY_BACKOFF = 0.5  # seconds before the first retry, doubled for each next one
GOVWATCH_RETRY_BACKOFF_MAX = 10.0
GOVWATCH_RETRY_AFTER_ENABLED = True  # honour Retry-After on 429/503
GOVWATCH_RETRY_AFTER_MAX = 30.0  # seconds; a longer wait is not waited for (rate-limited)
GOVWATCH_RUN_ID = None
GOVWATCH_SITE = None  # the site this crawler audits
GOVWATCH_SOFT_404_PHRASES = []  # added to crawler.verdicts.SOFT_404_PHRASES
GOVWATCH_TEXT_CAP = 20000  # characters of page text stored


def crawl_settings(crawl: Any, **govwatch: Any) -> dict[str, Any]:
    """Settings for one site's crawler from its merged `crawl` config."""
    out = {name: value for name, value in globals().items() if name.isupper()}
    out.update(
        CONCURRENT_REQUESTS_PER_DOMAIN=crawl.concurrency,
        CONCURRENT_REQUESTS=max(16, crawl.concurrency * 4),
        DOWNLOAD_DELAY=crawl.delay,
        DOWNLOAD_TIMEOUT=crawl.timeout,
        USER_AGENT=crawl.user_agent,
        ROBOTSTXT_OBEY=crawl.robots,
        RETRY_TIMES=crawl.retries,
        GOVWATCH_MAX_PAGES=crawl.max_pages,
        GOVWATCH_MAX_LIST_PAGES=crawl.max_list_pages,
        GOVWATCH_TEXT_CAP=crawl.text_cap,
        GOVWATCH_CANARY_URL=crawl.canary,
        GOVWATCH_SOFT_404_PHRASES=list(crawl.soft_404_phrases),
    )
    out.update({f"GOVWATCH_{k.upper()}": v for k, v in govwatch.items()})
    return out
