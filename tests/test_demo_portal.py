"""The demo portal: planted problems hold, traps are sound, and nothing else is broken."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from lxml import html as lhtml

# Let the suite run from a checkout without `pip install -e .` (tests/ has no conftest yet).
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from govwatch.demo.portal import (ADMIN, BMDT_DEAD, DATAPROXY, GSGG_DEAD, GZDT_DEAD, JQUERY, REDIRECT,
                                 REDIRECT_TARGET, SOFT_404, build_portal, write_portal)
from govwatch.demo.server import PortalServer

AS_OF = date(2026, 11, 22)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    try:
        with _opener.open(urllib.request.Request(url, data=data, method=method, headers=headers or {}), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def post(url: str, form: dict[str, str]) -> tuple[int, dict, bytes]:
    return fetch(url, "POST", urlencode(form).encode("ascii"),
                 {"Content-Type": "application/x-www-form-urlencoded"})


# What a crawler must understand to reach every page (research/gov-cms-patterns.md §1.2, §2.2-2.3).
_CREATE_PAGE = re.compile(r'createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*"([^"]+)"\s*,\s*"([^"]+)"\s*\)')
_COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
_RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)
_NEXTGROUP = re.compile(r'<nextgroup><!\[CDATA\[<a href="([^"]+)"></a>\]\]></nextgroup>')
_TOTAL = re.compile(r"<totalrecord>(\d+)</totalrecord>")
_JSON_FETCH = re.compile(r"fetch\('([^']+\.json)'\)")


def script_pages(doc, page_url: str) -> list[str]:
    """The list pages a TRS pager script writes; a script inside an HTML comment is no script."""
    for script in doc.xpath("//script[not(@src)]"):
        code = script.text or ""
        if m := _CREATE_PAGE.search(code):
            count, name, ext = int(m[1]), m[3], m[4]
        elif m := _COUNT_PAGE.search(code):
            count, name, ext = int(m[1]), "index", "html"
        else:
            continue
        return [urljoin(page_url, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(count)]
    return []


def record_links(xml: str) -> list[str]:
    """The hrefs of a Hanweb datastore's records."""
    return [a for r in _RECORD.findall(xml) for a in lhtml.fragment_fromstring(r).xpath("//a/@href")]


def jpage(doc) -> dict | None:
    """The jpage plugin call of a Hanweb list page: proxyUrl, totalRecord, perPage, ajaxParam."""
    for script in doc.xpath("//script[not(@src)]"):
        code = script.text or ""
        if ".jpage(" not in code:
            continue
        params = re.search(r"ajaxParam:\{([^}]*)\}", code)[1]
        return {"proxy": re.search(r"proxyUrl:'([^']+)'", code)[1],
                "total": int(re.search(r"totalRecord:(\d+)", code)[1]),
                "per_page": int(re.search(r"perPage:(\d+)", code)[1]),
                "params": {k: a or b for k, a, b in re.findall(r"(\w+):(?:'([^']*)'|([^,']+))", params)}}
    return None


class Crawl(dict):
    """{page path: [(attr, raw href, absolute path)]} plus .feeds: the same for non-HTML sources
    (dataproxy.jsp answers, list.json) keyed by "GET url" / "POST url" / url."""

    feeds: dict[str, list[tuple[str, str, str]]]


