"""City benchmark: many portals, each on its own host, crawled politely for several nights.

Run it from the repository with the project's virtualenv::

    .venv/bin/python bench/nightly.py                          # 6 portals x 400 pages, delay 0.2 s
    .venv/bin/python bench/nightly.py --sites 12 --pages 300 --json nightly.json

It writes SITES generated TRS-style portals (bench/crawl.py's generator: 40 columns, articles
with attachments, ~1 article in 20 linking a missing page), serves each with
bench/static_server.py on its own loopback address 127.0.0.x (validators and 304 as nginx gives
static files), and runs ``python -m crawler run`` three nights in a row:

1. night 1: the first audit (everything is new);
2. night 2: nothing changed;
3. night 3: 1 % of the articles edited (their ETag changes).

For each night it prints the wall time of the whole run (crawl, checks, store), the requests
the servers answered, the busiest host's requests, the open violations and the run's peak RSS;
then the parallel efficiency of night 1 (the busiest host's requests x delay, the polite lower
bound, divided by the wall time: 1.0 = every host crawled side by side) and night 2's share of
night 1's requests and time. Figures are only comparable within one run of this script.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import generate  # noqa: E402  (bench/crawl.py)

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "bench" / "static_server.py"


def serve(roots: list[Path], port: int) -> list[subprocess.Popen]:
    procs = []
    for i, root in enumerate(roots):
        proc = subprocess.Popen([sys.executable, str(SERVER), str(root), "--host", host(i), "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not proc.stdout.readline().startswith("http://"):
            raise SystemExit(f"the server for {root} did not start: {proc.stderr.read()[:300]}")
        procs.append(proc)
    return procs


def stop(procs: list[subprocess.Popen]) -> list[int]:
    """Stop the servers; the requests each one answered."""
    counts = []
    for proc in procs:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
        line = next((x for x in err.splitlines()[::-1] if x.startswith("{")), "{}")
        counts.append(json.loads(line).get("requests", 0))
    return counts


def host(i: int) -> str:
    return f"127.0.0.{20 + i}"


def night(folder: Path, roots: list[Path], port: int, as_of: str, delay: float) -> dict:
    procs = serve(roots, port)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", str(folder / "sites.yaml"),
                             "--as-of", as_of], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    stderr = proc.stderr.read().decode("utf-8", "replace")
    counts = stop(procs)
    if status != 0:
        raise SystemExit(f"night {as_of} failed: {stderr[-800:]}")
    with sqlite3.connect(folder / "govwatch.db") as conn:
        open_ = conn.execute("select count(*) from violations where status = 'open'").fetchone()[0]
        covers = [json.loads(c) for (c,) in conn.execute(
            "select coverage from site_visits where run_id = (select max(id) from runs)")]
    return {"as_of": as_of, "wall_s": round(wall, 1), "requests": sum(counts), "max_host_requests": max(counts),
            "open_violations": open_, "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "pages_read": sum(c["read"] for c in covers), "pages_revalidated": sum(c["revalidated"] for c in covers),
            "pages_carried": sum(c["carried"] for c in covers), "complete": all(c["complete"] for c in covers),
            "polite_bound_s": round(max(counts) * delay, 1)}


def edit_articles(roots: list[Path], share: float, seed: int = 7) -> int:
    """Edit a share of the articles of every portal (a sentence added: new size, new ETag)."""
    rng = random.Random(seed)
    edited = 0
    for root in roots:
        articles = sorted(p for p in root.rglob("t2*.html"))  # TRS article names: t20261122_123.html
        for path in rng.sample(articles, max(1, round(len(articles) * share))):
            path.write_text(path.read_text("utf-8").replace("</body>", "<p>（本文已更新）</p></body>"), "utf-8")
            edited += 1
    return edited


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=6)
    ap.add_argument("--pages", type=int, default=400, help="HTML pages per portal")
    ap.add_argument("--delay", type=float, default=0.2, help="seconds between requests to one host")
    ap.add_argument("--concurrency", type=int, default=2, help="connections per host")
    ap.add_argument("--port", type=int, default=18300)
    ap.add_argument("--out", type=Path, default=None, help="working folder (default: a new one in /tmp)")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args(argv)
    folder = args.out or Path(f"/tmp/gw-nightly-{os.getpid()}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "govwatch.db").unlink(missing_ok=True)
    roots = []
    for i in range(args.sites):
        root = folder / f"portal-{i}"
        generate(root, args.pages)
        roots.append(root)
    sites = "".join(f'  - name: "portal-{i}"\n    url: "http://{host(i)}:{args.port}/"\n' for i in range(args.sites))
    (folder / "sites.yaml").write_text(
        f"database: sqlite:///govwatch.db\ncrawl: {{concurrency: {args.concurrency}, delay: {args.delay}}}\n"
        f"sites:\n{sites}", "utf-8")
    nights = [night(folder, roots, args.port, "2026-11-23", args.delay),
              night(folder, roots, args.port, "2026-11-24", args.delay)]
    edited = edit_articles(roots, 0.01)
    nights.append(night(folder, roots, args.port, "2026-11-25", args.delay))
    print(f"{'night':<7}{'wall s':>8}{'requests':>10}{'busiest host':>14}{'read':>7}{'304':>6}{'carried':>9}"
          f"{'open':>6}{'RSS MB':>8}")
    for n, x in enumerate(nights, 1):
        print(f"{n:<7}{x['wall_s']:>8}{x['requests']:>10}{x['max_host_requests']:>14}{x['pages_read']:>7}"
              f"{x['pages_revalidated']:>6}{x['pages_carried']:>9}{x['open_violations']:>6}{x['peak_rss_mb']:>8}")
    n1, n2, n3 = nights
    summary = {"sites": args.sites, "pages": args.pages, "delay": args.delay, "concurrency": args.concurrency,
               "edited_articles_night3": edited, "nights": nights,
               "parallel_efficiency": round(n1["polite_bound_s"] / n1["wall_s"], 2),
               "night2_requests_share": round(n2["requests"] / n1["requests"], 3),
               "night2_speedup": round(n1["wall_s"] / n2["wall_s"], 2),
               "same_open_violations": n1["open_violations"] == n2["open_violations"]}
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), "utf-8")
    print(f"nightly: {args.sites} sites x {args.pages} pages, delay {args.delay}: night1 {n1['wall_s']} s "
          f"{n1['requests']} req; night2 {n2['wall_s']} s {n2['requests']} req "
          f"({summary['night2_requests_share']:.0%} of night 1, {summary['night2_speedup']}x faster); "
          f"night3 ({edited} articles edited) {n3['wall_s']} s {n3['requests']} req; "
          f"parallel efficiency {summary['parallel_efficiency']}; peak RSS {max(x['peak_rss_mb'] for x in nights)} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
