"""A small threaded static server for the demo portal (127.0.0.1 only).

Files are read from the root at request time, so a user can fix a planted problem by editing
or adding a file and re-running the audit. root/_routes.json holds special responses
({"/path": {"status": 301, "location": "/x"}}, {"status": 410}, any status, optional "headers"
and "body"); it is re-read on every request for the same reason.

It also answers 大汉 Hanweb's list endpoint /module/web/jpage/dataproxy.jsp from
root/_dataproxy.json ({"<columnid>": {"perpage": 15, "records": ["<li>…</li>", …]}}), as Hanweb does:
GET ?page=N&…&columnid=C (page N of perpage records, N from 1) or POST
?startrecord=S&endrecord=E&perpage=P with the form body col=1&appid=1&…&columnid=C&… (records S..E).
The answer is text/xml: <datastore><totalrecord>…</totalrecord><totalpage>…</totalpage><recordset>
<record><![CDATA[…]]></record>…</recordset></datastore>; an unknown columnid gives totalrecord 0.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import math
import mimetypes
import sys
import threading
from datetime import date, datetime
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "application/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8", ".xml": "application/xml; charset=utf-8",
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".ico": "image/x-icon",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ERRORS = {404: ("页面不存在", "您访问的页面不存在，请检查网址是否正确。"),
           410: ("页面已删除", "您访问的页面已被删除。")}
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
_MAX_FORM = 1 << 20  # a dataproxy form is a few hundred bytes


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def dataproxy_xml(data: dict, params: dict[str, str]) -> bytes:
    """What Hanweb's dataproxy.jsp answers for these parameters (query and form merged)."""
    column = data.get(str(params.get("columnid", "")).strip())
    if not isinstance(column, dict):
        column = {}
    records = [r for r in column.get("records", []) if isinstance(r, str)]
    per_page = _int(params.get("perpage")) or _int(str(column.get("perpage", ""))) or 15
    per_page = max(1, per_page)
    start = _int(params.get("startrecord"))
    if start is not None:  # POST style: a record range, 1-based and inclusive
        start = max(1, start)
        end = _int(params.get("endrecord"))
        end = start + per_page - 1 if end is None else end
    else:  # GET style: a page number from 1
        page = max(1, _int(params.get("page")) or 1)
        start, end = (page - 1) * per_page + 1, page * per_page
    chosen = records[start - 1:max(end, start - 1)]
    total = len(records)
    rows = "".join(f"<record><![CDATA[{r.replace(']]>', ']]]]><![CDATA[>')}]]></record>\n" for r in chosen)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<datastore>\n<totalrecord>{total}</totalrecord>\n'
            f"<totalpage>{math.ceil(total / per_page)}</totalpage>\n<recordset>\n{rows}</recordset>\n"
            f"</datastore>\n").encode("utf-8")


def _error_page(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "错误"
    title, text = _ERRORS.get(status, (phrase, ""))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{status} {title}</title></head>'
            f'<body><h1>{status} {title}</h1><p>{text}</p><p><a href="/">返回首页</a></p></body></html>\n').encode("utf-8")