def bfs(base: str, dead: set[str], cms: bool) -> Crawl:
    """Every HTML page reachable from home through hrefs; with cms=True also through TRS pager
    scripts, Hanweb datastores and dataproxy.jsp (GET pages and POST ranges), and fetched JSON lists."""
    pages, feeds = Crawl(), {}
    queue = ["/"]

    def follow(links, raw, attr, source_url):
        target = urlsplit(urljoin(source_url, raw)).path
        links.append((attr, raw, target))
        if attr != "src" and target.endswith((".html", "/")) and target not in dead | {ADMIN, REDIRECT}:
            queue.append(target)

    while queue:
        path = queue.pop(0)
        if path in pages:
            continue
        status, headers, body = fetch(base + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        doc = lhtml.fromstring(body)
        links: list[tuple[str, str, str]] = []
        for el, attr in [(e, "href") for e in doc.xpath("//*[@href]")] + [(e, "src") for e in doc.xpath("//*[@src]")]:
            raw = el.get(attr)
            if raw.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            follow(links, raw, attr, base + path)
        if cms:
            for url in script_pages(doc, base + path):
                follow(links, url, "script", base + path)
            for store in doc.xpath('//script[@type="text/xml"]/text()'):
                for raw in record_links(store):
                    follow(links, raw, "record", base + path)
                plugin = jpage(doc)
                nextgroup = _NEXTGROUP.search(store)[1]
                query = dict(parse_qsl(urlsplit(nextgroup).query))
                proxy = urljoin(base + path, plugin["proxy"])
                per = plugin["per_page"]
                for page in range(1, math.ceil(plugin["total"] / per) + 1):
                    get_url = f"{proxy}?{urlencode({**query, 'page': page})}"
                    start = (page - 1) * per + 1
                    post_url = f"{proxy}?startrecord={start}&endrecord={start + per - 1}&perpage={per}"
                    for key, (status, _, xml) in ((f"GET {get_url}", fetch(get_url)),
                                                  (f"POST {post_url}", post(post_url, plugin["params"]))):
                        assert status == 200, key
                        feeds[key] = []
                        for raw in record_links(xml.decode("utf-8")):
                            follow(feeds[key], raw, "record", proxy)
            for script in doc.xpath("//script[not(@src)]/text()"):
                for raw in _JSON_FETCH.findall(script):
                    url = urljoin(base + path, raw)
                    status, headers, data = fetch(url)
                    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8", url
                    feeds[url] = []
                    for item in json.loads(data)["items"]:
                        follow(feeds[url], item["url"], "json", url)
        pages[path] = links
    pages.feeds = feeds
    return pages


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    portal = write_portal(root, AS_OF)
    with PortalServer(root) as srv:
        yield portal, srv.url.rstrip("/"), root


@pytest.fixture(scope="module")
def crawl(served) -> Crawl:
    """Every HTML page a CMS-aware crawler with a browser reaches from home (see bfs)."""
    portal, base, _ = served
    return bfs(base, {p["url"] for p in portal.planted if p["rule"] == "dead-link"}, cms=True)


@pytest.fixture(scope="module")
def plain_crawl(served) -> Crawl:
    """Every HTML page reachable from home through plain hrefs only."""
    portal, base, _ = served
    return bfs(base, {p["url"] for p in portal.planted if p["rule"] == "dead-link"}, cms=False)


def test_deterministic_and_relative_to_as_of():
    a, b = build_portal(AS_OF), build_portal(AS_OF)
    assert a.files == b.files and a.planted == b.planted and a.routes == b.routes
    later = build_portal(AS_OF + timedelta(days=40))
    assert later.files != a.files
    for p in (a, later):
        newest = {c["url"]: c["newest"] for c in p.columns}
        as_of = AS_OF if p is a else AS_OF + timedelta(days=40)
        assert newest["/xwdt/"] == (as_of - timedelta(days=1)).isoformat()
        assert newest["/tzgg/"] == (as_of - timedelta(days=200)).isoformat()
        assert newest["/zcwj/"] == (as_of - timedelta(days=30)).isoformat()
        assert newest["/rsxx/"] == (as_of - timedelta(days=300)).isoformat()
        assert newest["/ghjh/"] is None and newest["/jgzn/"] is None
        assert newest["/gzdt/"] == (as_of - timedelta(days=3)).isoformat()
        assert newest["/col/col1234/index.html"] == (as_of - timedelta(days=5)).isoformat()
        assert newest["/gsgg/"] == (as_of - timedelta(days=10)).isoformat()
        assert [c["items"] for c in p.columns[-3:]] == [48, 45, 6]
        assert f'<meta name="Maketime" content="{as_of} 03:00:00">'.encode() in p.files["index.html"]


def test_planted_problems_are_served(served):
    portal, base, root = served
    assert (root / "_planted.json").exists() and (root / "_routes.json").exists()
    rules = sorted(p["rule"] for p in portal.planted)
    assert rules == (["account-stale", "annual-report-overdue", "bad-attachment", "blank-column"] + ["dead-link"] * 7
                     + ["expired-but-valid", "inconsistent-dates", "interpretation-overdue", "interpretation-unlinked",
                        "malformed-doc-number", "message-unanswered", "missing-metadata", "missing-metadata",
                        "missing-site-identity", "schedule-overdue", "site-unreachable", "soft-404", "stale-column",
                        "wording-error", "wording-error"])
    assert [p["url"] for p in portal.planted if p.get("needs_browser")] == [GSGG_DEAD]
    assert all(p["needs_browser"] is True for p in portal.planted if "needs_browser" in p)
    on_disk = json.loads((root / "_planted.json").read_text("utf-8"))
    assert on_disk == portal.planted
    for p in portal.planted:
        assert set(p) - {"needs_browser", "site", "severity"} == {"rule", "url", "column", "pages", "detail"}
    for p in portal.planted:
        if "site" in p:  # the demo's other site, which never answers
            continue
        if p["rule"] == "dead-link":
            assert fetch(base + p["url"])[0] == p["detail"]["status"], p["url"]
            assert fetch(base + p["url"], "HEAD")[0] == p["detail"]["status"]
        else:
            assert fetch(base + p["url"])[0] == 200, p["url"]


def test_redirect_and_specials(served):
    _, base, _ = served
    status, headers, _ = fetch(base + REDIRECT)
    assert status == 301 and headers["Location"] == REDIRECT_TARGET
    assert fetch(base + REDIRECT_TARGET)[0] == 200
    assert fetch(base + "/xwdt")[0] == 301  # folder without slash, like real servers
    for private in ("/_planted.json", "/_routes.json", "/_manifest.json", "/_dataproxy.json", "/../etc/passwd"):
        status, headers, body = fetch(base + private)
        assert status == 404 and "页面不存在" in body.decode("utf-8")
    status, _, body = fetch(base + "/robots.txt")
    assert status == 200 and b"Disallow: /admin/" in body
    assert fetch(base + ADMIN)[0] == 404  # exists only as a robots-disallowed link


def test_head_and_types(served):
    _, base, _ = served
    status, headers, body = fetch(base + "/", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    status, headers, body = fetch(base + "/uploads/2026/form.pdf")
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-") and b"%%EOF" in body
    status, headers, body = fetch(base + "/images/logo.png")
    assert headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG\r\n\x1a\n")


def test_every_link_resolves_except_planted(served, crawl):
    portal, base, _ = served
    # the portal's own dead links (an account's post carries one more)
    dead = {p["url"]: p for p in portal.planted if p["rule"] == "dead-link" and "site" not in p}
    for f in portal.files:  # no orphan pages (an index.html may be reached as its folder)
        if f.endswith(".html") and not f.startswith("mp/"):  # mp/: an account's article, not the portal's
            forms = {"/" + f, "/" + f.removesuffix("index.html")}
            assert forms & (set(crawl) | {REDIRECT_TARGET}), f
    found_on: dict[str, set[str]] = defaultdict(set)
    checked: dict[str, int] = {}
    sources = list(crawl.items()) + list(crawl.feeds.items())
    assert len(crawl.feeds) == 3 + 3 + 1  # dataproxy GET pages 1-3, POST ranges 1-45, list.json
    for page, links in sources:
        for _, raw, target in links:
            if target in dead:
                assert page in crawl, f"{target} in {page}"
                found_on[target].add(page)
                continue
            if target == ADMIN:
                continue
            if target not in checked:
                checked[target] = fetch(base + target, "HEAD")[0]
            expected = 301 if target == REDIRECT else 200
            assert checked[target] == expected, f"{raw} on {page}"
    for url, p in dead.items():
        assert found_on[url] == set(p["pages"]), url


def test_cms_dead_links_need_the_cms(served, crawl, plain_crawl):
    """The three new dead links are reached only through a script pager, dataproxy.jsp, or a
    script-rendered list: never through plain hrefs."""
    portal, base, _ = served
    pages = {p["url"]: p["pages"] for p in portal.planted}
    for url in (GZDT_DEAD, BMDT_DEAD, GSGG_DEAD):
        assert len(pages[url]) == 1 and pages[url][0] in crawl and pages[url][0] not in plain_crawl
    assert "/gzdt/index_2.html" in crawl and "/gzdt/index_2.html" not in plain_crawl
    gzdt_page = pages[GZDT_DEAD][0]
    assert [p for p, links in crawl.items() if any(t == gzdt_page for _, _, t in links)] == ["/gzdt/index_2.html"]
    bmdt_page = pages[BMDT_DEAD][0]
    assert [s for s, links in crawl.feeds.items() if any(t == bmdt_page for _, _, t in links)] == [
        f"GET {base}{DATAPROXY}?page=3&appid=1&webid=1&path=%2F&columnid=1234&unitid=5678&"
        "webname=%E7%A4%BA%E4%BE%8B%E5%8E%BF%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0",
        f"POST {base}{DATAPROXY}?startrecord=31&endrecord=45&perpage=15"]
    assert not any(t == bmdt_page for links in crawl.values() for _, _, t in links)
    gsgg_page = pages[GSGG_DEAD][0]
    assert [s for s, links in crawl.feeds.items() if any(t == gsgg_page for _, _, t in links)] == [
        f"{base}/gsgg/list.json"]
    # without the CMS: the first list page of each, and only the 20 articles of /gzdt/index.html
    plain_articles = [p for p in plain_crawl if re.match(r"/(gzdt|gsgg)/\d{6}/|/art/", p)]
    assert len(plain_articles) == 20 and all(p.startswith("/gzdt/") for p in plain_articles)
    assert {"/gzdt/", "/col/col1234/index.html", "/gsgg/"} <= set(plain_crawl)
    assert not {"/gzdt/index_1.html", "/gzdt/index_2.html"} & set(plain_crawl)


def test_every_page_has_chrome(served, crawl):
    _, base, _ = served
    for page in crawl:
        body = fetch(base + page)[2].decode("utf-8")
        if page == SOFT_404:  # the planted soft-404: a bare CMS error page, answered 200
            assert "<title>页面不存在</title>" in body and 'class="nav"' not in body
            continue
        assert '<meta charset="utf-8">' in body and f'content="{AS_OF} 03:00:00"' in body
        assert '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwdt/">要闻动态</a></li>' in body
        assert "网站标识码：3609000001" in body and "赣ICP备" in body and "公网安备" in body
        assert 'src="/images/logo.png"' in body and "我为政府网站找错" in body
        if page.count("/") > 1 and page != "/jiucuo.html":
            assert '<div class="position">当前位置：<a href="/">首页</a> &gt; ' in body, page


def _list_dates(base: str, col: str) -> list[str]:
    dates = []
    for name in ("index.html", "index_1.html", "index_2.html"):
        status, _, body = fetch(f"{base}{col}{name}")
        if status != 200:
            break
        dates += lhtml.fromstring(body).xpath('//ul[@class="list"]/li/span[@class="date"]/text()')
    return dates


def test_columns(served):
    _, base, _ = served
    news = _list_dates(base, "/xwdt/")
    assert len(news) == 25 and news[0] == str(AS_OF - timedelta(days=1)) and news == sorted(news, reverse=True)
    assert fetch(base + "/xwdt/index_2.html")[0] == 404
    assert _list_dates(base, "/tzgg/")[0] == str(AS_OF - timedelta(days=200))
    assert len(_list_dates(base, "/zcwj/")) == 6 and len(_list_dates(base, "/zcjd/")) == 4
    assert _list_dates(base, "/rsxx/")[0] == str(AS_OF - timedelta(days=300))
    blank = lhtml.fromstring(fetch(base + "/ghjh/")[2])
    assert blank.xpath('//ul[@class="list"]/li/@class') == ["empty"] and not blank.xpath('//ul[@class="list"]//a')
    static = fetch(base + "/jgzn/")[2].decode("utf-8")
    assert 'class="list"' not in static and not re.search(r"\d{4}[-年]\d{1,2}[-月]\d", static.split("</head>")[1])


def test_trs_script_pager(served):
    _, base, _ = served
    bodies = [fetch(f"{base}/gzdt/{n}")[2].decode("utf-8") for n in ("index.html", "index_1.html", "index_2.html")]
    assert fetch(base + "/gzdt/")[2].decode("utf-8") == bodies[0]
    for i, body in enumerate(bodies):
        doc = lhtml.fromstring(body)
        rows = doc.xpath('//ul[@class="list"]/li')
        assert len(rows) == (20, 20, 8)[i]
        for row in rows:
            href, date_text = row.xpath("a/@href")[0], row.xpath("span/text()")[0]
            assert re.fullmatch(r"\./(\d{6})/t(\d{8})_\d{4}\.html", href) and row.xpath("a/@title")
            assert href[2:8] + "-" == date_text[:4] + date_text[5:7] + "-"
        outside = re.sub(r"<script\b.*?</script>", "", body, flags=re.S)
        assert 'href="index' not in outside and "index_" not in outside  # the pager is script-only
        assert not [h for h in doc.xpath("//a/@href") if "index" in h and not h.startswith("/col/")]
        assert script_pages(doc, f"{base}/gzdt/x") == [f"{base}/gzdt/index.html", f"{base}/gzdt/index_1.html",
                                                      f"{base}/gzdt/index_2.html"]
        assert body.count("document.write(") >= 5
        if i == 0:
            assert "var currentPage = 0;//所在页从0开始" in body and "var countPage = 3//共多少页" in body
            assert "<!-- <script>var countPage = 9</script> -->" in body and "createPageHTML" not in body
        else:
            assert "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt)" in body
            assert f'createPageHTML(3, {i}, "index", "html");' in body and "countPage" not in body
    assert lhtml.fromstring(bodies[0]).xpath('//ul[@class="list"]/li[1]/span/text()') == [str(AS_OF - timedelta(days=3))]
    for i in range(3, 9):  # the commented-out countPage = 9 is not the truth
        assert fetch(f"{base}/gzdt/index_{i}.html")[0] == 404


def _records(xml: bytes) -> list[str]:
    return _RECORD.findall(xml.decode("utf-8"))


def test_hanweb_list_page(served):
    _, base, _ = served
    body = fetch(base + "/col/col1234/index.html")[2].decode("utf-8")
    doc = lhtml.fromstring(body)
    assert not doc.xpath('//a[starts-with(@href, "/art/")]') and not doc.xpath('//div[@id="5678"]//li')  # no visible rows
    store = doc.xpath('//div[@id="5678"]/script[@type="text/xml"]/text()')
    assert len(store) == 1 and store[0].startswith("<datastore>") and len(_RECORD.findall(store[0])) == 15
    assert _NEXTGROUP.search(store[0])[1] == (
        "/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=1234&unitid=5678"
        "&webname=示例县人民政府&permissiontype=0")
    links = record_links(store[0])
    assert all(re.fullmatch(r"/art/2026/\d{1,2}/\d{1,2}/art_1234_\d+\.html", h) for h in links)
    assert links[0].startswith(f"/art/{AS_OF.year}/{AS_OF.month}/{(AS_OF - timedelta(days=5)).day}/")  # no zero padding
    assert "<span>" + str(AS_OF - timedelta(days=5)) + "</span>" in _RECORD.findall(store[0])[0]
    plugin = jpage(doc)
    assert plugin == {"proxy": DATAPROXY, "total": 45, "per_page": 15, "params": {
        "col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "1234", "sourceContentType": "1",
        "unitid": "5678", "webname": "示例县人民政府", "permissiontype": "0"}}
    assert "$('#5678').jpage({" in body and "groupSize:1" in body
    assert f'<script type="text/javascript" src="{JQUERY}"></script>' in body
    status, headers, js = fetch(base + JQUERY)
    assert status == 200 and headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert b"jpage" in js and b"dataproxy" in js


def test_dataproxy_get_and_post(served):
    portal, base, root = served
    proxy = base + DATAPROXY
    query = "appid=1&webid=1&path=/&columnid=1234&unitid=5678&webname=%E7%A4%BA%E4%BE%8B%E5%8E%BF%E4%BA%BA%E6%B0%91%E6%94%BF%E5%BA%9C&permissiontype=0"
    store = lhtml.fromstring(fetch(base + "/col/col1234/index.html")[2]).xpath('//script[@type="text/xml"]/text()')[0]
    by_page = {}
    for page, count in ((1, 15), (2, 15), (3, 15), (4, 0)):
        status, headers, body = fetch(f"{proxy}?page={page}&{query}")
        assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
        text = body.decode("utf-8")
        assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<datastore>')
        assert "<totalrecord>45</totalrecord>" in text and "<totalpage>3</totalpage>" in text
        assert "<recordset>" in text and text.rstrip().endswith("</datastore>")
        by_page[page] = _records(body)
        assert len(by_page[page]) == count
    assert by_page[1] == _RECORD.findall(store)  # page 1 is the group shipped in the list page
    everything = by_page[1] + by_page[2] + by_page[3]
    assert len(set(everything)) == 45 and everything == portal.dataproxy["1234"]["records"]
    dates = [re.search(r"<span>([\d-]+)</span>", r)[1] for r in everything]
    assert dates == sorted(dates, reverse=True) and dates[0] == str(AS_OF - timedelta(days=5))
    assert fetch(f"{proxy}?{query}")[2] == fetch(f"{proxy}?page=1&{query}")[2]  # page defaults to 1
    # POST by record range, the jpage plugin's way
    form = {"col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "1234", "sourceContentType": "1",
            "unitid": "5678", "webname": "示例县人民政府", "permissiontype": "0"}
    for start, end, expected in ((1, 15, by_page[1]), (16, 30, by_page[2]), (31, 45, by_page[3]),
                                 (1, 45, everything), (40, 5000, everything[39:]), (46, 60, [])):
        status, headers, body = post(f"{proxy}?startrecord={start}&endrecord={end}&perpage=15", form)
        assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
        assert b"<totalrecord>45</totalrecord>" in body and b"<totalpage>3</totalpage>" in body
        assert _records(body) == expected, (start, end)
    assert post(f"{proxy}?startrecord=16&endrecord=30&perpage=15", {}) != post(f"{proxy}?startrecord=16&endrecord=30&perpage=15", form)
    # unknown (or missing) column: an empty datastore
    for status, headers, body in (fetch(f"{proxy}?page=1&columnid=999"), fetch(proxy),
                                  post(f"{proxy}?startrecord=1&endrecord=15&perpage=15", {**form, "columnid": "999"})):
        assert status == 200 and headers["Content-Type"] == "text/xml; charset=utf-8"
        assert b"<totalrecord>0</totalrecord>" in body and _records(body) == []
    assert fetch(f"{proxy}?page=1&{query}", "HEAD")[:1] == (200,)
    assert post(base + "/xwdt/index.html", form)[0] == 405  # only dataproxy.jsp takes a POST
    assert fetch(base + "/xwdt/index.html")[0] == 200  # and the connection pool is still sound


def test_script_rendered_list(served):
    portal, base, _ = served
    body = fetch(base + "/gsgg/")[2].decode("utf-8")
    doc = lhtml.fromstring(body)
    assert '<ul class="list" id="list"></ul>' in body and not doc.xpath('//ul[@id="list"]/*')
    assert "fetch('/gsgg/list.json')" in body and "window.addEventListener('load'" in body
    status, headers, data = fetch(base + "/gsgg/list.json")
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    items = json.loads(data)["items"]
    assert len(items) == 6 and items[0]["date"] == str(AS_OF - timedelta(days=10))
    assert [i["date"] for i in items] == sorted((i["date"] for i in items), reverse=True)
    for item in items:
        assert re.fullmatch(r"/gsgg/(\d{6})/t(\d{8})_300\d\.html", item["url"]) and item["title"]
        assert item["url"][14:22] == item["date"].replace("-", "")
    dead = next(p for p in portal.planted if p["url"] == GSGG_DEAD)
    assert dead["pages"][0] in {i["url"] for i in items}


def _metadata(body: bytes) -> dict[str, str] | None:
    doc = lhtml.fromstring(body)
    cells = doc.xpath('//table[@class="xxgk-table"]//td')
    if not cells:
        return None
    out = {}
    for label, value in zip(cells[::2], cells[1::2]):
        out[re.sub(r"[\s\u2002\u3000:：]", "", label.text_content())] = value.text_content().strip()
    return out


def test_articles_dates_and_metadata(served, crawl):
    portal, base, _ = served
    missing = {p["url"]: p["detail"]["missing"] for p in portal.planted if p["rule"] == "missing-metadata"}
    required = ("索引号", "发文机关", "发文字号", "成文日期", "发布日期")
    seen = hanweb = 0
    for page in crawl:
        m = re.fullmatch(r"/(\w+)/(\d{6})/t(\d{8})_\d+\.html", page)
        if h := re.fullmatch(r"/art/(\d{4})/([1-9]\d?)/([1-9]\d?)/art_1234_\d+\.html", page):
            hanweb += 1
            doc = lhtml.fromstring(fetch(base + page)[2])
            pub = doc.xpath('//meta[@name="PubDate"]/@content')[0]
            assert pub[:10] == f"{h[1]}-{int(h[2]):02d}-{int(h[3]):02d}" and _metadata(fetch(base + page)[2]) is None
            continue
        if not m:
            continue
        seen += 1
        body = fetch(base + page)[2]
        doc = lhtml.fromstring(body)
        pub = doc.xpath('//meta[@name="PubDate"]/@content')[0]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", pub) and pub[:10].replace("-", "") == m[3]
        assert f"发布时间：{pub}" in doc.xpath('//div[@class="info"]')[0].text_content()
        meta = _metadata(body)
        if m[1] in ("zcwj", "rsxx"):
            absent = [f for f in required if not (meta or {}).get(f)]
            assert absent == missing.get(page, []), page
        else:
            assert meta is None, page
    assert seen == 25 + 5 + 6 + 4 + 3 + 48 + 6 and hanweb == 45
    assert len(missing) == 2


def test_rewrite_and_live_fix(tmp_path):
    first = write_portal(tmp_path, AS_OF)
    (tmp_path / "mine.txt").write_text("user file")
    second = write_portal(tmp_path, AS_OF + timedelta(days=3))
    on_disk = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert set(second.files) <= on_disk and not (set(first.files) - set(second.files)) & on_disk
    assert "mine.txt" in on_disk  # only GovWatch's own files are touched
    with PortalServer(tmp_path) as srv:
        url = srv.url + "zt/2019/index.html"
        assert fetch(url)[0] == 404
        (tmp_path / "zt/2019").mkdir(parents=True)
        (tmp_path / "zt/2019/index.html").write_text("<html>专题</html>", "utf-8")
        assert fetch(url)[0] == 200  # served from disk at request time
        (tmp_path / "_routes.json").write_text("{}", "utf-8")
        assert fetch(srv.url + "old/policy-2019.html")[0] == 404  # routes re-read per request
        proxy = srv.url + "module/web/jpage/dataproxy.jsp?page=1&columnid=1234"
        assert b"<totalrecord>45</totalrecord>" in fetch(proxy)[2]
        (tmp_path / "_dataproxy.json").write_text("{}", "utf-8")
        assert b"<totalrecord>0</totalrecord>" in fetch(proxy)[2]  # dataproxy data re-read per request


def test_server_command(tmp_path):
    cmd = [sys.executable, "-m", "govwatch.demo.server", str(tmp_path / "p"), "--write", "--as-of", str(AS_OF)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        assert fetch(url)[0] == 200 and fetch(url + "tzgg/")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.stderr.read() == ""  # quiet: no per-request logging
