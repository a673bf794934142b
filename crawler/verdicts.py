"""Link verdicts from an HTTP status or a download failure.

Only ``dead`` becomes a violation by default; everything that may be transient or caused by
the monitor itself (bot blocks, rate limits, timeouts, server errors) is recorded apart, since
a false dead link in an audit report costs a department points it did not lose.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net_error
from twisted.web._newclient import ResponseNeverReceived

DEAD_STATUSES = frozenset({404, 410})
VERDICTS = (
    "ok", "redirected", "dead", "server-error", "blocked", "rate-limited", "timeout",
    "tls-error", "error", "skipped",
)


def verdict_for_status(status: int, redirected: bool = False) -> str:
    if 200 <= status < 300:
        return "redirected" if redirected else "ok"
    if status in DEAD_STATUSES:
        return "dead"
    if status == 429:
        return "rate-limited"
    if status in (401, 403, 412):
        return "blocked"
    if status >= 500:
        return "server-error"
    if 300 <= status < 400:
        return "redirected"  # a redirect without Location, or a loop cut short
    return "error"


def verdict_for_failure(exc: BaseException) -> tuple[str, str]:
    """(verdict, error class name) for a request that got no response."""
    name = type(exc).__name__
    if isinstance(exc, IgnoreRequest):
        return "skipped", str(exc) or name  # robots.txt, offsite: not checked, never dead
    if isinstance(exc, (net_error.DNSLookupError, net_error.ConnectionRefusedError, net_error.NoRouteError)):
        return "dead", name
    if isinstance(exc, (net_error.TimeoutError, net_error.TCPTimedOutError)):
        return "timeout", name
    if "SSL" in name or "TLS" in name or "Certificate" in name or (
        isinstance(exc, ResponseNeverReceived) and any("SSL" in repr(r) for r in getattr(exc, "reasons", []))
    ):
        return "tls-error", name
    return "error", name
