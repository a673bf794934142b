"""`govwatch demo`: serve the sample portal on 127.0.0.1, audit it end to end, write the report.

D holds GovWatch's own files only: ``portal/`` (the sample site), ``sites.yaml`` (with the
portal's fixed port, so `govwatch run --config D/sites.yaml` works against `demo serve`),
``govwatch.db`` and ``reports/``.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from pathlib import Path
from typing import Callable, Iterator

import yaml

from govwatch.config import load_config
from govwatch.demo.portal import ACCOUNTS, MAILBOX, SITE_NAME, UNREACHABLE_SITE, UNREACHABLE_URL, write_portal
from govwatch.demo.server import PortalServer

SITES_HEADER = """\
# GovWatch demo sites file, written by `govwatch demo` (it rewrites this file on each demo run).
# The sample portal is served on 127.0.0.1 by `govwatch demo` and `govwatch demo serve --dir D`.
# For a real portal, start from `govwatch init`, which documents every key.
# The demo compresses a week of availability probes into its run: 21 real probes of each
# site, time-stamped every 8 hours over the 7 days up to the as-of date (hence min_probes).
"""
PROBE_ROUNDS = 21


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_of(sites_file: Path) -> int | None:
    if not sites_file.exists():
        return None
    try:
        data = yaml.safe_load(sites_file.read_text(encoding="utf-8")) or {}
        url = data["sites"][0]["url"]
        return int(url.rsplit(":", 1)[1].split("/", 1)[0])
    except (KeyError, IndexError, ValueError, TypeError, yaml.YAMLError):
        return None


def write_sites_file(directory: Path, port: int) -> Path:
    path = directory / "sites.yaml"
    data = {
        "database": "sqlite:///govwatch.db",
        "archive": "reports",
        "timezone": "Asia/Shanghai",
        "sites": [
            {"name": SITE_NAME, "url": f"http://127.0.0.1:{port}/", "owner": "示例县政务公开办", "kind": "government",
             "columns": [
                 {"name": "要闻动态", "url": "/xwdt/", "category": "news", "schedule": "monthly"},
                 {"name": "人事信息", "url": "/rsxx/", "category": "personnel", "schedule": "quarterly"},
                 {"name": MAILBOX.name, "url": MAILBOX.url, "category": "interaction"},
             ]},
            {"name": UNREACHABLE_SITE, "url": UNREACHABLE_URL, "owner": "示例县档案馆", "kind": "department"},
        ],
        "accounts": [{**a, **({"feed": f"http://127.0.0.1:{port}{a['feed']}"} if "feed" in a else {}),
                      **({"pages": [f"http://127.0.0.1:{port}{p}" for p in a["pages"]]} if "pages" in a else {})}
                     for a in ACCOUNTS],
        "rules": {"site-unreachable": {"min_probes": PROBE_ROUNDS},
                  "site-unreachable-early-warning": {"min_probes": PROBE_ROUNDS}},
        # the portal is local: no need to be slow; robots.txt is still honoured
        "crawl": {"delay": 0, "concurrency": 8},
    }
    path.write_text(SITES_HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def prepare(directory: Path, as_of: dt.date | None) -> tuple[Path, int, dt.date]:
    directory.mkdir(parents=True, exist_ok=True)
    sites_file = directory / "sites.yaml"
    port = _port_of(sites_file) or _free_port()
    write_sites_file(directory, port)
    config = load_config(sites_file)
    as_of = as_of or config.today()
    write_portal(directory / "portal", as_of)
    return sites_file, port, as_of


def run_demo(directory: Path, as_of: dt.date | None = None) -> Iterator[str]:
    from govwatch import jobs
    from govwatch.lock import RunLock
    from govwatch.store.db import Store
    from reports import archive
    from reports.tabular import write_report
    from reports.weekly import build_weekly, week_of

    sites_file, port, as_of = prepare(directory, as_of)
    config = load_config(sites_file)
    store = Store(config.database)
    try:
        server = PortalServer(directory / "portal", port=port).start()
    except OSError as exc:
        raise OSError(f"cannot serve the sample portal on 127.0.0.1:{port} ({exc}); "
                      f"is `govwatch demo serve` running? stop it or use another --dir") from None
    try:
        yield f"sample portal: {server.url} (files in {directory / 'portal'})"
        probe_week(config, store, as_of)
        with RunLock(config.database):
            run_id = jobs.crawl(config, store, list(config.sites), as_of, accounts=list(config.accounts))
            result = jobs.check(config, store, run_id, as_of)
    finally:
        server.stop()
    week = week_of(as_of)
    model = build_weekly(store, config, week)
    html = write_report(model, "html", config.archive / week / "audit.html")
    pdf = write_report(model, "pdf", config.archive / week / "audit.pdf")
    archive.refresh(config.archive)
    yield (f"audit of {as_of}: {sum(result.counts.values())} problem(s) "
           f"({len(result.opened)} new, {len(result.fixed)} fixed)")
    yield f"sites file: {sites_file}"
    yield f"HTML report: {html}"
    yield f"PDF report: {pdf}"
    yield (f"workbench: govwatch user add --config {sites_file} admin --role admin, then "
           f"govwatch serve --config {sites_file} and open http://127.0.0.1:8080/")


def probe_week(config, store, as_of: dt.date, rounds: int = PROBE_ROUNDS) -> None:
    """Real probes of every site, recorded as if taken every 8 hours over the week up to as_of.

    They run in a child process: the Twisted reactor they use cannot run again for the crawl."""
    from concurrent.futures import ProcessPoolExecutor
    from dataclasses import replace
    from multiprocessing import get_context
    from zoneinfo import ZoneInfo

    from crawler import probe

    targets = [probe.Target(s.name, s.url, config.crawl_for(s).user_agent, config.crawl_for(s).probe_timeout)
               for s in config.sites]
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        results = pool.submit(probe.probe_all, targets, rounds).result()
    start = dt.datetime.combine(as_of - dt.timedelta(days=6), dt.time(1), ZoneInfo(config.timezone))
    for k in range(rounds):
        at = (start + dt.timedelta(hours=8 * k)).astimezone(dt.timezone.utc).replace(tzinfo=None)
        chunk = results[k * len(targets):(k + 1) * len(targets)]
        probe.record(store, list(config.sites), [replace(r, at=at) for r in chunk])


def serve_demo(directory: Path, echo: Callable[[str], None] = print) -> None:
    sites_file = directory / "sites.yaml"
    port = _port_of(sites_file)
    if port is None or not (directory / "portal" / "index.html").exists():
        sites_file, port, _ = prepare(directory, None)
    with PortalServer(directory / "portal", port=port) as server:
        echo(f"serving the sample portal at {server.url} (Ctrl-C to stop); "
             f"audit it with: govwatch run --config {sites_file}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
