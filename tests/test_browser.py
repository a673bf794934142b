"""JavaScript-only columns and JavaScript cookie challenges, through Debian's Chromium."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import govwatch, violations_json
from crawler.browser import find_browser

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


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, body, ctype="text/html; charset=utf-8"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/":
                    return self.send(200, f"<html><head><title>站</title></head><body>{NAV}"
                                          f"<a href='/guarded.html'>受保护页面</a></body></html>")
                if self.path in ("/js/", "/js/index.html"):
                    return self.send(200, JS_LIST)
                if self.path == "/js/list.json":
                    return self.send(200, json.dumps(ITEMS, ensure_ascii=False), "application/json")
                if self.path in ("/js/a1.html", "/js/a2.html"):
                    return self.send(200, "<html><head><title>通知</title></head><body><h1>通知</h1>"
                                          "<p>发布时间：2026-11-20</p></body></html>")
                if self.path == "/guarded.html":
                    if "gw_clearance=1" in (self.headers.get("Cookie") or ""):
                        return self.send(200, "<html><head><title>正常</title></head><body>正文</body></html>")
                    return self.send(412, CHALLENGE)
                return self.send(404, "not found")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def site(tmp_path):
    server = Site()
    sites = tmp_path / "sites.yaml"
    sites.write_text(f"sites:\n  - name: 站\n    url: http://127.0.0.1:{server.server_address[1]}/\n"
                     "crawl: {delay: 0, timeout: 20}\n", "utf-8")
    yield sites
    server.shutdown()


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