class _Handler(SimpleHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK wait
    server_version = "GovWatchDemo/1.0"
    timeout = 30  # idle keep-alive connections do not pin threads forever

    def version_string(self) -> str:
        return self.server_version

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def do_POST(self) -> None:
        length = _int(self.headers.get("Content-Length")) or 0
        if self.headers.get("Transfer-Encoding") or length < 0 or length > _MAX_FORM:
            self.close_connection = True  # a body we do not read must not be taken for the next request
            self._send(413 if length > _MAX_FORM else 411, b"", "text/plain; charset=utf-8", True)
            return
        raw = self.rfile.read(length) if length else b""
        path = unquote(urlsplit(self.path).path) or "/"
        if path != DATAPROXY_PATH:
            self._send(405, _error_page(405), "text/html; charset=utf-8", True, {"Allow": "GET, HEAD"})
            return
        form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        self._dataproxy({k: v[0] for k, v in form.items()}, body=True)

    def _dataproxy(self, form: dict[str, str], body: bool) -> None:
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        params = {k: v[0] for k, v in query.items()}
        params.update(form)  # the POST body carries columnid; the query the record range
        try:
            data = json.loads((self.server.root / "_dataproxy.json").read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        self._send(200, dataproxy_xml(data if isinstance(data, dict) else {}, params),
                   "text/xml; charset=utf-8", body)

    def _send(self, status: int, data: bytes, ctype: str, body: bool, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _routes(self) -> dict:
        try:
            return json.loads((self.server.root / "_routes.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}

    def _file(self, path: str) -> Path | None | str:
        """The file for a URL path, None if missing, or a "/dir/" string to redirect to."""
        root = self.server.root
        parts = [p for p in path.split("/") if p]
        if any(p in ("..", ".") or p.startswith("_") for p in parts):  # private files and escapes
            return None
        target = root.joinpath(*parts)
        if target.is_dir():
            if not path.endswith("/"):
                return path + "/"
            target = target / "index.html"
        try:
            target.resolve().relative_to(root.resolve())
        except ValueError:
            return None
        return target if target.is_file() else None

    def _respond(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path) or "/"
        with self.server.lock:  # what was asked, for tests and benchmarks (PortalServer.hits)
            self.server.hits[path] = self.server.hits.get(path, 0) + 1
        route = self._routes().get(path)
        if route:
            status = int(route.get("status", 200))
            headers = dict(route.get("headers", {}))
            if "location" in route:
                headers["Location"] = route["location"]
            data = route["body"].encode("utf-8") if "body" in route else (
                b"" if 300 <= status < 400 else _error_page(status))
            self._send(status, data, route.get("content_type", "text/html; charset=utf-8"), body, headers)
            return
        if path == DATAPROXY_PATH:
            self._dataproxy({}, body)
            return
        found = self._file(path)
        if isinstance(found, str):
            self._send(301, b"", "text/html; charset=utf-8", body, {"Location": found})
        elif found is None:
            self._send(404, _error_page(404), "text/html; charset=utf-8", body)
        else:
            ext = found.suffix.lower()
            ctype = _TYPES.get(ext) or mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            # validators as nginx gives static files, so conditional requests work as on real portals
            stat = found.stat()
            validators = {"ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
                          "Last-Modified": email.utils.formatdate(int(stat.st_mtime), usegmt=True)}
            if self.headers.get("If-None-Match") == validators["ETag"]:
                self._send(304, b"", ctype, False, validators)
                return
            self._send(200, found.read_bytes(), ctype, body, validators)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawler opens many connections at once; 5 drops some
    root: Path
    verbose: bool
    hits: dict[str, int]
    lock: threading.Lock

    def handle_error(self, request, client_address) -> None:
        # Clients dropping connections mid-response is normal for crawlers; stay quiet.
        if self.verbose:
            super().handle_error(request, client_address)


class PortalServer:
    """Serves a portal root on 127.0.0.1 in a daemon thread; usable as a context manager."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.root = Path(root)
        self._httpd = _Server((host, port), _Handler)
        self._httpd.root = self.root
        self._httpd.verbose = verbose
        self._httpd.hits = {}
        self._httpd.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def hits(self) -> dict[str, int]:
        """GET/HEAD requests served so far, by URL path."""
        return self._httpd.hits

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._httpd.server_address[0]}:{self.port}/"

    def start(self) -> "PortalServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="govwatch-demo-portal", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> "PortalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m govwatch.demo.server", description="Serve the GovWatch demo portal.")
    ap.add_argument("root", type=Path, help="portal folder")
    ap.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    ap.add_argument("--as-of", type=date.fromisoformat, default=None, help="as-of date for --write (YYYY-MM-DD)")
    ap.add_argument("--write", action="store_true", help="write the portal into ROOT first")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    if args.write:
        from govwatch.demo.portal import write_portal

        # Default as-of: today where the portals are (DESIGN.md's default timezone).
        write_portal(args.root, args.as_of or datetime.now(ZoneInfo("Asia/Shanghai")).date())
    elif not args.root.is_dir():
        ap.error(f"{args.root} is not a folder (use --write to create the portal)")
    srv = PortalServer(args.root, port=args.port, verbose=args.verbose)
    print(srv.url, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv._httpd.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
