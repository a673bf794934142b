"""A configured column's page links the other columns; read before the home page's navigation,
those links must still be crawled as columns, not as plain pages."""

from __future__ import annotations

import re
import sqlite3

from conftest import govwatch
from httpserver import LocalServer, Response

NAV = '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/a/">通知公告</a></li><li><a href="/b/">工作动态</a></li></ul></div>'


def _page(body: str) -> bytes:
    return f'<html><head><meta charset="utf-8"><title>示例</title></head><body>{NAV}{body}</body></html>'.encode()


def _list(prefix: str) -> str:
    rows = "".join(f'<li><a href="/{prefix}/{i}.html">第{i}条通知内容标题</a><span>2026-11-{10 + i}</span></li>'
                   for i in range(3))
    return f'<ul class="list">{rows}</ul>'


def serve() -> LocalServer:
    server = LocalServer(default=Response(404, content_type=None))
    server.route("/", Response(body=_page("<p>首页</p>"), delay=1.5))  # the home page answers last
    server.route("/a/", _page(_list("a")))
    server.route("/b/", _page(_list("b")))
    server.route(re.compile(r"/[^/]*/[^/]*\.html"), _page("<h1>通知</h1><p>发布日期：2026-11-12</p>"))
    return server


def test_links_wait_for_the_home_pages_navigation(tmp_path):
    server = serve()
    base = server.url.rstrip("/")
    sites = tmp_path / "sites.yaml"
    sites.write_text(f"""database: sqlite:///govwatch.db
sites:
  - name: 县
    url: {base}/
    columns: [{{name: 通知公告, url: /a/, category: notice}}]
crawl: {{delay: 0, concurrency: 4, robots: false}}
""", encoding="utf-8")
    try:
        govwatch("crawl", "--config", str(sites), "--as-of", "2026-11-22")
        # the next night the configured column's articles are carried over, not fetched: their
        # links (the nav columns among them) must wait for the home page all the same
        govwatch("crawl", "--config", str(sites), "--as-of", "2026-11-23")
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        for run in (1, 2):
            columns = dict(conn.execute("select url, source || ':' || kind from columns where run_id = ?",
                                        (run,)).fetchall())
            assert columns == {f"{base}/a/": "config:list", f"{base}/b/": "nav:list"}, run
        assert conn.execute("select count(*) from pages where run_id = 2 and carried_from = 1").fetchone()[0] > 0
