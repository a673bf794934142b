"""All sites of a run in one engine: politeness per host whichever sites share it, one check
per URL for the whole run, and hosts crawled side by side (measured on the server side)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import govwatch

pytestmark = pytest.mark.slow

ARTICLES = 8


class Recorder:
    """What every server saw: requests by host and path, and the most requests a host had in
    flight at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.hits: dict[tuple[str, str], int] = {}
        self.times: dict[str, list[float]] = {}

    def enter(self, host: str, path: str) -> None:
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])
            self.hits[host, path] = self.hits.get((host, path), 0) + 1
            self.times.setdefault(host, []).append(time.monotonic())

    def leave(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] -= 1


def _html(title: str, body: str) -> bytes:
    nav = '<div class="nav"><a href="/">首页</a><a href="/tzgg/">通知公告</a></div>'
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{nav}<h1>{title}</h1>'
            f'{body}</body></html>').encode()


def serve(recorder: Recorder, host: str, shared: str, pause: float = 0.05) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            recorder.enter(host, self.path)
            left = False
            try:
                time.sleep(pause)  # long enough for simultaneous requests to overlap
                status, body = 200, None
                if self.path == "/":
                    body = _html("示例县人民政府", "<p>2026-11-20</p>")
                elif self.path == "/tzgg/":
                    rows = "".join(f'<li><a href="/tzgg/{i}.html">第{i}号通知的标题内容</a><span>2026-11-1{i}</span></li>'
                                   for i in range(ARTICLES))
                    body = _html("通知公告", f'<ul class="list">{rows}</ul>')
                elif self.path.startswith("/tzgg/") and self.path.endswith(".html"):
                    body = _html("通知", f'<p>发布日期：2026-11-12</p><a href="{shared}">国务院</a>'
                                       f'<a href="/files{self.path}.pdf">附件</a>')
                elif self.path.startswith("/files/") or self.path == "/shared.html":
                    body = b"%PDF-1.4" if self.path.endswith(".pdf") else _html("共享", "<p>正文</p>")
                else:
                    status, body = 404, b"not found"
                # out of flight before the answer goes out: once the client has it, it may send
                # the next request before this thread would get to count this one as done
                recorder.leave(host)
                left = True
                self.send_response(status)
                self.send_header("Content-Type", "application/pdf" if body.startswith(b"%PDF") else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                if not left:
                    recorder.leave(host)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _sites(tmp_path, urls: list[str], crawl: str) -> str:
    path = tmp_path / "sites.yaml"
    entries = "".join(f"  - name: 站点{i}\n    url: {url}\n" for i, url in enumerate(urls))
    path.write_text(f"database: sqlite:///govwatch.db\ncrawl: {{{crawl}, robots: false}}\nsites:\n{entries}", "utf-8")
    return str(path)


def test_two_sites_on_one_host_share_its_politeness_and_checks(tmp_path):
    recorder = Recorder()
    shared_server = serve(recorder, "127.0.0.1", "")
    shared = f"http://127.0.0.1:{shared_server.server_address[1]}/shared.html"
    servers = [serve(recorder, "127.0.0.1", shared) for _ in range(2)]
    try:
        urls = [f"http://127.0.0.1:{s.server_address[1]}/" for s in servers]
        govwatch("crawl", "--config", _sites(tmp_path, urls, "concurrency: 2, delay: 0"), "--as-of", "2026-11-23")
    finally:
        for s in [shared_server, *servers]:
            s.shutdown()
    # three servers, one host: never more than its 2 connections at once (per-crawler slots gave 4+)
    assert recorder.peak["127.0.0.1"] <= 2
    assert recorder.hits["127.0.0.1", "/tzgg/7.html"] == 2  # both sites' articles were read
    assert recorder.hits["127.0.0.1", "/shared.html"] == 1  # linked by both sites, checked once


def test_hosts_are_crawled_side_by_side(tmp_path):
    recorder = Recorder()
    hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    servers = [serve(recorder, host, f"http://{host}:1/none", pause=0) for host in hosts]
    try:
        urls = [f"http://{h}:{s.server_address[1]}/" for h, s in zip(hosts, servers)]
        govwatch("crawl", "--config", _sites(tmp_path, urls, "concurrency: 1, delay: 0.25"), "--as-of", "2026-11-23")
    finally:
        for s in servers:
            s.shutdown()
    spans = {h: max(recorder.times[h]) - min(recorder.times[h]) for h in hosts}
    overall = max(max(t) for t in recorder.times.values()) - min(min(t) for t in recorder.times.values())
    slowest = max(spans.values())
    assert slowest >= 0.25 * (len(recorder.times[hosts[0]]) - 2)  # the delay held per host
    assert overall <= 1.25 * slowest + 1.0, (overall, spans)  # not one host after another
