"""Columns (栏目) from a home page's navigation, and their category from their names.

Categories follow the national indicators (DESIGN.md): news 14 days, notice/policy 6 months,
personnel/plan 1 year; interpretation, interaction and static pages have rules of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.extract.links import is_asset, is_attachment, normalize_url

# First match wins: 政策解读 is an interpretation column, not a policy one.
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("interpretation", "解读"),
    ("interaction", "留言|信箱|互动|咨询|征集|访谈|调查|建言|投诉"),
    ("static", "机构|职能|领导|概况|简介|介绍|地理|历史|联系我们|网站地图|关于|指南|办事"),
    ("personnel", "人事|任免|招聘|招考|录用|干部"),
    ("plan", "规划|计划|总结"),
    ("policy", "政策|文件|法规|规章|规范性|条例"),
    ("notice", "通知|公告|公示|通告|通报"),
    ("news", "要闻|动态|新闻|工作|资讯|快讯|头条|图片|部门|乡镇|信息"),
)
_NAV = re.compile(r"nav|menu|daohang|dh\b|column|lanmu", re.I)


@dataclass(frozen=True)
class NavEntry:
    name: str
    url: str


def categorize(name: str) -> str:
    for category, words in _CATEGORY_WORDS:
        if re.search(words, name):
            return category
    return "other"


def _is_nav(el) -> bool:
    if el.tag == "nav":
        return True
    return bool(_NAV.search((el.get("class") or "") + " " + (el.get("id") or "")))


def discover_columns(doc: lxml_html.HtmlElement, page_url: str) -> list[NavEntry]:
    """Same-host navigation entries of a page (home excluded), in order."""
    host = urlsplit(page_url).netloc
    home = urlsplit(page_url)._replace(path="/", query="", fragment="").geturl()
    out: list[NavEntry] = []
    seen: set[str] = set()
    for a in doc.iter("a"):
        if not any(_is_nav(anc) for anc in a.iterancestors()):
            continue
        url = normalize_url(a.get("href"), page_url)
        name = " ".join(a.text_content().split()) or (a.get("title") or "").strip()
        if not url or not name or url in seen or urlsplit(url).netloc != host:
            continue
        if url in (home, page_url) or url.rstrip("/").endswith(("/index.html", "/index.htm")) and urlsplit(url).path.count("/") == 1:
            continue  # the home page itself
        if is_attachment(url) or is_asset(url):
            continue
        seen.add(url)
        out.append(NavEntry(name[:100], url))
    return out


_CRUMB_TEXT = re.compile(r"当前位置|所在位置|您的位置|现在的位置|当前页面")
_CRUMB_CLASS = re.compile(r"crumb|position|location|weizhi|dqwz|path", re.I)


def breadcrumb_columns(doc: lxml_html.HtmlElement, page_url: str) -> list[NavEntry]:
    """The column path of a page from its breadcrumb (当前位置：首页 > 政务公开 > 通知公告),
    home excluded, outermost first; the last entry is the page's own column."""
    host = urlsplit(page_url).netloc
    for el in doc.iter("div", "td", "p", "ul", "nav", "span", "h2"):
        marked = _CRUMB_CLASS.search((el.get("class") or "") + " " + (el.get("id") or ""))
        if not marked and not _CRUMB_TEXT.search((el.text or "")[:30]):
            continue
        entries = []
        for a in el.iter("a"):
            url = normalize_url(a.get("href"), page_url)
            name = " ".join(a.text_content().split())
            if not url or not name or urlsplit(url).netloc != host or urlsplit(url).path in ("", "/", "/index.html"):
                continue
            if url != page_url and not is_attachment(url):
                entries.append(NavEntry(name[:100], url))
        if entries and len(el.text_content()) < 400:  # a breadcrumb, not a whole page region
            return entries
    return []
