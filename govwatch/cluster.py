"""A night shared by workers: `govwatch run` coordinates, `govwatch worker`s crawl.

With `queue: redis://…` (and a PostgreSQL `database:`) in the sites file, `govwatch run` opens the
run, seeds the sites' first requests into the run's queue in Redis (crawler.cluster), and waits:
workers on any machine take requests, write results to PostgreSQL and give new requests back.
When the queue is empty and no request is leased to a worker, the crawl is over; the coordinator
applies what was carried over from earlier nights and each site's coverage, and the night goes
on as on one machine (check, verdicts, report, notifications, once).

Faults: a worker silent for ``crawler.cluster.ALIVE_SECONDS`` has its leased requests put back
in the queue; a coordinator that crashed finds its run in Redis and resumes it; Redis lost
(down past the client's retries, or restarted empty) fails the run with a message, never
"complete". A second coordinator is refused by the run lock (govwatch.lock), as on one machine.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import pickle
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from crawler.cluster import RunQueue, alive_key, connect, current_key, encode, namespace, run_prefix, slot_of, worker_name
from crawler.errors import Interrupted, RunFailed
from govwatch.config import AccountConfig, Config, ConfigError, SiteConfig
from govwatch.store import models as m
from govwatch.store.db import Store

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


def masked(url: str) -> str:
    """A Redis URL without its password, for logs and messages."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def _client(config: Config):
    import redis

    client = connect(config.queue)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ConfigError(f"{config.path}: queue: cannot reach {masked(config.queue)}: {exc}") from None
    return client


# -- the coordinator ---------------------------------------------------------------------------


def coordinate(config: Config, store: Store, sites: list[SiteConfig], as_of: dt.date,
               accounts: list[AccountConfig] = (), full: bool = False) -> int:
    """Open (or resume) the run, seed it, wait for the workers to empty its queue, finish it."""
    from govwatch import jobs

    client = _client(config)
    space = namespace(config.database)
    names = [x.name for x in [*sites, *accounts]]
    run_id = _resumable(client, space, store)
    if run_id is None:
        run_id = jobs.start_run(store, config, sites, as_of, accounts)
        _seed(client, space, config, store, run_id, sites, accounts, as_of, full)
    else:
        log.warning("resuming run %s from the queue at %s", run_id, masked(config.queue))
    print(f"run {run_id}: queued at {masked(config.queue)}; waiting for `govwatch worker` to crawl it",
          file=sys.stderr)
    queue = RunQueue(client, space, run_id)
    try:
        _wait(client, queue, store, config)
    except RunFailed:
        _forget(client, space, run_id)
        raise
    _finish(client, queue, store, names, full)
    return run_id


def _resumable(client, space: str, store: Store) -> int | None:
    """The run a crashed coordinator left in Redis, if the database still has it crawling."""
    current = client.get(current_key(space))
    if current is None:
        return None
    run_id = int(current)
    with store.session() as s:
        run = s.get(m.Run, run_id)
    if run is not None and run.status == "crawling" and client.exists(run_prefix(space, run_id) + "seeded"):
        return run_id
    _forget(client, space, run_id)
    return None


def _seed(client, space: str, config: Config, store: Store, run_id: int, sites: list[SiteConfig],
          accounts: list[AccountConfig], as_of: dt.date, full: bool) -> None:
    from crawler.settings import run_settings
    from crawler.spiders.night import NightSpider
    from crawler.state import RedisRun
    from govwatch import jobs

    prefix = run_prefix(space, run_id)
    specs = jobs.target_specs(config, store, sites, accounts, full)
    started = time.time()
    client.set(prefix + "spec", json.dumps({"targets": specs, "full": full, "as_of": as_of.isoformat(),
                                            "started": started, "sites": [s.name for s in sites],
                                            "accounts": [a.name for a in accounts]}))
    settings = run_settings(config.crawl, jobs.host_politeness(config, sites))
    queue = RunQueue(client, space, run_id)
    queue.configure(settings["DOWNLOAD_SLOTS"])
    memory = jobs.url_memory(store, [x.name for x in [*sites, *accounts]], as_of, full)
    spider = NightSpider(targets=specs, memory=memory, shared=RedisRun(client, prefix), started=started)
    for crawl in spider.crawls.values():
        for request in crawl.start_requests():
            queue.push(encode(request), slot_of(request.url), request.priority)
    client.set(prefix + "seeded", "1")
    client.set(current_key(space), run_id)


def _wait(client, queue: RunQueue, store: Store, config: Config) -> None:
    """Until the queue is empty and nothing is leased; gone workers' leases go back meanwhile."""
    import redis

    prefix, run_id = queue.prefix, queue.run_id
    stop: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _f: stop.append(signum)) for sig in (signal.SIGTERM, signal.SIGINT)}
    said = 0.0
    try:
        while True:
            if stop:
                from govwatch.jobs import end_run

                _forget(client, queue.space, run_id)
                end_run(store, run_id, "aborted")
                raise Interrupted(stop[0])
            try:
                if not client.exists(prefix + "seeded"):
                    raise _failed(store, run_id, "the queue lost the run (Redis restarted without its data?)")
                if failure := client.get(prefix + "failed"):
                    raise _failed(store, run_id, f"a worker could not write to the database: {failure.decode()}")
                for worker in queue.workers():
                    if not client.exists(alive_key(worker)):
                        back = queue.requeue(worker)
                        log.warning("worker %s stopped answering: %d request(s) back in the queue", worker, back)
                pending, leased = queue.pending(), queue.leased()
            except redis.RedisError as exc:
                raise _failed(store, run_id, f"lost the queue at {masked(config.queue)}: {exc}") from None
            if pending == 0 and leased == 0:
                return
            if time.monotonic() - said > 30:
                said = time.monotonic()
                log.info("run %s: %d request(s) queued, %d being crawled, %d worker(s)", run_id, pending, leased,
                         len(queue.workers()))
            time.sleep(POLL_SECONDS)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _failed(store: Store, run_id: int, why: str) -> RunFailed:
    from govwatch.jobs import end_run

    end_run(store, run_id, "failed")
    return RunFailed(f"run {run_id}: {why}; the run is marked failed and will not be checked")


