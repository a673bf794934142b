"""The run lock lives in the database: every spelling of a database shares it, a killed holder's
lock is taken over, and no file is written (issue 16, item 8)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from conftest import postgres_database
from govwatch.lock import LockedError, RunLock
from govwatch.store.db import Store

from test_store import PG_ADMIN

HOLD = """
import sys, time
from govwatch.lock import RunLock
with RunLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""


def _holder(url: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_and_a_killed_holder_is_taken_over(tmp_path):
    url = f"sqlite:///{tmp_path}/g.db"
    proc = _holder(url)
    try:
        with pytest.raises(LockedError, match=f"another govwatch run is using this database .*pid {proc.pid}"):
            with RunLock(url):
                pass
        # the same file by another spelling of its path
        with pytest.raises(LockedError):
            with RunLock(f"sqlite:///{tmp_path}/./sub/../g.db"):
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with RunLock(url):  # the holder is gone: its row is stale
        with sqlite3.connect(tmp_path / "g.db") as conn:
            assert conn.execute("select pid from run_locks").fetchall() == [(os.getpid(),)]
    with sqlite3.connect(tmp_path / "g.db") as conn:
        assert conn.execute("select count(*) from run_locks").fetchone()[0] == 0  # released


def test_another_machines_lock_holds_while_its_heartbeat_is_fresh(tmp_path):
    url = f"sqlite:///{tmp_path}/g.db"
    Store(url).close()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with sqlite3.connect(tmp_path / "g.db") as conn:
        conn.execute("insert into run_locks values ('run', 'x', 'other-machine', 1, null, ?, ?)", (now, now))
    with pytest.raises(LockedError, match="other-machine pid 1"):
        with RunLock(url):
            pass
    with sqlite3.connect(tmp_path / "g.db") as conn:  # ten minutes without a heartbeat: it died
        conn.execute("update run_locks set heartbeat_at = ?", (now - dt.timedelta(minutes=10),))
    with RunLock(url):
        pass


def test_no_lock_file_and_a_planted_symlink_is_left_alone(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me", "utf-8")
    (tmp_path / "g.db.lock").symlink_to(victim)  # where the old file lock wrote
    with RunLock(f"sqlite:///{tmp_path}/g.db"):
        pass
    assert victim.read_text("utf-8") == "keep me"


@pytest.fixture
def postgres_db():
    with postgres_database(PG_ADMIN, lambda why: pytest.skip(f"{why}; set GOVWATCH_TEST_POSTGRES"),
                           "govwatch_lock") as url:
        yield url.rsplit("/", 1)


def test_postgres_advisory_lock_holds_for_every_spelling_and_dies_with_its_holder(postgres_db):
    server, name = postgres_db
    url = f"{server}/{name}"
    other_spelling = url.replace("127.0.0.1:5432", "localhost") + "?connect_timeout=10"
    proc = _holder(url)
    try:
        with pytest.raises(LockedError, match=f"pid {proc.pid}"):
            with RunLock(other_spelling):
                pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with RunLock(other_spelling):  # the server released it with the dead holder's connection
        with pytest.raises(LockedError):
            with RunLock(url):
                pass
