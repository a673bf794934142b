"""A local fault-injection server: one path per way a link can fail, and the verdict it deserves.

Stateful cases (``flaky-*``, ``ratelimit``) fail on their first request and work afterwards, as
a real server's bad moment does; a checker that reports them dead is wrong.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ERROR_PAGE = "<html><head><title>提示信息</title></head><body><p>您访问的页面不存在或已被删除！</p></body></html>"
PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{body}</p></body></html>"
LONG = "示例县政务公开工作稳步推进。" * 40

# path -> expected verdict (paths are on this server; REFUSED and EXTERNAL are added by the test)
EXPECTED = {
    "/ok.html": "ok",
    "/flaky-503.html": "ok",
    "/ratelimit.html": "ok",
    "/always-429.html": "rate-limited",
    "/slow.html": "timeout",
    "/reset.html": "error",
    "/flaky-reset.html": "ok",
    "/chain-1.html": "redirected",
    "/loop-a.html": "redirect-loop",
    "/soft404.html": "soft-404",
    "/gone-home.html": "soft-404",
    "/refresh-404.html": "soft-404",
    "/mentions-404.html": "ok",
    "/withdrawn.html": "soft-404",  # a phrase the sites file adds (crawl.soft_404_phrases)
    "/fake.pdf": "bad-attachment",
    "/empty.doc": "bad-attachment",
    "/text.xls": "bad-attachment",
    "/real.pdf": "ok",
    "/empty.css": "ok",  # an empty stylesheet is a legitimate file
    "/error-page.png": "bad-attachment",  # an image URL answered with an HTML page
    "/missing.pdf": "dead",
    "/gone.html": "dead",
    "/flaky-404.html": "ok",
    "/challenge.html": "blocked",
    "/waf.html": "blocked",
    "/always-500.html": "server-error",
}


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, slow_seconds: float = 3.0) -> None:
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.slow_seconds = slow_seconds
        self.extra_links: list[str] = []
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request, client_address) -> None:
        pass  # the crawler hanging up on /slow.html is part of the test

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, *args) -> None:
        pass

    def send(self, status: int, body: bytes | str = b"", ctype: str = "text/html; charset=utf-8", **headers) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), str(value))
        self.end_headers()
        self.wfile.write(data)

    def reset(self) -> None:
        # close with RST and no response at all
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: C901 - one branch per case is the point
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.hits[path] += 1
            self.server.times.setdefault(path, []).append(time.monotonic())
            n = self.server.hits[path]
        if path.startswith("/soft-site/"):
            return self.soft_site(path)
        if path == "/":
            links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in [*EXPECTED, *self.server.extra_links])
            return self.send(200, f"<html><head><title>故障测试站</title></head><body><ul>{links}</ul></body></html>")
        if path in ("/ok.html", "/ok2.html", "/mentions-404.html") or (path.startswith("/flaky") and n > 1):
            text = f"正文提到“页面不存在”这几个字。{LONG}" if path == "/mentions-404.html" else LONG
            return self.send(200, PAGE.format(t="正常页面", body=text))
        if path == "/flaky-503.html":
            return self.send(503, "busy")
        if path == "/flaky-reset.html" or path == "/reset.html":
            return self.reset()
        if path == "/flaky-404.html":
            return self.send(404, "not found")
        if path == "/ratelimit.html":
            return self.send(429, "slow down", Retry_After=1) if n == 1 else self.send(200, PAGE.format(t="限流后", body=LONG))
        if path == "/always-429.html":
            return self.send(429, "slow down", Retry_After=3600)
        if path == "/slow.html":
            time.sleep(self.server.slow_seconds)
            return self.send(200, PAGE.format(t="慢", body=LONG))
        if path == "/chain-1.html":
            return self.send(301, Location="/chain-2.html")
        if path == "/chain-2.html":
            return self.send(302, Location="/ok2.html")
        if path in ("/loop-a.html", "/loop-b.html"):
            return self.send(302, Location="/loop-b.html" if path == "/loop-a.html" else "/loop-a.html")
        if path == "/withdrawn.html":
            return self.send(200, PAGE.format(t="该信息已撤稿", body=LONG))
        if path == "/soft404.html":
            return self.send(200, ERROR_PAGE)
        if path == "/gone-home.html":
            return self.send(302, Location="/")
        if path == "/refresh-404.html":
            return self.send(200, '<html><head><meta http-equiv="refresh" content="0;url=/404.html"></head><body>请稍候</body></html>')
        if path == "/404.html":
            return self.send(200, ERROR_PAGE)
        if path == "/fake.pdf":
            return self.send(200, ERROR_PAGE, ctype="application/pdf")
        if path == "/empty.doc":
            return self.send(200, b"", ctype="application/msword")
        if path == "/text.xls":
            return self.send(200, "file not found", ctype="application/vnd.ms-excel")
        if path == "/empty.css":
            return self.send(200, b"", ctype="text/css")
        if path == "/error-page.png":
            return self.send(200, ERROR_PAGE)
        if path == "/real.pdf":
            return self.send(200, PDF, ctype="application/pdf")
        if path == "/gone.html":
            return self.send(410, "gone")
        if path == "/challenge.html":
            # a cookie challenge that keeps failing: it sets its cookie and reloads once, and the
            # server still refuses (a WAF that never clears)
            return self.send(412, "<html><script>document.cookie='__jsl_clearance=1';"
                                  "if(!sessionStorage.tried){sessionStorage.tried=1;location.reload()}</script></html>")
        if path == "/waf.html":
            return self.send(403, "<html><title>访问被拦截</title></html>")
        if path == "/always-500.html":
            return self.send(500, "error")
        return self.send(404, "not found")

    def soft_site(self, path: str) -> None:
        """A site that answers every missing URL with a 200 page in its own template."""
        if path == "/soft-site/":
            links = '<a href="/soft-site/ok.html">正常</a> <a href="/soft-site/nope.html">已删除</a> <a href="/ok.html">共用</a>'
            return self.send(200, f"<html><head><title>软站首页</title></head><body>{links}</body></html>")
        if path == "/soft-site/ok.html":
            return self.send(200, PAGE.format(t="软站正常页", body=LONG))
        return self.send(200, PAGE.format(t="示例站点", body="欢迎访问示例站点。" * 80))
