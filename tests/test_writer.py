"""The store pipeline's writer process: batches in order, failures raised in the engine's
thread, nothing written after a failure, a killed writer process a clear error (not a hang)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import threading

import pytest

from crawler.writer import ProcessWriter, ThreadWriter, WriteFailed, open_writer
from govwatch.store import models as m
from govwatch.store.db import Store


def _store(tmp_path) -> tuple[Store, int]:
    store = Store(f"sqlite:///{tmp_path / 'gw.db'}")
    with store.session() as s, s.begin():
        run = m.Run(as_of=dt.date(2026, 11, 22), status="crawling", sites=[])
        s.add(run)
        s.flush()
        return store, run.id


def _checks(run_id: int, *urls: str) -> dict:
    return {m.LinkCheck: [dict(run_id=run_id, url=u, verdict="ok", status=200) for u in urls]}


def _stored(tmp_path) -> list[str]:
    with sqlite3.connect(tmp_path / "gw.db") as conn:
        return [u for (u,) in conn.execute("select url from link_checks order by id")]


def test_a_file_database_is_written_by_a_process_an_in_memory_one_by_a_thread(tmp_path):
    store, _ = _store(tmp_path)
    writer = open_writer(store, lambda extra: None)
    try:
        assert isinstance(writer, ProcessWriter) and writer.process.pid != os.getpid()
    finally:
        writer.close()
    memory = open_writer(Store("sqlite://"), lambda extra: None)
    assert isinstance(memory, ThreadWriter)
    memory.close()


def test_batches_are_written_in_order_and_after_follows_each_commit(tmp_path):
    store, run_id = _store(tmp_path)
    seen: list[tuple[str, int, bool]] = []

    def after(extra):  # called once the batch is committed: its rows are readable (later ones may be too)
        seen.append((threading.current_thread().name, extra, f"http://x.gov.cn/{extra}/49" in _stored(tmp_path)))

    writer = ProcessWriter(store.url, after)
    for i in range(10):
        writer.submit(_checks(run_id, *(f"http://x.gov.cn/{i}/{j}" for j in range(50))), extra=i)
    writer.drain()
    assert [extra for _, extra, _ in seen] == list(range(10))
    assert all(committed for _, _, committed in seen)
    assert {name for name, _, _ in seen} == {"govwatch-store-outcomes"}
    writer.close()
    assert len(_stored(tmp_path)) == 500
    assert writer.process.exitcode == 0


def test_a_refused_batch_is_raised_and_nothing_is_written_after_it(tmp_path):
    store, run_id = _store(tmp_path)
    with sqlite3.connect(tmp_path / "gw.db") as conn:
        conn.execute("create trigger full before insert on link_checks when new.url like '%/bad' "
                     "begin select raise(abort, 'database or disk is full'); end")
    after: list[int] = []
    writer = ProcessWriter(store.url, after.append)
    writer.submit(_checks(run_id, "http://x.gov.cn/a"), extra=1)
    writer.submit(_checks(run_id, "http://x.gov.cn/bad"), extra=2)
    writer.submit(_checks(run_id, "http://x.gov.cn/c"), extra=3)
    with pytest.raises(WriteFailed, match="database or disk is full"):
        writer.drain()
    assert after == [1]
    assert _stored(tmp_path) == ["http://x.gov.cn/a"]
    writer.close()


def test_a_killed_writer_process_fails_the_writes_instead_of_hanging(tmp_path):
    store, run_id = _store(tmp_path)
    writer = ProcessWriter(store.url, lambda extra: None)
    writer.submit(_checks(run_id, "http://x.gov.cn/a"))
    writer.drain()
    os.kill(writer.process.pid, signal.SIGKILL)
    writer.process.join(10)
    writer.receiver.join(10)
    with pytest.raises(WriteFailed, match="ended unexpectedly"):
        writer.submit(_checks(run_id, "http://x.gov.cn/b"))
        writer.drain()
    writer.close()
    assert _stored(tmp_path) == ["http://x.gov.cn/a"]
