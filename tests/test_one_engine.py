"""All sites of a run in one engine: politeness per host whichever sites share it, one check
per URL for the whole run, and hosts crawled side by side (measured on the server side)."""

from __future__ import annotations

import re

import pytest

from conftest import govwatch
from httpserver import LocalServer, RequestLog, Response

pytestmark = pytest.mark.slow

ARTICLES = 8


def _html(title: str, body: str) -> bytes:
    nav = '<div class="nav"><a href="/">首页</a><a href="/tzgg/">通知公告</a></div>'
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{nav}<h1>{title}</h1>'
            f'{body}</body></html>').encode()


def serve(log: RequestLog, host: str, shared: str, pause: float = 0.05) -> LocalServer:
    """A small portal on ``host`` whose articles link ``shared``; every answer takes ``pause``
    (long enough for simultaneous requests to overlap) and ``log`` sees every request."""

    def answer(body: bytes, status: int = 200) -> Response:
        ctype = "application/pdf" if body.startswith(b"%PDF") else "text/html; charset=utf-8"
        return Response(status, body, content_type=ctype, delay=pause)

    rows = "".join(f'<li><a href="/tzgg/{i}.html">第{i}号通知的标题内容</a><span>2026-11-1{i}</span></li>'
                   for i in range(ARTICLES))
    return LocalServer(host, log=log, default=answer(b"not found", 404), routes={
        "/": answer(_html("示例县人民政府", "<p>2026-11-20</p>")),
        "/tzgg/": answer(_html("通知公告", f'<ul class="list">{rows}</ul>')),
        re.compile(r"/tzgg/.*\.html"): lambda req: answer(_html(
            "通知", f'<p>发布日期：2026-11-12</p><a href="{shared}">国务院</a><a href="/files{req.path}.pdf">附件</a>')),
        "/files/*": lambda req: answer(b"%PDF-1.4" if req.path.endswith(".pdf") else _html("共享", "<p>正文</p>")),
        "/shared.html": answer(_html("共享", "<p>正文</p>")),
    })


def _sites(tmp_path, urls: list[str], crawl: str) -> str:
    path = tmp_path / "sites.yaml"
    entries = "".join(f"  - name: 站点{i}\n    url: {url}\n" for i, url in enumerate(urls))
    path.write_text(f"database: sqlite:///govwatch.db\ncrawl: {{{crawl}, robots: false}}\nsites:\n{entries}", "utf-8")
    return str(path)


def test_two_sites_on_one_host_share_its_politeness_and_checks(tmp_path):
    log = RequestLog()
    shared_server = serve(log, "127.0.0.1", "")
    shared = f"{shared_server.url}shared.html"
    servers = [serve(log, "127.0.0.1", shared) for _ in range(2)]
    try:
        urls = [s.url for s in servers]
        govwatch("crawl", "--config", _sites(tmp_path, urls, "concurrency: 2, delay: 0"), "--as-of", "2026-11-23")
    finally:
        for s in [shared_server, *servers]:
            s.stop()
    # three servers, one host: never more than its 2 connections at once (per-crawler slots gave 4+)
    assert log.peak("127.0.0.1") <= 2
    assert log.hits("/tzgg/7.html", "127.0.0.1") == 2  # both sites' articles were read
    assert log.hits("/shared.html", "127.0.0.1") == 1  # linked by both sites, checked once


def test_hosts_are_crawled_side_by_side(tmp_path):
    log = RequestLog()
    hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    servers = [serve(log, host, f"http://{host}:1/none", pause=0) for host in hosts]
    try:
        urls = [s.url for s in servers]
        govwatch("crawl", "--config", _sites(tmp_path, urls, "concurrency: 1, delay: 0.25"), "--as-of", "2026-11-23")
    finally:
        for s in servers:
            s.stop()
    spans = {h: max(log.times(h)) - min(log.times(h)) for h in hosts}
    overall = max(log.times()) - min(log.times())
    slowest = max(spans.values())
    assert slowest >= 0.25 * (len(log.times(hosts[0])) - 2)  # the delay held per host
    assert overall <= 1.25 * slowest + 1.0, (overall, spans)  # not one host after another
