"""Link verdicts from an HTTP response or a download failure.

Only ``dead``, ``soft-404`` and ``bad-attachment`` become violations by default; everything
that may be transient or caused by the monitor itself (bot blocks, rate limits, timeouts,
server errors, resets) is recorded apart, since a false dead link in an audit report costs a
department points it did not lose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net_error

from crawler.extract.links import ATTACHMENT_EXTENSIONS, extension

DEAD_STATUSES = frozenset({404, 410})
VERDICTS = (
    "ok", "redirected", "dead", "soft-404", "bad-attachment", "server-error", "blocked", "rate-limited",
    "timeout", "tls-error", "redirect-loop", "error", "skipped", "malformed", "private",
)
# What Chinese government CMSs and WAFs say on an error page served with HTTP 200.
SOFT_404_PHRASES = (
    "页面不存在", "您访问的页面不存在", "您要访问的页面不存在", "页面已被删除", "页面未找到", "找不到页面",
    "找不到该页面", "该页面已被删除", "信息已删除", "该信息已被删除", "信息不存在", "文章不存在", "页面已失效",
    "404 Not Found", "Page Not Found",
)
_ERROR_PATH = re.compile(r"/(404|error|notfound|not_found|404\.html?|error\.html?)(/|$|\.|\?)", re.I)

_DEAD_ERRORS: tuple[type, ...] = (
    scrapy_errors.CannotResolveHostError, scrapy_errors.DownloadConnectionRefusedError,
    net_error.DNSLookupError, net_error.ConnectionRefusedError, net_error.NoRouteError,
)
_TIMEOUT_ERRORS: tuple[type, ...] = (
    scrapy_errors.DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError,
)

# File signatures by extension family: a 2xx attachment that matches none is not the file.
_OFFICE = (b"\xd0\xcf\x11\xe0", b"PK\x03\x04", b"{\\rtf")
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".doc": _OFFICE, ".docx": _OFFICE, ".xls": _OFFICE, ".xlsx": _OFFICE, ".ppt": _OFFICE,
    ".pptx": _OFFICE, ".wps": _OFFICE, ".et": _OFFICE, ".dps": _OFFICE,
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"), ".ofd": (b"PK\x03\x04",), ".rar": (b"Rar!",),
    ".7z": (b"7z\xbc\xaf\x27\x1c",),
    ".png": (b"\x89PNG",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF8",), ".bmp": (b"BM",),
}


@dataclass(frozen=True)
class Verdict:
    verdict: str
    note: str | None = None  # why: the phrase, the signature, the refresh target


def verdict_for_status(status: int, redirected: bool = False) -> str:
    if 200 <= status < 300:
        return "redirected" if redirected else "ok"
    if status in DEAD_STATUSES:
        return "dead"
    if status == 429:
        return "rate-limited"
    if status in (401, 403, 412):
        return "blocked"  # bot walls and JS cookie challenges: the page may well be there
    if status >= 500:
        return "server-error"
    if 300 <= status < 400:
        return "redirected"  # a redirect without Location
    return "error"


class PrivateAddress(IgnoreRequest):
    """A public site's request to a loopback, private or link-local address: not sent."""


def verdict_for_failure(exc: BaseException) -> tuple[str, str]:
    """(verdict, error class name) for a request that got no response."""
    name = type(exc).__name__
    if isinstance(exc, PrivateAddress):
        return "private", str(exc)
    if isinstance(exc, IgnoreRequest):
        if "redirect" in str(exc).lower():
            return "redirect-loop", str(exc)
        return "skipped", str(exc) or name  # robots.txt, offsite: not checked, never dead
    if isinstance(exc, _DEAD_ERRORS):
        return "dead", name
    if isinstance(exc, _TIMEOUT_ERRORS):
        return "timeout", name
    text = f"{name} {exc!r}"
    if "SSL" in text or "TLS" in text or "certificate" in text.lower():
        return "tls-error", name
    return "error", name


