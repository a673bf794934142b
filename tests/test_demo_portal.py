"""The demo portal: planted problems hold, traps are sound, and nothing else is broken."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lhtml

# Let the suite run from a checkout without `pip install -e .` (tests/ has no conftest yet).
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from crawler.demo.portal import ADMIN, REDIRECT, REDIRECT_TARGET, build_portal, write_portal
from crawler.demo.server import PortalServer

AS_OF = date(2026, 11, 22)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    try:
        with _opener.open(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    portal = write_portal(root, AS_OF)
    with PortalServer(root) as srv:
        yield portal, srv.url.rstrip("/"), root


@pytest.fixture(scope="module")
def crawl(served):
    """BFS over every HTML page reachable from home: {page path: [(attr, raw href, absolute path)]}."""
    portal, base, _ = served
    dead = {p["url"] for p in portal.planted if p["rule"] == "dead-link"}
    pages: dict[str, list[tuple[str, str, str]]] = {}
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        if path in pages:
            continue
        status, headers, body = fetch(base + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        doc = lhtml.fromstring(body)
        links = []
        for el, attr in [(e, "href") for e in doc.xpath("//*[@href]")] + [(e, "src") for e in doc.xpath("//*[@src]")]:
            raw = el.get(attr)
            if raw.startswith(("#", "mailto:", "tel:", "javascript:")):
                continue
            target = urlsplit(urljoin(base + path, raw)).path
            links.append((attr, raw, target))
            if attr == "href" and target.endswith((".html", "/")) and target not in dead | {ADMIN, REDIRECT}:
                queue.append(target)
        pages[path] = links
    return pages


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
        assert f'<meta name="Maketime" content="{as_of} 03:00:00">'.encode() in p.files["index.html"]


def test_planted_problems_are_served(served):
    portal, base, root = served
    assert (root / "_planted.json").exists() and (root / "_routes.json").exists()
    rules = sorted(p["rule"] for p in portal.planted)
    assert rules == ["blank-column", "dead-link", "dead-link", "dead-link", "missing-metadata",
                     "missing-metadata", "stale-column"]
    for p in portal.planted:
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
    for private in ("/_planted.json", "/_routes.json", "/_manifest.json", "/../etc/passwd"):
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
    dead = {p["url"]: p for p in portal.planted if p["rule"] == "dead-link"}
    html_files = {"/" + f.removesuffix("index.html") if f.endswith("index.html") else "/" + f
                  for f in portal.files if f.endswith(".html")}
    assert html_files <= set(crawl) | {REDIRECT_TARGET}  # no orphan pages
    found_on: dict[str, set[str]] = defaultdict(set)
    checked: dict[str, int] = {}
    for page, links in crawl.items():
        for _, raw, target in links:
            if target in dead:
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


def test_every_page_has_chrome(served, crawl):
    _, base, _ = served
    for page in crawl:
        body = fetch(base + page)[2].decode("utf-8")
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
    assert len(_list_dates(base, "/zcwj/")) == 6 and len(_list_dates(base, "/zcjd/")) == 3
    assert _list_dates(base, "/rsxx/")[0] == str(AS_OF - timedelta(days=300))
    blank = lhtml.fromstring(fetch(base + "/ghjh/")[2])
    assert blank.xpath('//ul[@class="list"]/li/@class') == ["empty"] and not blank.xpath('//ul[@class="list"]//a')
    static = fetch(base + "/jgzn/")[2].decode("utf-8")
    assert 'class="list"' not in static and not re.search(r"\d{4}[-年]\d{1,2}[-月]\d", static.split("</head>")[1])


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
    seen = 0
    for page in crawl:
        m = re.fullmatch(r"/(\w+)/(\d{6})/t(\d{8})_\d+\.html", page)
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
    assert seen == 25 + 5 + 6 + 3 + 3
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


def test_server_command(tmp_path):
    cmd = [sys.executable, "-m", "crawler.demo.server", str(tmp_path / "p"), "--write", "--as-of", str(AS_OF)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        assert fetch(url)[0] == 200 and fetch(url + "tzgg/")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.stderr.read() == ""  # quiet: no per-request logging
