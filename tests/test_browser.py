"""JavaScript-only columns and JavaScript cookie challenges, through Debian's Chromium."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import govwatch, violations_json
from crawler.browser import find_browser
from httpserver import LocalServer, Request, Response

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NAV = '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/js/">通知公告</a></li></ul></div>'
JS_LIST = """<html><head><title>通知公告</title></head><body>""" + NAV + """
<ul class="list" id="list"></ul>
<script>
fetch('/js/list.json').then(r => r.json()).then(items => {
  document.getElementById('list').innerHTML = items.map(
    i => `<li><a href="${i.url}">${i.title}</a><span class="date">${i.date}</span></li>`).join('');
});
</script></body></html>"""
ITEMS = [{"url": "/js/a1.html", "title": "关于开展安全检查的通知", "date": "2026-11-20"},
         {"url": "/js/a2.html", "title": "关于调整办公时间的公告", "date": "2026-11-10"}]
CHALLENGE = """<html><script>document.cookie='gw_clearance=1; path=/'; location.reload();</script></html>"""


ARTICLE = "<html><head><title>通知</title></head><body><h1>通知</h1><p>发布时间：2026-11-20</p></body></html>"


def guarded(request: Request) -> Response:
    if "gw_clearance=1" in (request.headers.get("Cookie") or ""):
        return Response(body="<html><head><title>正常</title></head><body>正文</body></html>")
    return Response(412, CHALLENGE)


@pytest.fixture
def site(tmp_path):
    with LocalServer(routes={
        "/": f"<html><head><title>站</title></head><body>{NAV}<a href='/guarded.html'>受保护页面</a></body></html>",
        "/js/": JS_LIST,
        "/js/index.html": JS_LIST,
        "/js/list.json": Response(body=json.dumps(ITEMS, ensure_ascii=False), content_type="application/json"),
        "/js/a1.html": ARTICLE,
        "/js/a2.html": ARTICLE,
        "/guarded.html": guarded,
    }) as server:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"sites:\n  - name: 站\n    url: {server.url}\n"
                         "crawl: {delay: 0, timeout: 20}\n", "utf-8")
        yield sites


def column_and_checks(sites):
    with sqlite3.connect(sites.parent / "govwatch.db") as conn:
        column = conn.execute("select kind, item_count, newest_date from columns where name = '通知公告'").fetchone()
        checks = dict(conn.execute("select url, verdict from link_checks").fetchall())
    return column, checks


@pytest.mark.skipif(find_browser() is None, reason="no Chromium: install Debian's `chromium` package")
def test_javascript_list_and_challenge_through_the_browser(site):
    govwatch("run", "--config", str(site), "--as-of", "2026-11-22", env={"GOVWATCH_CHROMIUM": ""})
    column, checks = column_and_checks(site)
    assert column == ("list", 2, "2026-11-20")
    base = site.read_text("utf-8").split("url: ")[1].split("\n")[0].rstrip("/")
    assert checks[base + "/js/a1.html"] == "ok" and checks[base + "/js/a2.html"] == "ok"
    assert checks[base + "/guarded.html"] == "ok"  # the cookie challenge was passed in the browser
    assert not [v for v in violations_json(site) if v["rule"] in ("blank-column", "stale-column", "link-blocked")]


def test_without_a_browser_the_column_is_unread_not_blank(site):
    govwatch("run", "--config", str(site), "--as-of", "2026-11-22", env={"GOVWATCH_CHROMIUM": "none"})
    column, checks = column_and_checks(site)
    assert column[0] == "unread" and column[1] == 0
    found = violations_json(site)
    assert not [v for v in found if v["rule"] in ("blank-column", "stale-column")]
    base = site.read_text("utf-8").split("url: ")[1].split("\n")[0].rstrip("/")
    assert checks[base + "/guarded.html"] == "blocked"  # recorded, never dead
