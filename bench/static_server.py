"""A lean static file server for benchmarks (loopback only), run in its own process.

    /tmp/venv/bin/python bench/static_server.py ROOT [--port N]

It prints its URL and serves ROOT like ``govwatch.demo.server`` does (``/dir/`` is
``dir/index.html``, ``/dir`` redirects to ``/dir/``, names starting with ``_`` are private,
404 for anything else, GET and HEAD, HTTP/1.1 keep-alive), but sends every response in one
write with TCP_NODELAY and listens with a backlog of 128. On SIGTERM it writes its request and
connection counts to stderr as JSON.

Why not the demo server: it writes headers and body separately without TCP_NODELAY, so on a
keep-alive connection every GET waits for the client's delayed ACK (~40 ms on Linux loopback),
and it keeps socketserver's listen backlog of 5, so when a crawler opens 16 connections at
once SYNs are dropped and retried after 1-3 s. A benchmark against it measures those waits,
not the crawler.
"""

from __future__ import annotations

import argparse
import json
from email.utils import formatdate
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".js": "application/javascript; charset=utf-8", ".png": "image/png", ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
NOT_FOUND = ('<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
             "<body><h1>404 页面不存在</h1><p>您访问的页面不存在，请检查网址是否正确。</p></body></html>\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GovWatchBench/1.0"
    disable_nagle_algorithm = True
    timeout = 30

    def do_GET(self) -> None:
        self.respond(body=True)

    def do_HEAD(self) -> None:
        self.respond(body=False)

    def respond(self, body: bool) -> None:
        self.server.requests += 1
        path = unquote(urlsplit(self.path).path) or "/"
        parts = [p for p in path.split("/") if p]
        status, ctype, data, extra = 404, TYPES[".html"], NOT_FOUND, ""
        if not any(p in ("..", ".") or p.startswith("_") for p in parts):
            target = self.server.root.joinpath(*parts)
            if target.is_dir():
                if not path.endswith("/"):
                    status, data, extra = 301, b"", f"Location: {path}/\r\n"
                target = target / "index.html"
            if status == 404 and target.is_file():
                # validators as nginx gives static files: conditional requests answer 304
                st = target.stat()
                etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
                extra = f"ETag: {etag}\r\nLast-Modified: {formatdate(int(st.st_mtime), usegmt=True)}\r\n"
                ctype = TYPES.get(target.suffix.lower(), "application/octet-stream")
                if self.headers.get("If-None-Match") == etag:
                    status, data = 304, b""
                else:
                    status, data = 200, target.read_bytes()
        reason = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found"}[status]
        head = (f"HTTP/1.1 {status} {reason}\r\nServer: {self.server_version}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(data)}\r\n{extra}\r\n").encode("latin-1")
        self.wfile.write(head + data if body else head)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops SYNs when a crawler opens 16 connections at once
    root: Path
    requests = 0  # counted without a lock: an estimate under concurrency, exact in practice
    connections = 0

    def get_request(self):
        self.connections += 1
        return super().get_request()

    def handle_error(self, request, client_address) -> None:
        pass  # crawlers drop connections; stay quiet


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve a folder on 127.0.0.1 for benchmarks.")
    ap.add_argument("root", type=Path)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1", help="a loopback address, e.g. 127.0.0.7 (one host per portal)")
    args = ap.parse_args(argv)
    httpd = Server((args.host, args.port), Handler)
    httpd.root = args.root.resolve()
    print(f"http://{args.host}:{httpd.server_address[1]}/", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        # the totals, for the benchmark (stderr)
        print(json.dumps({"requests": httpd.requests, "connections": httpd.connections}), file=sys.stderr, flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
