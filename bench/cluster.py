"""Several workers on one night: the many-host crawl with 1, 2 and 3 `govwatch worker`s.

Run it from the repository with the project's virtualenv (Redis and PostgreSQL running, nginx
installed: `apt-get install nginx`)::

    .venv/bin/python bench/cluster.py                         # 12 portals x 300 pages, delay 0
    .venv/bin/python bench/cluster.py --workers 1,2 --sites 8 --pages 500 --json cluster.json

It writes SITES generated TRS-style portals (bench/crawl.py's generator), serves each from one
nginx on its own loopback address 127.0.0.x, and for each worker count crawls them into a fresh
PostgreSQL database: `govwatch crawl` (the coordinator; a crawl without checks, so that the
figure is the crawl's) beside N `govwatch worker --once`. It prints, per worker count, the
crawl's wall time, pages stored per second, the most requests any host answered within one
second (from nginx's log; tests/test_cluster.py measures politeness), and each worker's
peak RSS (its crawl process; page-analysis processes beside it are not counted). With
``--delay 0`` the crawl is CPU-bound: the speed-up of 2 workers over 1 is what a second core
(or machine) gives. Figures are only comparable within one run of this script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import generate  # noqa: E402  (bench/crawl.py)

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("GOVWATCH_BENCH_POSTGRES", "postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GOVWATCH_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def host(i: int) -> str:
    return f"127.0.0.{40 + i}"


def start_nginx(folder: Path, roots: list[Path], port: int) -> Path:
    (folder / "ngx").mkdir(exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    servers = "".join(f" server {{ listen {host(i)}:{port}; root {root}; index index.html; "
                      f"access_log {folder}/logs/{i}.log timed; }}" for i, root in enumerate(roots))
    conf = folder / "ngx" / "nginx.conf"
    conf.write_text(f"""worker_processes 1; pid {folder}/ngx/nginx.pid; error_log {folder}/ngx/error.log warn;
events {{ worker_connections 4096; }}
http {{ include /etc/nginx/mime.types; default_type application/octet-stream; log_not_found off;
  log_format timed '$msec'; sendfile on; keepalive_requests 100000; {servers} }}
""")
    subprocess.run(["nginx", "-p", str(folder / "ngx"), "-c", str(conf)], check=True)
    return folder / "ngx" / "nginx.pid"


def host_rate(folder: Path) -> int:
    """The most requests one host answered within one second (nginx's log)."""
    most = 0
    for log in (folder / "logs").glob("*.log"):
        ends = [int(float(line.split()[0])) for line in log.read_text().splitlines()]
        if ends:
            most = max(most, max(Counter(ends).values()))
    return most


def crawl_with(folder: Path, roots: list[Path], port: int, workers: int, concurrency: int, delay: float,
               parse_workers: int) -> dict:
    name = f"govwatch_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    database = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    sites = "".join(f'  - name: "portal-{i}"\n    url: "http://{host(i)}:{port}/"\n' for i in range(len(roots)))
    config = folder / f"sites-{workers}.yaml"
    config.write_text(f"database: {database}\nqueue: {REDIS}\n"
                      f"crawl: {{concurrency: {concurrency}, delay: {delay}, robots: false, parse_workers: {parse_workers}}}\n"
                      f"sites:\n{sites}", "utf-8")
    for log in (folder / "logs").glob("*.log"):
        log.write_text("")
    subprocess.run(["kill", "-USR1", (folder / "ngx" / "nginx.pid").read_text().strip()], check=True)
    procs = [subprocess.Popen([sys.executable, "-m", "crawler", "worker", "--config", str(config), "--once"],
                              cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(workers)]
    time.sleep(3)  # the workers are waiting for the run: the clock measures the crawl, not their start
    t0 = time.monotonic()
    coordinator = subprocess.run([sys.executable, "-m", "crawler", "crawl", "--config", str(config),
                                  "--as-of", "2026-11-23"], cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - t0
    logs = [p.communicate(timeout=120)[1] for p in procs]
    if coordinator.returncode != 0:
        raise SystemExit(f"the crawl with {workers} worker(s) failed: {coordinator.stderr[-800:]}")
    subprocess.run(["kill", "-USR1", (folder / "ngx" / "nginx.pid").read_text().strip()], check=True)
    time.sleep(1)
    engine = create_engine(database)
    with engine.connect() as conn:
        pages = conn.execute(text("select count(*) from pages")).scalar()
        checks = conn.execute(text("select count(*) from link_checks")).scalar()
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'drop database "{name}" with (force)'))
    admin.dispose()
    per_second = host_rate(folder)
    rss = [int(m) for log in logs for m in re.findall(r"peak RSS (\d+) MB", log)]
    shares = [int(m) for log in logs for m in re.findall(r"crawled (\d+) request", log)]
    return {"workers": workers, "wall_s": round(wall, 1), "pages": pages, "link_checks": checks,
            "pages_per_s": round(pages / wall, 1), "max_host_requests_per_s": per_second,
            "peak_rss_mb": rss, "requests_per_worker": shares}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=12)
    ap.add_argument("--pages", type=int, default=300, help="HTML pages per portal")
    ap.add_argument("--workers", default="1,2,3", help="worker counts to measure, e.g. 1,2")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds between requests to one host")
    ap.add_argument("--concurrency", type=int, default=4, help="connections per host")
    ap.add_argument("--parse-workers", type=int, default=0,
                    help="page-analysis processes per worker (0: one process per worker, one per core)")
    ap.add_argument("--port", type=int, default=18400)
    ap.add_argument("--out", type=Path, default=None, help="working folder (default: a new one in /tmp)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args(argv)
    folder = args.out or Path(f"/tmp/gw-cluster-{os.getpid()}")
    folder.mkdir(parents=True, exist_ok=True)
    roots = []
    for i in range(args.sites):
        root = folder / f"portal-{i}"
        if not root.exists():
            generate(root, args.pages)
        roots.append(root)
    pid = start_nginx(folder, roots, args.port)
    try:
        results = [crawl_with(folder, roots, args.port, int(n), args.concurrency, args.delay, args.parse_workers)
                   for n in args.workers.split(",")]
    finally:
        subprocess.run(["kill", pid.read_text().strip()])
    print(f"{'workers':<9}{'wall s':>8}{'pages':>8}{'pages/s':>9}{'host req/s max':>16}  peak RSS MB (per worker)")
    for r in results:
        print(f"{r['workers']:<9}{r['wall_s']:>8}{r['pages']:>8}{r['pages_per_s']:>9}{r['max_host_requests_per_s']:>16}"
              f"  {r['peak_rss_mb']}")
    base = results[0]["pages_per_s"]
    summary = {"sites": args.sites, "pages": args.pages, "delay": args.delay, "concurrency": args.concurrency,
               "parse_workers": args.parse_workers,
               "cpus": os.cpu_count(), "results": results,
               "speedup": {r["workers"]: round(r["pages_per_s"] / base, 2) for r in results}}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), "utf-8")
    print("cluster: " + "; ".join(f"{r['workers']} worker(s) {r['pages_per_s']} pages/s "
                                  f"({summary['speedup'][r['workers']]}x)" for r in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
