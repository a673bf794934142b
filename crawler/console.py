"""The console a person (or a cron mail) reads: one line per problem, tracebacks only with --debug.

A crawl meets hundreds of refused connections and timeouts on a bad night; each becomes a link
verdict in the store and a line in the summary, not a traceback. Scrapy logs each of them at
ERROR with its whole chain (612 traceback lines in one run), so those records are dropped here
unless asked for with -v.
"""

from __future__ import annotations

import logging
import re
import warnings

# Scrapy's per-request download failures: recorded as verdicts by the spiders' errbacks
_VERDICT_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt",
                    "scrapy.core.scraper", "scrapy_playwright")
_VERDICT_MESSAGES = ("Gave up retrying", "Error downloading", "Error while obtaining start requests")


# a URL's credentials (database, queue, proxy URLs: Scrapy logs its settings with -vv)
_USERINFO = re.compile(r"([a-z][\w+.-]*://)[^\s/@]+@", re.I)


class ConsoleFormatter(logging.Formatter):
    """``LEVEL logger: message``; an exception adds ``(Type: message)`` on the same line, and
    its traceback only when ``debug``."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        return _USERINFO.sub(r"\1***@", self._format(record))

    def _format(self, record: logging.LogRecord) -> str:
        if self.debug or not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None, "stack_info": None})
        line = super().format(plain)
        if exc is not None and str(exc) not in line:
            line += f" ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})"
        return line


class VerdictNoise(logging.Filter):
    """Drops Scrapy's log records of download failures that the crawl records as verdicts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_VERDICT_LOGGERS):
            return True
        return not str(record.msg).startswith(_VERDICT_MESSAGES)


def quiet_known_warnings() -> None:
    """Warnings about choices GovWatch makes knowingly (each one explained where it is made)."""
    # crawler.tlscheck.PermissiveContextFactory: the only way to reach TLS 1.0 servers with
    # SHA-1 signatures in Scrapy 2.19 (pinned < 2.20)
    warnings.filterwarnings("ignore", message="The 'DOWNLOADER_CLIENTCONTEXTFACTORY' setting is deprecated")


def setup(verbose: int, debug: bool) -> logging.Handler:
    level = max(logging.WARNING - 10 * verbose, logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setFormatter(ConsoleFormatter(debug))
    if verbose == 0 and not debug:
        handler.addFilter(VerdictNoise())
    # the level sits on the handler: Scrapy resets its loggers' levels when a crawl starts
    handler.setLevel(level)
    logging.root.addHandler(handler)
    logging.root.setLevel(level)
    for noisy in ("scrapy", "twisted", "weasyprint", "fontTools", "alembic", "apprise", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose < 2 else logging.DEBUG)
    logging.captureWarnings(True)
    quiet_known_warnings()
    return handler
