"""Several workers on one night (`queue:` in the sites file): Redis (the run's queue) and
PostgreSQL (the store) are real servers; the portals are real HTTP servers on 127.0.0.x.

Workers give exactly the violations one process gives, hosts stay polite for the whole cluster
(measured on the server side), a worker killed with SIGKILL loses nothing and doubles nothing,
a coordinator killed mid-night is resumed, and a lost Redis fails the run with a message.
CI starts Redis and PostgreSQL (.ci/run); a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import govwatch, postgres_database, violations_json
from govwatch.demo.server import PortalServer
from httpserver import LocalServer, Request, RequestLog, Response
from test_incremental import write_site
from test_one_engine import _html, serve

pytestmark = pytest.mark.slow

# the role tests/services.sh makes (install.sh --test, .ci/run)
PG_ADMIN = os.environ.get("GOVWATCH_TEST_CLUSTER_POSTGRES",
                          "postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GOVWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")
FAST = {"GOVWATCH_WORKER_TIMEOUT": "3"}  # a killed worker's requests come back after 3 s


@pytest.fixture
def pg_url():
    def missing(why: str) -> None:
        pytest.fail(f"the cluster tests need PostgreSQL: {why} (set GOVWATCH_TEST_CLUSTER_POSTGRES; "
                    "tests/services.sh starts it)")

    with postgres_database(PG_ADMIN, missing, "govwatch_cluster") as url:
        yield url


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.RedisError as exc:
        pytest.fail(f"the cluster tests need Redis at {REDIS} (set GOVWATCH_TEST_REDIS; tests/services.sh starts it): {exc}")
    return REDIS


def portals(tmp_path: Path, count: int, articles: int = 6) -> list[PortalServer]:
    """``count`` small portals, each on its own loopback address (its own host)."""
    servers = []
    for i in range(count):
        root = tmp_path / f"portal{i}"
        write_site(root, articles=articles)
        servers.append(PortalServer(root, host=f"127.0.0.{i + 2}").start())
    return servers


def sites_yaml(path: Path, urls: list[str], database: str, queue: str | None, crawl: str) -> str:
    entries = "".join(f"  - name: 站点{i}\n    url: {url}\n" for i, url in enumerate(urls))
    queue_line = f"queue: {queue}\n" if queue else ""
    path.write_text(f"database: {database}\n{queue_line}crawl: {{{crawl}, robots: false}}\nsites:\n{entries}",
                    "utf-8")
    return str(path)


def start_workers(sites: str, n: int, env: dict | None = None) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-m", "crawler", "worker", "--config", sites, "--once"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **(env or {})}, start_new_session=True)
            for _ in range(n)]


def start_coordinator(sites: str, env: dict | None = None) -> subprocess.Popen:
    """`govwatch run` in the background (its stderr readable)."""
    return subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", sites, "--as-of", "2026-11-23"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def finish_workers(workers: list[subprocess.Popen]) -> list[str]:
    out = []
    for w in workers:
        try:
            _, err = w.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(w.pid, signal.SIGKILL)
            _, err = w.communicate()
        out.append(err)
    return out


def problems(sites: str) -> set[tuple[str, str, str]]:
    return {(v["site"], v["rule"], v["url"]) for v in violations_json(sites)}


def rows(database: str) -> dict[str, int]:
    engine = create_engine(database)
    with engine.connect() as conn:
        out = {table: conn.execute(text(f"select count(*) from {table}")).scalar()
               for table in ("pages", "links", "link_checks", "column_items", "columns")}
        out["distinct pages"] = conn.execute(text("select count(*) from (select distinct run_id, url from pages) d")).scalar()
    engine.dispose()
    return out


def single_rows(tmp_path: Path) -> dict[str, int]:
    return rows(f"sqlite:///{tmp_path / 'one' / 'govwatch.db'}")


def one_process(tmp_path: Path, urls: list[str], crawl: str) -> str:
    (tmp_path / "one").mkdir()
    sites = sites_yaml(tmp_path / "one" / "sites.yaml", urls, "sqlite:///govwatch.db", None, crawl)
    govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    return sites


def test_three_workers_find_exactly_what_one_process_finds(tmp_path, pg_url, redis_url):
    servers = portals(tmp_path, 30)
    try:
        urls = [s.url for s in servers]
        crawl = "delay: 0, concurrency: 2"
        single = one_process(tmp_path, urls, crawl)
        sites = sites_yaml(tmp_path / "sites.yaml", urls, pg_url, redis_url, crawl)
        workers = start_workers(sites, 3)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        logs = finish_workers(workers)
    finally:
        for s in servers:
            s.stop()
    found = problems(sites)
    assert len(found) >= 60 and {rule for _, rule, _ in found} >= {"dead-link"}  # every portal has dead links
    assert found == problems(single)
    assert rows(pg_url) == single_rows(tmp_path)
    shares = [int(log.split(" crawled ")[1].split()[0]) for log in logs]
    assert all(share > 0 for share in shares), logs  # each worker took part


def test_politeness_holds_for_the_whole_cluster(tmp_path, pg_url, redis_url):
    log = RequestLog()
    hosts = ["127.0.0.2", "127.0.0.3"]
    servers = [serve(log, host, f"http://{host}:1/none", pause=0.05) for host in hosts]
    try:
        urls = [s.url for s in servers]
        sites = sites_yaml(tmp_path / "sites.yaml", urls, pg_url, redis_url, "concurrency: 1, delay: 0.2")
        workers = start_workers(sites, 3)
        govwatch("crawl", "--config", sites, "--as-of", "2026-11-23")
        finish_workers(workers)
    finally:
        for s in servers:
            s.stop()
    for host in hosts:
        assert log.peak(host) == 1  # three workers, one connection per host
        starts = sorted(log.times(host))
        gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
        # and the delay between requests: the gate spaces them as workers take them, so their
        # arrival varies by a worker's own latency (one that is still starting its processes may
        # send 0.1 s late, once), never by a second worker sending at once. Each worker keeping a
        # delay of its own would make most gaps 0.2 / 3 s.
        short = [gap for gap in gaps if gap < 0.15]
        assert len(starts) > 10 and gaps[len(gaps) // 2] >= 0.19 and len(short) <= 1 and gaps[0] >= 0.03, gaps


def test_retry_after_holds_the_host_for_every_worker(tmp_path, pg_url, redis_url):
    log = RequestLog()
    host = "127.0.0.2"
    asked: list[float] = []

    def article(request: Request) -> Response:
        if request.path == "/tzgg/3.html" and not asked:  # once: slow down, for 2 s
            asked.append(time.monotonic())
            return Response(429, headers={"Retry-After": "2"}, content_type=None)
        return Response(200 if request.path != "/none" else 404, _html("通知", "<p>发布日期：2026-11-12</p>"))

    rows = "".join(f'<li><a href="/tzgg/{i}.html">第{i}号通知的标题</a><span>2026-11-1{i}</span></li>' for i in range(10))
    server = LocalServer(host, log=log, default=article, routes={
        "/": _html("示例县人民政府", '<a href="/tzgg/">通知公告</a>'),
        "/tzgg/": _html("通知公告", f'<ul class="list">{rows}</ul>'),
    })
    try:
        sites = sites_yaml(tmp_path / "sites.yaml", [server.url], pg_url, redis_url, "concurrency: 1, delay: 0")
        workers = start_workers(sites, 2)
        govwatch("crawl", "--config", sites, "--as-of", "2026-11-23")
        finish_workers(workers)
    finally:
        server.stop()
    assert asked and log.hits("/tzgg/3.html", host) == 2  # asked to wait, then retried
    after = [t for t in log.times(host) if t > asked[0]]
    assert after and min(after) - asked[0] >= 1.9  # no worker sent the host anything meanwhile
    assert len(log.times(host)) > 12


def test_a_worker_killed_mid_night_loses_nothing_and_doubles_nothing(tmp_path, pg_url, redis_url):
    servers = portals(tmp_path, 4, articles=20)
    try:
        urls = [s.url for s in servers]
        crawl = "delay: 0.05, concurrency: 2"
        single = one_process(tmp_path, urls, crawl)
        sites = sites_yaml(tmp_path / "sites.yaml", urls, pg_url, redis_url, crawl)
        workers = start_workers(sites, 2, FAST)
        coordinator = start_coordinator(sites, FAST)
        _wait_for_pages(pg_url, 30)
        os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and its crawl process, mid-night
        _, err = coordinator.communicate(timeout=240)
        assert coordinator.returncode == 0, err
        finish_workers(workers)
    finally:
        for s in servers:
            s.stop()
    assert "stopped answering" in err  # its leases went back to the queue
    assert problems(sites) == problems(single)
    assert rows(pg_url) == single_rows(tmp_path)


def test_a_coordinator_killed_mid_night_is_resumed(tmp_path, pg_url, redis_url):
    servers = portals(tmp_path, 3, articles=20)
    try:
        urls = [s.url for s in servers]
        crawl = "delay: 0.05, concurrency: 2"
        single = one_process(tmp_path, urls, crawl)
        sites = sites_yaml(tmp_path / "sites.yaml", urls, pg_url, redis_url, crawl)
        coordinator = start_coordinator(sites)
        workers = start_workers(sites, 1)
        _wait_for_pages(pg_url, 20)
        coordinator.kill()
        coordinator.wait()
        result = govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        finish_workers(workers)
    finally:
        for s in servers:
            s.stop()
    assert "resuming run 1" in result.stderr
    assert problems(sites) == problems(single)
    assert rows(pg_url) == single_rows(tmp_path)


def test_a_second_coordinator_is_refused(tmp_path, pg_url, redis_url):
    servers = portals(tmp_path, 1)
    try:
        sites = sites_yaml(tmp_path / "sites.yaml", [servers[0].url], pg_url, redis_url, "delay: 0")
        first = start_coordinator(sites)
        deadline = time.monotonic() + 60
        while "waiting for `govwatch worker`" not in (line := first.stderr.readline()):  # seeded, no worker yet
            assert line and time.monotonic() < deadline, "the first coordinator did not start"
        second = govwatch("run", "--config", sites, "--as-of", "2026-11-23", check=False)
        workers = start_workers(sites, 1)  # the first one finishes its night
        rest = first.communicate(timeout=120)[1]
        finish_workers(workers)
    finally:
        for s in servers:
            s.stop()
    assert second.returncode == 1 and "another govwatch run is using this database" in second.stderr
    assert first.returncode == 0, rest


def test_losing_redis_fails_the_run_with_a_message(tmp_path, pg_url):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed (Debian package redis-server; .ci/run installs it)")
    port = _free_port()
    redis_server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no"], stdout=subprocess.DEVNULL)
    servers = portals(tmp_path, 2, articles=30)
    try:
        _wait_port(port)
        queue = f"redis://127.0.0.1:{port}/0"
        sites = sites_yaml(tmp_path / "sites.yaml", [s.url for s in servers], pg_url, queue,
                           "delay: 0.1, concurrency: 1")
        coordinator = start_coordinator(sites)
        workers = start_workers(sites, 1)
        _wait_for_pages(pg_url, 10)
        redis_server.kill()  # and back, empty (no persistence): the run's queue is gone
        redis_server.wait()
        redis_server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        _, err = coordinator.communicate(timeout=120)
        finish_workers(workers)
    finally:
        redis_server.kill()
        for s in servers:
            s.stop()
    assert coordinator.returncode == 1, err
    assert "marked failed" in err and "queue" in err
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("select status from runs")).scalar() == "failed"  # never "crawled"
    engine.dispose()


def test_claims_of_a_gone_worker_are_taken_back(redis_url):
    """A callback claims URLs, then its worker dies before all their requests reach the queue:
    the request comes back, and what was claimed without a request can be claimed again."""
    import redis

    from crawler.cluster import RunQueue, decode, encode, run_prefix, slot_of
    from crawler.spiders.night import NightSpider
    from crawler.state import RedisRun

    client = redis.Redis.from_url(redis_url)
    space = f"govwatch:test{uuid.uuid4().hex[:8]}:"
    prefix = run_prefix(space, 1)
    try:
        spider = NightSpider(targets=[{"site": {"name": "县", "url": "http://127.0.0.9/", "columns": []}}],
                             shared=RedisRun(client, prefix), started=time.time())
        queue = RunQueue(client, space, 1, concurrency=4, delay=0)
        crawl = spider.crawls["县"]
        first = crawl.request("http://127.0.0.9/list.html", crawl.parse_page, crawl.check_failed, 10)
        queue.push(encode(first), slot_of(first.url), first.priority)
        slot, member = queue.pop("w1", "lease1")
        taken = decode(member, spider, prefix + "claims:lease1")
        twin = taken.callback.__self__
        assert twin.state.claim(["http://127.0.0.9/a.html", "http://127.0.0.9/b.html"]) == [
            "http://127.0.0.9/a.html", "http://127.0.0.9/b.html"]
        assert twin.spider.shared.decide("http://other.example/x.pdf")
        child = twin.request("http://127.0.0.9/a.html", twin.parse_page, twin.check_failed, 20)
        queue.push(encode(child), slot_of(child.url), child.priority, child.meta["_gw_claims"], child.url)
        # the worker dies here: b.html and the check of x.pdf never reached the queue
        assert queue.requeue("w1") == 1 and queue.leased() == 0 and queue.pending() == 2
        again = [decode(m, spider) for m in client.zrange(prefix + "q:127.0.0.9", 0, -1)]
        assert [r.url for r in again if r.meta.get("gw_again")] == ["http://127.0.0.9/list.html"]
        state = spider.crawls["县"].state
        assert state.claim(["http://127.0.0.9/a.html", "http://127.0.0.9/b.html"]) == ["http://127.0.0.9/b.html"]
        assert spider.shared.decide("http://other.example/x.pdf")
    finally:
        keys = list(client.scan_iter(match=space + "*"))
        if keys:
            client.delete(*keys)


def test_queue_needs_a_shared_database(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("database: sqlite:///g.db\nqueue: redis://127.0.0.1:6379/0\nsites: []\n", "utf-8")
    result = govwatch("worker", "--config", str(sites), check=False)
    assert result.returncode == 2
    assert "must be PostgreSQL" in result.stderr and "Traceback" not in result.stderr


def _wait_for_pages(database: str, n: int, timeout: float = 60) -> None:
    engine = create_engine(database)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    if conn.execute(text("select count(*) from pages")).scalar() >= n:
                        return
            except Exception:  # the schema is being created
                pass
            time.sleep(0.1)
        raise AssertionError(f"fewer than {n} pages stored after {timeout} s")
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"redis-server did not start on port {port}")
