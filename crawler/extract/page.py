"""What the extractors see in one page: the facts the spider stores and `govwatch inspect` shows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.extract.hidden import hidden_outbound_links
from crawler.extract.links import PageLink, extract_links, normalize_url
from crawler.extract.cms import HanwebList, expand_datastores, trs_pages
from crawler.extract.listing import ListFacts, extract_list, same_list
from crawler.extract.metadata import extract_metadata
from crawler.extract.pubdate import published_date  # noqa: F401 - part of this module's API
from crawler.extract.text import walk_text

_ERROR_TITLES = re.compile(r"404|页面不存在|找不到|not found|已删除|出错", re.I)
_DROP = ("script", "style", "noscript", "template")


@dataclass
class PageFacts:
    url: str
    title: str | None
    published: dt.date | None
    published_source: str | None
    metadata: dict[str, str]
    links: list[PageLink]
    kind: str  # article | list | home | error | page
    listing: ListFacts
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    doc: Any = field(default=None, repr=False)  # the parsed tree, for column discovery
    refresh: str | None = None  # where a meta refresh or a script sends the reader
    hanweb: HanwebList | None = None  # a Hanweb list's dataproxy paging
    hidden: list[dict[str, str]] = field(default_factory=list)  # outbound links hidden from readers

    def as_json(self) -> dict:
        out = {
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "published_source": self.published_source,
            "metadata": self.metadata,
            "kind": self.kind,
            "links": [{"url": l.url, "anchor": l.anchor, "tag": l.tag} for l in self.links],
        }
        if self.kind == "list":
            out["items"] = [
                {"url": i.url, "title": i.title, "date": i.date.isoformat() if i.date else None}
                for i in self.listing.items
            ]
            out["pages"] = list(self.listing.pages)
        if self.hidden:
            out["hidden_links"] = self.hidden
        return out


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.I)
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn"}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_PARSER = lxml_html.HTMLParser(remove_comments=True)


def decode_html(body: bytes, declared: str | None = None) -> str:
    """Text of a page whose charset may be missing or wrong (GBK pages labelled UTF-8 and the
    reverse are common). Strict UTF-8 first — valid UTF-8 is almost never an accident —
    then the HTTP header's and the page's own charset, then GB18030 (a superset of GB2312 and
    GBK); bs4's UnicodeDammit guesses the rest."""
    meta = _META_CHARSET.search(body[:4096])
    for name in ("utf-8", declared, meta.group(1).decode("ascii", "ignore") if meta else None, "gb18030"):
        if not name:
            continue
        name = "gb18030" if name.lower() in _GB else name
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    from bs4 import UnicodeDammit

    return UnicodeDammit(body).unicode_markup or body.decode("utf-8", "replace")


def parse_html(body: bytes | str, encoding: str | None = None) -> lxml_html.HtmlElement:
    text = decode_html(body, encoding) if isinstance(body, bytes) else body
    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"))  # lxml refuses str with an encoding declaration
    return lxml_html.document_fromstring(text or "<html></html>", parser=_PARSER)


def _metas(doc) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip()
        if name and m.get("content") is not None:
            out.setdefault(name, m.get("content").strip())
    return out


def visible_text(doc) -> str:
    """The body's text in document order, runs of spaces and blank lines collapsed."""
    body = doc.find("body")
    root = body if body is not None else doc
    text = walk_text(root, hidden=_DROP)
    return re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


def analyse(body: bytes | str, url: str, *, encoding: str | None = None, status: int = 200, is_home: bool = False) -> PageFacts:
    doc = parse_html(body, encoding)
    refresh = refresh_target(doc, url)
    hanweb = expand_datastores(doc, url)  # before scripts are dropped: they hold the list
    script_pages = trs_pages(doc, url)
    for bad in doc.iter(*_DROP):
        bad.text = None  # keep tails; script bodies are not page text
    meta = _metas(doc)
    title_el = doc.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else None
    h1 = doc.find(".//h1")
    heading = " ".join(h1.text_content().split()) if h1 is not None else None
    title = meta.get("ArticleTitle") or heading or title
    text = visible_text(doc)
    metadata = extract_metadata(doc)
    links = extract_links(doc, url)
    if refresh and all(link.url != refresh for link in links):
        links.append(PageLink(refresh, "", "refresh"))  # where the page sends its readers is a link too
    listing = extract_list(doc, url)
    if script_pages:
        extra = [p for p in script_pages if p not in listing.pages and same_list(p, url)]
        listing = replace(listing, pages=listing.pages + tuple(extra))
    published, source = published_date(meta, metadata, url, text, title)
    if status >= 400 or (len(text) < 400 and title and _ERROR_TITLES.search(title)):
        kind = "error"
    elif is_home or urlsplit(url).path in ("", "/", "/index.html", "/index.htm", "/index.shtml"):
        kind = "home"
    elif listing.is_list and (listing.empty_marker or source in (None, "url") or len(listing.items) >= 10):
        # an article with a short "related items" list is still an article
        kind = "list"
    elif published is not None or metadata or _article_layout(doc, heading or meta.get("ArticleTitle")):
        kind = "article"
    else:
        kind = "page"
    return PageFacts(url, title, published, source, metadata, links, kind, listing, text, meta, doc, refresh, hanweb,
                     hidden_outbound_links(doc, url))


_ARTICLE_PARAGRAPHS = 200  # characters of paragraph text under a heading that make an article


def _article_layout(doc, heading: str | None) -> bool:
    """A heading over paragraphs of prose: an article even when it shows no date nor metadata."""
    if not heading:
        return False
    total = 0
    for p in doc.iter("p"):
        total += len("".join(p.itertext()).strip())
        if total >= _ARTICLE_PARAGRAPHS:
            return True
    return False


_SCRIPT_LOCATION = re.compile(r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']""")
_REFRESH = re.compile(r"""url\s*=\s*['"]?([^'";]+)""", re.I)


def refresh_target(doc, url: str) -> str | None:
    """The page a meta refresh or a location script moves on to (judged before following it)."""
    for m in doc.iter("meta"):
        if (m.get("http-equiv") or "").lower() == "refresh" and (match := _REFRESH.search(m.get("content") or "")):
            return normalize_url(match.group(1).strip(), url)
    for script in doc.iter("script"):
        if script.text and (match := _SCRIPT_LOCATION.search(script.text)):
            return normalize_url(match.group(1), url)
    return None
