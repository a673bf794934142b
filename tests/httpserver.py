"""One local HTTP server for the tests: named routes on a loopback address, every request logged.

::

    from httpserver import LocalServer, Response, redirect

    with LocalServer("127.0.0.2") as site:                      # port 0: the system picks one
        site.route("/", "<html><head><title>首页</title></head><body>...</body></html>")
        site.route("/old.html", redirect("/new.html"))
        site.route("/busy.html", Response(429, "slow down", headers={"Retry-After": "1"}))
        site.route("/flaky.html", lambda req: Response(503) if req.n == 1 else "<html>ok</html>")
        site.route("/files/*", lambda req: Response(body=b"%PDF-1.4", content_type="application/pdf"))
        site.route("/hook", lambda req: hooks.append(req.body), methods=("POST",))
        ...crawl site.url...
    assert site.hits["/busy.html"] == 2 and site.log.peak("127.0.0.2") == 1

A route is an exact path, a path ending in ``*`` (a prefix; the longest wins) or a compiled regular
expression (matched in full), and answers with a ``Response``, a ``str``/``bytes`` body (200, HTML)
or a callable taking the ``Request`` and returning one of these (``None``: an empty 200). The query
string is not part of the path. A route answers GET and HEAD unless given ``methods``; another
method gets 405, a path with no route gets ``default`` (a 404 page unless given).

The ``log`` (a ``RequestLog``, which several servers may share) keeps each request: method, path,
headers, body, and when it came and when its answer began (``started``, ``answered``, monotonic).
A request is *in flight* between the two, so ``log.peak(host)`` is the most requests a host had at
once (a politeness measurement) and ``Response(delay=...)`` keeps it in flight that long.

Special answers: ``Response(chunks=..., pause=...)`` sends the body piece by piece (a list, so that
a route answering every request with the same ``Response`` sends it each time; ``length``
announces a Content-Length other than the body's: a huge file the client is to hang up on);
``raw=True`` makes the chunks the whole answer, status line and headers included (a server that
never finishes its headers); ``reset=True`` closes the connection with a RST and no answer. A
forward proxy is a ``default`` callable: its ``Request.target`` is the whole URL asked for.
``tls=`` (an ``ssl.SSLContext`` or a PEM file with certificate and key) serves HTTPS; a ``host``
with a colon is IPv6 (``"::1"``). The server serves from construction until ``stop()`` (or the
end of its ``with``).
"""

from __future__ import annotations

import re
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

NOT_FOUND = "<html><head><title>404</title></head><body>not found</body></html>"


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    target: str  # as sent on the request line: a path, or the whole URL (to a proxy)
    path: str  # without the query string
    query: str
    headers: Message
    body: bytes
    host: str  # the server's own address and port
    port: int
    n: int  # the how-manieth request for this path on this server (1: the first)
    started: float  # time.monotonic() when the request had been read
    answered: float | None = None  # when the answer began (None: never answered)


@dataclass
class Response:
    """An answer. A ``str`` body is encoded in ``charset``; ``content_type`` is sent as given."""

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (the request stays in flight)
    chunks: Iterable[bytes] | None = None  # the body, written piece by piece after the headers
    pause: float = 0.0  # seconds after each chunk
    length: int | None = None  # the Content-Length announced, when not the body's own
    raw: bool = False  # the chunks are the whole answer (status line and headers too)
    reset: bool = False  # no answer: the connection is closed with a RST
    charset: str = "utf-8"

    def data(self) -> bytes:
        return self.body.encode(self.charset) if isinstance(self.body, str) else self.body


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, headers={"Location": location}, content_type=None)


Answer = Response | str | bytes | None
Route = Answer | Callable[[Request], Answer]


