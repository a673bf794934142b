"""A run killed halfway leaves the store consistent; the next run completes."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import govwatch, violations_json
from govwatch.demo.server import PortalServer

pytestmark = pytest.mark.slow


def test_killed_run_then_next_run_completes(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = directory / "sites.yaml"
    db = directory / "govwatch.db"
    before = violations_json(sites)
    text = sites.read_text("utf-8")
    port = int(text.split("127.0.0.1:")[1].split("/")[0])
    sites.write_text(text.replace("delay: 0", "delay: 0.5").replace("concurrency: 8", "concurrency: 1"), "utf-8")
    with sqlite3.connect(db) as conn:
        last_run = conn.execute("select max(id) from runs").fetchone()[0]
    with PortalServer(directory / "portal", port=port):
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", str(sites),
                                 "--as-of", "2026-11-23"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            with sqlite3.connect(db) as conn:
                stored = conn.execute("select count(*) from pages where run_id > ?", (last_run,)).fetchone()[0]
            if stored >= 5:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with sqlite3.connect(db) as conn:
            assert conn.execute("select status from runs order by id desc limit 1").fetchone()[0] == "crawling"
        assert violations_json(sites) == before  # nothing fixed, nothing touched by the dead run
        sites.write_text(text, "utf-8")
        govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
    with sqlite3.connect(db) as conn:
        statuses = [row[0] for row in conn.execute("select status from runs order by id")]
    assert statuses[-2:] == ["aborted", "checked"]
    after = violations_json(sites)
    assert {(v["rule"], v["url"]) for v in after} == {(v["rule"], v["url"]) for v in before}
    # the portal's problems were all seen again (the other demo site's probes are a week's)
    assert {v["last_seen"] for v in after if v["site"] == "示例县人民政府"} == {"2026-11-23"}
