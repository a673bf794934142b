"""The tests' one local HTTP server (tests/httpserver.py): routes, the request log, special answers."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
from httpserver import LocalServer, RequestLog, Response, redirect


def get(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def test_routes_exact_prefix_pattern_default_and_methods():
    with LocalServer("127.0.0.2") as site:
        site.route("/", "<p>首页</p>")
        site.route("/files/*", lambda req: Response(body=b"%PDF-1.4 " + req.path.encode(), content_type="application/pdf"))
        site.route("/files/special/*", b"special")
        site.route(re.compile(r"/a/\d+\.html"), lambda req: f"article {req.path} {req.query}")
        site.route("/old.html", redirect("/", 301))
        site.route("/hook", lambda req: Response(201, req.body), methods=("POST",))
        assert site.url == f"http://127.0.0.2:{site.port}/"
        status, body, headers = get(site.url)
        assert (status, body.decode(), headers["Content-Type"]) == (200, "<p>首页</p>", "text/html; charset=utf-8")
        assert get(site.url + "files/x.pdf")[:2] == (200, b"%PDF-1.4 /files/x.pdf")
        assert get(site.url + "files/special/y")[1] == b"special"  # the longest prefix wins
        assert get(site.url + "a/12.html?p=2")[1] == b"article /a/12.html p=2"
        assert get(site.url + "a/x.html")[0] == 404
        assert get(site.url + "old.html")[1] == "<p>首页</p>".encode()  # followed
        assert get(site.url + "hook", "POST", b'{"a": 1}')[:2] == (201, b'{"a": 1}')
        status, _, headers = get(site.url + "hook")
        assert status == 405 and headers["Allow"] == "POST"
        status, body, headers = get(site.url, "HEAD")
        assert status == 200 and body == b"" and headers["Content-Length"] == str(len("<p>首页</p>".encode()))
        assert get(site.url + "nothing")[0] == 404
        hook = [r for r in site.requests if r.method == "POST"]
        assert [(r.path, r.body) for r in hook] == [("/hook", b'{"a": 1}')]
        assert site.hits["/old.html"] == 1 and site.hits["/"] == 3  # GET, via the redirect, HEAD


def test_the_log_counts_in_flight_per_host_across_servers():
    log = RequestLog()
    servers = [LocalServer("127.0.0.3", log=log, routes={"/": lambda req: Response(body="x", delay=0.3)})
               for _ in range(2)]
    try:
        threads = [threading.Thread(target=get, args=(s.url,)) for s in servers for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in servers:
            s.stop()
    assert log.peak("127.0.0.3") == 4 and log.hits("/", "127.0.0.3") == 4
    assert all(r.answered - r.started >= 0.29 for r in log.requests)
    assert [r.n for r in servers[0].requests] == [1, 2]  # counted per server


def test_flaky_routes_see_how_many_times_they_were_asked():
    with LocalServer() as site:
        site.route("/flaky", lambda req: Response(503, "busy", headers={"Retry-After": "1"}) if req.n == 1 else "ok")
        status, _, headers = get(site.url + "flaky")
        assert status == 503 and headers["Retry-After"] == "1"
        assert get(site.url + "flaky")[:2] == (200, b"ok")


def test_trickle_reset_raw_and_ipv6():
    with LocalServer() as site:
        site.route("/trickle", Response(chunks=[b"a", b"b", b"c"], pause=0.2))
        site.route("/reset", Response(reset=True))
        site.route("/raw", Response(raw=True, chunks=[b"HTTP/1.1 200 OK\r\n", b"X-A: 1\r\n"], pause=0.1))
        started = time.monotonic()
        assert get(site.url + "trickle")[1] == b"abc" and time.monotonic() - started >= 0.4
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError)):
            get(site.url + "reset")
        with socket.create_connection(("127.0.0.1", site.port), timeout=10) as conn:
            conn.sendall(b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n")
            got = b""
            while chunk := conn.recv(100):
                got += chunk
        assert got == b"HTTP/1.1 200 OK\r\nX-A: 1\r\n"  # the chunks alone, and the headers never end
    try:
        v6 = LocalServer("::1", routes={"/": "v6"})
    except OSError:
        pytest.skip("no IPv6 loopback")
    with v6:
        assert v6.url == f"http://[::1]:{v6.port}/" and get(v6.url)[1] == b"v6"