def _finish(client, queue: RunQueue, store: Store, names: list[str], full: bool) -> None:
    from crawler.pipelines import finish
    from crawler.state import RedisRun
    from govwatch import jobs

    prefix, run_id = queue.prefix, queue.run_id
    shared = RedisRun(client, prefix)
    coverage = {name: shared.site(name).coverage.as_dict() for name in names}
    pages = [pickle.loads(v) for v in client.hgetall(prefix + "carry_pages").values()]
    checks = {k.decode(): int(v) for k, v in client.hgetall(prefix + "carry_checks").items()}
    list_pages = {int(k): int(v) for k, v in client.hgetall(prefix + "list_pages").items()}
    degraded = bool(client.exists(prefix + "degraded"))
    client.delete(current_key(queue.space))  # the workers' engines close
    with store.session() as s:
        reached = dict(s.execute(select(m.Site.name, m.SiteVisit.reached).join(m.SiteVisit)
                                 .where(m.SiteVisit.run_id == run_id)).all())
    finish(store, run_id, coverage, checks, pages, list_pages, {k: bool(v) for k, v in reached.items()}, "finished")
    jobs.crawled(store, run_id, names, degraded, full)
    _forget(client, queue.space, run_id)


def _forget(client, space: str, run_id: int) -> None:
    """The run's keys in Redis (the database keeps what was crawled)."""
    if client.get(current_key(space)) == str(run_id).encode():
        client.delete(current_key(space))
    keys = list(client.scan_iter(match=run_prefix(space, run_id) + "*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i:i + 500])


# -- the worker --------------------------------------------------------------------------------


def work(config: Config, once: bool = False) -> None:
    """Crawl the runs the coordinator queues, one after the other, each in a fresh process (a
    Scrapy engine runs once per process, and a night's memory is given back after it); with
    ``once``, one run, then return."""
    _client(config)  # a clear error now if the queue cannot be reached
    while True:
        code = subprocess.call([sys.executable, "-m", "govwatch.cluster", str(config.path)])
        if code not in (0, 1):
            raise SystemExit(code)
        if once:
            return


def next_run(config: Config) -> None:
    """One worker process: ready (everything imported) before the run exists, so it starts
    crawling as soon as the coordinator has seeded; then waits until the run is finished."""
    import scrapy.crawler  # noqa: F401  - imported while waiting, not after the run is there

    import crawler.spiders.night  # noqa: F401

    client = _client(config)
    key = current_key(namespace(config.database))
    said = False
    while (current := client.get(key)) is None:
        if not said:
            print(f"waiting for a run at {masked(config.queue)}", file=sys.stderr)
            said = True
        time.sleep(0.2)
    crawl_run(config, int(current))
    while client.get(key) == current:  # being finished: not taken again by the next process
        time.sleep(0.5)


def crawl_run(config: Config, run_id: int) -> None:
    """This process's share of one run: the night spider on the run's queue (crawler.cluster)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    from crawler.browser import browser_settings, find_browser
    from crawler.settings import TWISTED_REACTOR, run_settings
    from crawler.spiders.night import NightSpider
    from crawler.state import RedisRun
    from govwatch import jobs

    client = _client(config)
    space = namespace(config.database)
    prefix = run_prefix(space, run_id)
    raw = client.get(prefix + "spec")
    if raw is None:
        return  # finished meanwhile
    spec = json.loads(raw)
    store = Store(config.database)
    sites = [s for s in config.sites if s.name in spec["sites"]]
    if not is_reactor_installed():
        install_reactor(TWISTED_REACTOR)
    crawl = run_settings(config.crawl, jobs.host_politeness(config, sites), database=store.url, run_id=run_id,
                         progress=False, queue=config.queue, namespace=space, worker=worker_name(),
                         host_concurrency=config.crawl.concurrency, host_delay=config.crawl.delay)
    # the hosts' delays are kept by the queue for all workers; here only the connections count
    crawl["DOWNLOAD_DELAY"] = 0
    crawl["DOWNLOAD_SLOTS"] = {h: {**slot, "delay": 0} for h, slot in crawl["DOWNLOAD_SLOTS"].items()}
    crawl["SCHEDULER"] = "crawler.cluster.ClusterScheduler"
    crawl["EXTENSIONS"] = {**crawl["EXTENSIONS"], "crawler.cluster.ClusterLink": 520}
    settings = Settings({**crawl, **browser_settings(find_browser(), config.crawl.timeout)}, priority="cmdline")
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    memory = jobs.url_memory(store, spec["sites"] + spec["accounts"], dt.date.fromisoformat(spec["as_of"]),
                             spec["full"])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NightSpider)
    process.crawl(crawler, targets=spec["targets"], memory=memory, shared=RedisRun(client, prefix),
                  started=spec["started"])
    stopped = jobs._run_engine(process)
    if stopped is not None:
        raise Interrupted(stopped)


def main(argv: list[str]) -> None:
    """`python -m govwatch.cluster SITES_FILE`: one worker process, for the next run."""
    from crawler import console
    from govwatch.config import load_config

    console.setup(0, False)
    try:
        next_run(load_config(argv[0]))
    except Interrupted:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
