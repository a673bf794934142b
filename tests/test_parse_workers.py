"""Pages read in worker processes (crawl.parse_workers) give the same facts and verdicts as
pages read in the engine's own process."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import govwatch, violations_json
from govwatch.demo.server import PortalServer
from hardsite import page, sites_file, write_site

PAGES = "select url, kind, title, published, published_source, metadata, meta, text from pages order by url"
CHECKS = "select url, verdict, status from link_checks order by url"
COLUMNS = "select url, name, source, kind, newest_date, item_count from columns order by url"


def _night(tmp_path: Path, url: str, workers: int) -> tuple[list, list, list, list]:
    tmp_path.mkdir()
    sites = sites_file(tmp_path, url, crawl=f", parse_workers: {workers}")
    govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        facts = [conn.execute(sql).fetchall() for sql in (PAGES, CHECKS, COLUMNS)]
    found = sorted((v["rule"], v["url"]) for v in violations_json(sites))
    return (*facts, found)


def test_worker_processes_read_pages_as_the_engine_does(tmp_path):
    root = tmp_path / "site"
    write_site(root, articles=8, home_extra='<a href="/gone.html">已删除的页面</a><a href="/files/none.pdf">缺失的附件</a>')
    # a column only an article's breadcrumb names: found in the worker, where the parsed tree is
    (root / "zt").mkdir()
    (root / "zt" / "index.html").write_text(page("专题专栏", '<ul class="list"><li><a href="/zt/1.html">专题文章</a>'
                                                         '<span>2026-11-18</span></li></ul>'), "utf-8")
    crumb = '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zt/">专题专栏</a></div>'
    (root / "zt" / "1.html").write_text(page("专题文章", crumb + "<p>发布日期：2026-11-18</p><p>专题正文。</p>"), "utf-8")
    article = root / "tzgg" / "0.html"
    article.write_text(article.read_text("utf-8").replace("<h1>", crumb + '<a href="/zt/1.html">相关专题</a><h1>'), "utf-8")
    with PortalServer(root) as server:
        inline = _night(tmp_path / "inline", server.url, 0)
        pooled = _night(tmp_path / "pooled", server.url, 1)
    pages, checks, columns, found = inline
    assert len(pages) > 20 and found  # there is something to compare
    assert ("breadcrumb", f"{server.url}zt/") in {(c[2], c[0]) for c in columns}
    assert ("dead-link", f"{server.url}gone.html") in found
    assert pooled == inline
