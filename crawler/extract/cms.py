"""What government CMSs hide in scripts: TRS WCM's script-written pagers and 大汉 Hanweb's
datastore lists and their ``dataproxy.jsp`` endpoint (research/gov-cms-patterns.md §1.2, §2.2-2.3).

Pure functions over the parsed page: the spider decides what to request.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from lxml import html as lxml_html

# -- TRS WCM ---------------------------------------------------------------------------------

_CREATE_PAGE = re.compile(r'createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["\']([^"\']+)["\']\s*,\s*["\']([^"\']+)["\']')
_COUNT_PAGE = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
_JS_COMMENTS = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.S | re.M)


def trs_pages(doc: lxml_html.HtmlElement, page_url: str, limit: int = 1000) -> list[str]:
    """The other list pages a TRS pager script would write: index.html, index_1.html, ...

    HTML comments are gone from the parsed tree and whole-line JS comments are dropped, so
    an old commented-out ``countPage`` is not believed (seen on real sites).
    """
    for script in doc.iter("script"):
        code = _JS_COMMENTS.sub("", script.text or "")
        if m := _CREATE_PAGE.search(code):
            count, name, ext = int(m.group(1)), m.group(3), m.group(4)
        elif m := _COUNT_PAGE.search(code):
            path = urlsplit(page_url).path
            stem = path.rsplit("/", 1)[-1] or "index.html"
            count, ext = int(m.group(1)), stem.rsplit(".", 1)[-1] if "." in stem else "html"
            name = "index"
        else:
            continue
        names = [f"{name}.{ext}"] + [f"{name}_{i}.{ext}" for i in range(1, min(count, limit))]
        return [urljoin(page_url, n) for n in names if urljoin(page_url, n) != page_url]
    return []


# -- Hanweb JCMS -----------------------------------------------------------------------------

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S)
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>")
_PROXY_URL = re.compile(r"""proxyUrl\s*:\s*['"]([^'"]+)['"]""")
_JP_TOTAL = re.compile(r"totalRecord\s*:\s*(\d+)")
_JP_PER_PAGE = re.compile(r"perPage\s*:\s*(\d+)")
_AJAX_PARAM = re.compile(r"ajaxParam\s*:\s*\{([^}]*)\}", re.S)
_PARAM = re.compile(r"""(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,\s}]+))""")


@dataclass(frozen=True)
class Datastore:
    records: tuple[str, ...]  # HTML fragments, one per list row
    total_records: int | None = None
    total_pages: int | None = None
    next_group: str | None = None  # the dataproxy URL of the next group, as the page gives it


@dataclass(frozen=True)
class HanwebList:
    """A Hanweb list page's paging: how to ask dataproxy.jsp for the rest of the column."""

    proxy_url: str  # absolute
    params: dict[str, str] = field(default_factory=dict)  # the jpage ajaxParam (POST fields)
    total_records: int | None = None
    per_page: int = 15
    next_group: str | None = None

    def requests(self, max_pages: int) -> list[tuple[str, str, dict[str, str] | None]]:
        """(url, method, form) for list pages 2..n: GET by page number when the page gives a
        nextgroup link, else POST by record range as the jpage plugin does."""
        pages = math.ceil(self.total_records / self.per_page) if self.total_records else 2
        pages = min(pages, max_pages)
        out: list[tuple[str, str, dict[str, str] | None]] = []
        if self.next_group:
            parts = urlsplit(self.next_group)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            for page in range(2, pages + 1):
                query["page"] = str(page)
                out.append((parts._replace(query=urlencode(query)).geturl(), "GET", None))
        elif self.params:
            for page in range(2, pages + 1):
                start = (page - 1) * self.per_page + 1
                query = urlencode({"startrecord": start, "endrecord": start + self.per_page - 1,
                                   "perpage": self.per_page})
                out.append((f"{self.proxy_url}?{query}", "POST", dict(self.params)))
        return out


def parse_datastore(text: str) -> Datastore:
    nextgroup = None
    if m := _NEXTGROUP.search(text):
        if href := re.search(r"""href\s*=\s*['"]([^'"]+)['"]""", m.group(1)):
            nextgroup = href.group(1).replace("&amp;", "&")
    total = _TOTAL_RECORD.search(text)
    pages = _TOTAL_PAGE.search(text)
    return Datastore(tuple(_RECORD.findall(text)), int(total.group(1)) if total else None,
                     int(pages.group(1)) if pages else None, nextgroup)


def expand_datastores(doc: lxml_html.HtmlElement, page_url: str) -> HanwebList | None:
    """Replace each ``<script type="text/xml"><datastore>`` by its rows (so the list extractor
    sees them) and return how to page through the rest, if the page says."""
    found: HanwebList | None = None
    for script in list(doc.iter("script")):
        text = script.text or ""
        if (script.get("type") or "").lower() != "text/xml" or "<datastore" not in text:
            continue
        store = parse_datastore(text)
        rows = lxml_html.fragment_fromstring("<ul class='govwatch-datastore'>" + "".join(store.records) + "</ul>")
        rows.tail = script.tail
        script.getparent().replace(script, rows)
        next_group = urljoin(page_url, store.next_group) if store.next_group else None
        proxy = next_group.split("?", 1)[0] if next_group else None
        found = HanwebList(proxy or urljoin(page_url, "/module/web/jpage/dataproxy.jsp"),
                           total_records=store.total_records, next_group=next_group)
    for script in doc.iter("script"):  # the jpage plugin call: totals and POST fields
        code = script.text or ""
        if "proxyUrl" not in code and "ajaxParam" not in code:
            continue
        params = {}
        if m := _AJAX_PARAM.search(code):
            params = {k: next(v for v in vals if v) if any(vals) else "" for k, *vals in _PARAM.findall(m.group(1))}
        proxy = _PROXY_URL.search(code)
        total = _JP_TOTAL.search(code)
        per_page = _JP_PER_PAGE.search(code)
        base = found or HanwebList(urljoin(page_url, proxy.group(1)) if proxy else
                                   urljoin(page_url, "/module/web/jpage/dataproxy.jsp"))
        found = HanwebList(
            urljoin(page_url, proxy.group(1)) if proxy else base.proxy_url, params or base.params,
            int(total.group(1)) if total else base.total_records,
            int(per_page.group(1)) if per_page else base.per_page, base.next_group,
        )
        break
    return found


def records_document(text: str) -> lxml_html.HtmlElement:
    """A dataproxy.jsp answer as an HTML document of its rows (for the list extractor)."""
    store = parse_datastore(text)
    return lxml_html.document_fromstring(
        "<html><body><ul class='govwatch-datastore'>" + ("".join(store.records) or "") + "</ul></body></html>")