@dataclass(frozen=True)
class MissingPage:
    """What a site answers (with 2xx) for a URL that cannot exist: its error page's fingerprint."""

    final_url: str | None  # where the missing URL was redirected, if it was
    title: str | None
    text_length: int

    def matches(self, final_url: str, title: str | None, text: str) -> bool:
        if self.final_url is not None and final_url == self.final_url:
            return True
        close = abs(len(text) - self.text_length) <= max(50, self.text_length // 20)
        return title == self.title and close


def judge_page(url: str, final_url: str, title: str | None, text: str, home_url: str,
               refresh_target: str | None, phrases: tuple[str, ...] = SOFT_404_PHRASES,
               max_text: int = 500, missing_page: MissingPage | None = None) -> Verdict | None:
    """A soft 404: an HTML page served with 2xx that is really an error page. None if not."""
    start, final = urlsplit(url), urlsplit(final_url)
    home = urlsplit(home_url)
    if missing_page is not None and url != home_url and missing_page.matches(final_url, title, text):
        return Verdict("soft-404", "looks like this site's answer to a missing URL")
    if final_url != url and final.netloc == home.netloc and final.path in ("", "/", home.path) \
            and start.path not in ("", "/", home.path):
        return Verdict("soft-404", f"redirected to the home page {final_url}")
    if final_url != url and _ERROR_PATH.search(final.path):
        return Verdict("soft-404", f"redirected to an error page {final_url}")
    if refresh_target and _ERROR_PATH.search(urlsplit(refresh_target).path):
        return Verdict("soft-404", f"moves on to an error page {refresh_target}")
    for phrase in phrases:
        # an error page says so in its title, or in a very short body; an article that
        # mentions the phrase is not an error page (error pages inside the full site
        # template are recognised by their title)
        if (title and phrase in title) or (phrase in text and len(text) <= max_text):
            return Verdict("soft-404", phrase)
    return None


# A home page answering 2xx that is not the site: maintenance, construction, parked domains.
# Never bare 网站维护/系统维护: footers say 网站维护：县政府办公室 (who maintains the site).
NOT_THE_SITE_PHRASES = (
    "维护中", "正在维护", "升级维护", "停机维护", "系统升级中", "暂停访问", "暂停服务", "网站建设中", "正在建设中",
    "域名出售", "域名停放", "域名已过期", "under maintenance", "under construction", "domain is for sale",
    "domain may be for sale",
)


def not_the_site(title: str | None, text: str, links: int, body_head: bytes = b"",
                 max_text: int = 1500) -> str | None:
    """Why a 2xx home page is not the site (a maintenance, challenge or parked-domain page),
    or None. A real home page is long and links a great deal; such pages are short and say
    what they are in a few words, so a home page's notice about planned maintenance is not one."""
    if len(text) > max_text or links > 15:
        return None
    lowered = f"{title or ''} {text}".lower()
    for phrase in NOT_THE_SITE_PHRASES:
        if phrase in lowered:
            return f"not the site: {phrase}"
    if any(marker in body_head for marker in (b"__jsl_clearance", b"acw_sc__", "安全验证".encode())):
        return "not the site: a bot challenge"
    return None


def is_judged_file(url: str) -> bool:
    """Attachments and images: files whose body can be checked against their extension.
    Stylesheets, scripts and fonts are not: an empty .css is a legitimate file."""
    return extension(url) in _SIGNATURES or extension(url) in ATTACHMENT_EXTENSIONS


def judge_attachment(url: str, content_type: str | None, head: bytes) -> Verdict | None:
    """A bad attachment: a 2xx response whose body is not the file its extension promises."""
    ext = extension(url)
    if not head:
        return Verdict("bad-attachment", "empty body")
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if body.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<?xml")) and ext != ".svg":
        return Verdict("bad-attachment", "an HTML page served as " + ext)
    signatures = _SIGNATURES.get(ext)
    if signatures and not any(sig in head[:1024] if sig == b"%PDF" else head.startswith(sig) for sig in signatures):
        return Verdict("bad-attachment", f"not a {ext} file (content type {content_type or 'none'})")
    return None
