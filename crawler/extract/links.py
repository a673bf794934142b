"""Every link on a page: anchors, images, frames, scripts, stylesheets — absolute, defragmented."""

from __future__ import annotations

import ipaddress
import posixpath
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import html as lxml_html
from w3lib.url import safe_url_string

# Schemes that are not fetched: they cannot be dead in the HTTP sense.
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "about:", "weixin:")

ATTACHMENT_EXTENSIONS = frozenset(
    ".pdf .doc .docx .xls .xlsx .ppt .pptx .wps .et .dps .ofd .zip .rar .7z .txt .csv".split()
)
ASSET_EXTENSIONS = frozenset(
    ".jpg .jpeg .png .gif .bmp .webp .svg .ico .css .js .mp4 .mp3 .flv .swf .woff .woff2 .ttf".split()
)

_SOURCES = (
    ("a", "href"),
    ("area", "href"),
    ("img", "src"),
    ("iframe", "src"),
    ("frame", "src"),
    ("script", "src"),
    ("link", "href"),
    ("embed", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
)


@dataclass(frozen=True)
class PageLink:
    url: str
    anchor: str
    tag: str


def normalize_url(href: str, base: str) -> str | None:
    """Absolute http(s) URL without fragment, or None for links that are never fetched (and
    for malformed ones: see ``resolve`` for why)."""
    return resolve(href, base)[0]


def resolve(href: str, base: str) -> tuple[str | None, str | None]:
    """(absolute http(s) URL without fragment, None), or (None, None) for a link that is never
    fetched, or (the href as written, why) for one that cannot be: an editor's full-width
    colon, a port like ``:99999`` or ``:8O8O``, an unclosed ``[::1``. Crawled pages are
    hostile: one bad href must cost one finding, never the page."""
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(SKIPPED_SCHEMES):
        return None, None
    try:
        url = safe_url_string(urljoin(base, href))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, None
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError as exc:
        return " ".join(href.split())[:1000], str(exc)
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, "")), None


def url_problem(url: str) -> str | None:
    """Why an absolute URL cannot be requested (malformed host or port), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
        return None if parts.hostname else "no host name"
    except ValueError as exc:
        return str(exc)


def is_private_host(host: str | None) -> bool:
    """An IP literal on a loopback, private, link-local or otherwise non-public network (a
    public site has no business linking 169.254.169.254 or 10.x; the monitor's own network
    is not the audit's to probe). Host names are not resolved here."""
    try:
        ip = ipaddress.ip_address((host or "").strip("[]"))
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified


def extension(url: str) -> str:
    return posixpath.splitext(urlsplit(url).path)[1].lower()


def is_attachment(url: str) -> bool:
    return extension(url) in ATTACHMENT_EXTENSIONS


def is_asset(url: str) -> bool:
    return extension(url) in ASSET_EXTENSIONS


def anchor_text(el) -> str:
    text = " ".join(el.text_content().split())
    if not text and el.tag in ("a", "area"):
        text = el.get("title") or ""
        for img in el.iter("img"):
            text = text or img.get("alt") or ""
    if not text and el.tag == "img":
        text = el.get("alt") or ""
    return text[:300]


def extract_links(doc: lxml_html.HtmlElement, page_url: str) -> list[PageLink]:
    """All distinct (url, tag) links of a parsed page, in document order."""
    base = page_url
    for b in doc.iter("base"):
        if b.get("href"):
            joined, problem = resolve(b.get("href"), page_url)
            base = joined if joined and not problem else page_url
            break
    seen: set[tuple[str, str]] = set()
    out: list[PageLink] = []
    for el in doc.iter(*(tag for tag, _ in _SOURCES)):
        attr = dict(_SOURCES)[el.tag]
        if el.tag == "link" and (el.get("rel") or "").lower() in ("canonical", "alternate", "dns-prefetch", "preconnect"):
            continue
        url, _problem = resolve(el.get(attr), base)  # a malformed one is kept as written (url_problem)
        if url is None or (url, el.tag) in seen:
            continue
        seen.add((url, el.tag))
        out.append(PageLink(url, anchor_text(el) if el.tag in ("a", "area", "img") else "", el.tag))
    return out
