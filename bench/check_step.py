"""Check-step benchmark: time `govwatch check` on a database that holds a crawled run.

Run it from the repository with the project's virtualenv, on a sites file whose database a
`govwatch crawl` filled (e.g. the 20,000-page portal of ../shared/bench/gen_site.py)::

    .venv/bin/python bench/check_step.py --config /tmp/gw-checks/sites20k.yaml
    .venv/bin/python bench/check_step.py --config sites.yaml --run 3 --in-place

The database is copied first (SQLite only; ``--in-place`` checks the database itself), so the
run is checked as a first night would check it, and the same measurement can be repeated.
Opening the copy applies any pending migration; that is timed apart. Then ``jobs.check`` runs
in this process, as `govwatch check` runs it (notifications left out), and one JSON line says:
seconds (wall and CPU), SQL statements sent, the peak RSS of the process, what the run held
(pages, links, link checks) and what the check found (new, fixed problems). Issue 11 asks for
a check step of at most 10 % of the crawl's time on the 20,000-page portal.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout, not an installed copy

from govwatch import jobs  # noqa: E402
from govwatch.config import load_config  # noqa: E402
from govwatch.store import models as m  # noqa: E402
from govwatch.store.db import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="sites file whose database holds a crawled run")
    parser.add_argument("--run", type=int, help="the run to check (default: the latest crawled one)")
    parser.add_argument("--in-place", action="store_true", help="check the database itself, not a copy")
    args = parser.parse_args()

    config = load_config(args.config)
    url = config.database
    if not args.in_place:
        if not url.startswith("sqlite:///"):
            sys.exit("only a SQLite database can be copied; use --in-place")
        copy = Path(tempfile.mkdtemp(prefix="gw-check-step-")) / "check.sqlite"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
        config = config.model_copy(update={"database": url})
    try:
        print(json.dumps(measure(config, url, args.run), ensure_ascii=False))
    finally:
        if not args.in_place:
            shutil.rmtree(copy.parent, ignore_errors=True)


def measure(config, url: str, run_id: int | None) -> dict:
    started = time.perf_counter()
    store = Store(url)  # applies pending migrations (new indexes on an old database)
    migrated = time.perf_counter() - started
    run_id = run_id or jobs.latest_run(store).id
    with store.session() as s:
        size = {"pages": s.scalar(select(func.count()).where(m.Page.run_id == run_id)),
                "links": s.scalar(select(func.count()).where(m.Link.run_id == run_id)),
                "link_checks": s.scalar(select(func.count()).where(m.LinkCheck.run_id == run_id))}
    statements = 0

    def count(*_) -> None:
        nonlocal statements
        statements += 1

    event.listen(store.engine, "before_cursor_execute", count)
    started, cpu = time.perf_counter(), _cpu()
    result = jobs.check(config, store, run_id)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    event.remove(store.engine, "before_cursor_execute", count)
    store.close()
    return {"run": run_id, **size, "migrate_seconds": round(migrated, 2), "check_seconds": round(seconds, 2),
            "check_cpu_seconds": round(cpu, 2),
            "statements": statements, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "opened": len(result.opened), "fixed": len(result.fixed)}


def _cpu() -> float:
    """CPU seconds of this process: what the check costs, also on a machine busy with others."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
