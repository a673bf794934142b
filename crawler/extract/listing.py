"""List pages of a column: their dated rows and the other pages of the same list.

A row is an li/tr/dd holding a link; the list is the container with the most dated rows,
so the navigation, footers and "related links" blocks are not taken for items. Pagination is
the plain-link form (numbered links and 下一页 inside a pager, as TRS pages show after their
script ran); script-written and Hanweb datastore pagination come with the CMS extractors.
留言 rows also get their reply state and reply date (crawler.extract.messages); their date is
when the message was left.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.extract.dates import find_dates
from crawler.extract.links import normalize_url
from crawler.extract.messages import read_message_row

_ROW_TAGS = ("li", "tr", "dd")
_CHROME = re.compile(r"nav|menu|header|footer|banner|breadcrumb|position|crumb|daohang|foot|top", re.I)
_PAGER = re.compile(r"page|pag|fenye|pager|pgn", re.I)
_NEXT_TEXT = re.compile(r"^(下一页|下页|尾页|末页|后页|>|>>|›|»)$")
# what an empty list says on Chinese government sites
EMPTY_MARKERS = ("暂无信息", "暂无数据", "暂无内容", "暂无记录", "没有相关信息", "没有记录", "暂无相关信息", "无相关信息")
# 置顶 rows keep an old item on top of the list; they must not make a column look fresh
_PINNED = re.compile(r"置顶|\[顶\]|【顶】")


@dataclass(frozen=True)
class ListItem:
    url: str
    title: str
    date: dt.date | None
    pinned: bool = False
    state: str | None = None  # interaction (留言) rows: answered | unanswered
    answered_on: dt.date | None = None  # the reply's date, where the row shows one


@dataclass(frozen=True)
class ListFacts:
    items: tuple[ListItem, ...]
    pages: tuple[str, ...]  # other pages of the same list
    empty_marker: bool  # the page says the list is empty

    @property
    def is_list(self) -> bool:
        return bool(self.items) or self.empty_marker


def _in_chrome(el) -> bool:
    for anc in el.iterancestors():
        if anc.tag in ("nav", "header", "footer"):
            return True
        if _CHROME.search((anc.get("class") or "") + " " + (anc.get("id") or "")):
            return True
    return False


def _row_of(link):
    for anc in link.iterancestors(*_ROW_TAGS):
        return anc
    return None


def extract_list(doc: lxml_html.HtmlElement, page_url: str) -> ListFacts:
    containers: dict = {}
    headers: dict = {}  # table/list -> its header's column roles (留言 tables), read once
    for row in doc.iter(*_ROW_TAGS):
        links = [a for a in row.iter("a") if a.get("href")]
        if not links or _in_chrome(row):
            continue
        # the title link: the longest anchor text in the row
        a = max(links, key=lambda x: len(x.text_content().strip()))
        url = normalize_url(a.get("href"), page_url)
        if url is None:
            continue
        title = " ".join((a.get("title") or a.text_content()).split())
        row_text = row.text_content()
        dates = find_dates(row_text.replace(a.text_content(), " ")) or find_dates(row_text)
        date = dates[0] if dates else None
        # 留言 rows: reply state and dates; the item's date is when the message was left
        state, asked_on, answered_on = read_message_row(row, a, headers)
        if state is not None and asked_on is not None:
            date = asked_on
        item = ListItem(url, title, date, bool(_PINNED.search(row_text)), state, answered_on)
        containers.setdefault(row.getparent(), []).append(item)
    items: tuple[ListItem, ...] = ()
    if containers:
        best = max(containers.values(), key=lambda rows: (sum(r.date is not None for r in rows), len(rows)))
        if any(r.date is not None for r in best):
            items = tuple(best)
    text = doc.text_content()
    empty = not items and any(marker in text for marker in EMPTY_MARKERS)
    return ListFacts(items, tuple(_pages(doc, page_url)), empty)


def same_list(url: str, page_url: str) -> bool:
    """Pages of one list share host and folder: a guard against calendars and other traps."""
    a, b = urlsplit(url), urlsplit(page_url)
    folder = b.path.rsplit("/", 1)[0] + "/"
    return a.netloc == b.netloc and a.path.startswith(folder)


def _pages(doc: lxml_html.HtmlElement, page_url: str) -> list[str]:
    out: list[str] = []
    for a in doc.iter("a"):
        text = " ".join(a.text_content().split())
        in_pager = any(
            _PAGER.search((anc.get("class") or "") + " " + (anc.get("id") or ""))
            for anc in a.iterancestors()
        )
        if not (_NEXT_TEXT.match(text) or (in_pager and (text.isdigit() or text in ("首页", "上一页")))):
            continue
        url = normalize_url(a.get("href"), page_url)
        if url and url != page_url and same_list(url, page_url) and url not in out:
            out.append(url)
    return out