class RequestLog:
    """Every request of the servers that share this log, and how many each host had in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    def _enter(self, request: Request) -> None:
        with self.lock:
            self.requests.append(request)
            self._in_flight[request.host] += 1
            self._peak[request.host] = max(self._peak[request.host], self._in_flight[request.host])

    def _leave(self, request: Request) -> None:
        with self.lock:
            if request.answered is None:
                request.answered = time.monotonic()
                self._in_flight[request.host] -= 1

    def of(self, host: str | None = None, path: str | None = None, port: int | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if (host is None or r.host == host)
                    and (path is None or r.path == path) and (port is None or r.port == port)]

    def hits(self, path: str, host: str | None = None) -> int:
        return len(self.of(host, path))

    def times(self, host: str | None = None, path: str | None = None) -> list[float]:
        """When the requests came (time.monotonic()), in order."""
        return [r.started for r in self.of(host, path)]

    def peak(self, host: str) -> int:
        """The most requests ``host`` had in flight at once."""
        with self.lock:
            return self._peak[host]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self._peak = Counter(self._in_flight)


class LocalServer(ThreadingHTTPServer):
    """An HTTP server on ``host`` (a loopback address) with routes; serving once constructed."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, routes: dict | None = None,
                 default: Route = None, log: RequestLog | None = None,
                 tls: ssl.SSLContext | str | Path | None = None) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)
        self.host, self.port = host, self.server_address[1]
        self.log = log if log is not None else RequestLog()
        self.default: Route = Response(404, NOT_FOUND) if default is None else default
        self._exact: dict[str, tuple[Route, tuple[str, ...]]] = {}
        self._prefixes: list[tuple[str, Route, tuple[str, ...]]] = []
        self._patterns: list[tuple[re.Pattern, Route, tuple[str, ...]]] = []
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self.scheme = "http"
        if tls is not None:
            if not isinstance(tls, ssl.SSLContext):
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(tls)
                tls = context
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        for path, answer in (routes or {}).items():
            self.route(path, answer)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    # -- routes ------------------------------------------------------------------------------

    def route(self, path: str | re.Pattern, answer: Route, *, methods: Iterable[str] = ("GET", "HEAD")) -> LocalServer:
        methods = tuple(m.upper() for m in methods)
        if isinstance(path, re.Pattern):
            self._patterns.append((path, answer, methods))
        elif path.endswith("*"):
            self._prefixes.append((path[:-1], answer, methods))
            self._prefixes.sort(key=lambda p: -len(p[0]))
        else:
            self._exact[path] = (answer, methods)
        return self

    def _find(self, path: str) -> tuple[Route, tuple[str, ...]] | None:
        if path in self._exact:
            return self._exact[path]
        for prefix, answer, methods in self._prefixes:
            if path.startswith(prefix):
                return answer, methods
        for pattern, answer, methods in self._patterns:
            if pattern.fullmatch(path):
                return answer, methods
        return None

    # -- what it saw -------------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        return self.log.of(self.host, port=self.port)

    @property
    def hits(self) -> Counter[str]:
        """Requests by path, on this server."""
        return Counter(r.path for r in self.requests)

    @property
    def times(self) -> dict[str, list[float]]:
        """When each path was asked for (time.monotonic()), on this server."""
        out: dict[str, list[float]] = {}
        for r in self.requests:
            out.setdefault(r.path, []).append(r.started)
        return out

    # -- where and how long ------------------------------------------------------------------

    @property
    def base(self) -> str:
        """host:port (IPv6 in brackets)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.base}/"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)  # a client hanging up is part of the tests

    def _count(self, path: str) -> int:
        with self._counts_lock:
            self._counts[path] += 1
            return self._counts[path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LocalServer

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        server = self.server
        target = self.path
        path, _, query = target.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, target, path, query, self.headers, body, server.host, server.port,
                          server._count(path), time.monotonic())
        server.log._enter(request)
        try:
            found = server._find(path)
            if found is None:
                answer = server.default
            elif self.command not in found[1]:
                answer = Response(405, "method not allowed", headers={"Allow": ", ".join(found[1])})
            else:
                answer = found[0]
            if callable(answer):
                answer = answer(request)
            if answer is None:
                answer = Response()
            elif not isinstance(answer, Response):
                answer = Response(body=answer)
            if answer.delay:
                time.sleep(answer.delay)
            server.log._leave(request)  # out of flight before the answer goes out
            self._answer(answer)
        finally:
            server.log._leave(request)

    def _answer(self, answer: Response) -> None:
        if answer.reset:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if answer.raw:
            self.close_connection = True
            self._trickle(answer.chunks or (), answer.pause)
            return
        data = answer.data()
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        length = answer.length if answer.length is not None else (None if answer.chunks is not None else len(data))
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in answer.headers.items():
            self.send_header(name, str(value))
        self.end_headers()
        if self.command == "HEAD":
            return
        if answer.chunks is not None:
            self._trickle(answer.chunks, answer.pause)
        else:
            self.wfile.write(data)

    def _trickle(self, chunks: Iterable[bytes], pause: float) -> None:
        try:
            for chunk in chunks:
                self.wfile.write(chunk)
                self.wfile.flush()
                if pause:
                    time.sleep(pause)
        except OSError:
            self.close_connection = True  # the client hung up: as it may
