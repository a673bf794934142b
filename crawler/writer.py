"""The store pipeline's writer: batches of rows written in order, off the engine's thread.

Writing is the engine's largest cost after Scrapy's own: SQLAlchemy turns each row into
statement parameters in Python, holding the GIL. In a thread beside the engine it still took
its time from the engine (measured on the 5,000-page benchmark portal: the crawl took 78.7 s,
63.8 s with writes switched off). So a database on disk or on a server is written by a process
of its own, which gets the batches through a pipe; an in-memory SQLite database, which only its
own process can see, by a thread.

Either way: batches are written one after the other, in order, each in one transaction; at most
four wait (memory stays flat if the disk is slow); ``drain`` waits until all are written; a
failed write is raised in the engine's thread at its next call, and nothing is written after it
(the run has lost writes and fails: crawler.pipelines.StorePipeline._failed). After a batch is
committed, ``after`` is called with what came with it (a shared run's acknowledgements), in a
thread of the engine's process, in order.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

from govwatch.store import memory as carry
from govwatch.store import models as m
from govwatch.store.db import Store

Rows = dict[Any, list[dict[str, Any]]]  # model (or URL memory kind) -> rows
WAITING = 4  # batches handed over and not yet written


class WriteFailed(Exception):
    """The store refused a batch (in the writer process); the message names the database's error."""


def describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, WriteFailed) else f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"


def write_rows(store: Store, rows: Rows) -> None:
    """One batch, in one transaction: the night's rows, then the URL memory they update."""
    with store.session() as s, s.begin():
        for model in (m.Page, m.Link, m.LinkCheck, m.ColumnItem):  # insert order: no FK surprises
            if rows.get(model):
                s.execute(_insert(s, model), _columns(model, rows[model]))
        for kind in (carry.READ, carry.REVALIDATED, carry.CHECKED):
            if rows.get(kind):
                carry.remember(s, kind, rows[kind])


def _insert(session, model: type):
    """INSERT that skips rows already stored in this run: two sites of one run may link the
    same URL, and its verdict is stored once (pages and link checks are unique per run and URL)."""
    if model not in (m.Page, m.LinkCheck):
        return model.__table__.insert()
    return carry.insert_ignore(session, model.__table__)


def _columns(model: type, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # ORM attribute names -> table column names (Page.metadata_ is column "metadata")
    names = {attr.key: attr.columns[0].name for attr in model.__mapper__.column_attrs}
    return [{names[k]: v for k, v in row.items()} for row in rows]


def in_memory(store: Store) -> bool:
    return store.engine.dialect.name == "sqlite" and store.engine.url.database in (None, "", ":memory:")


def open_writer(store: Store, after: Callable[[Any], None]) -> ThreadWriter | ProcessWriter:
    return ThreadWriter(store, after) if in_memory(store) else ProcessWriter(store.url, after)


class _Writer:
    """What both writers share: the count of waiting batches, the error to raise, the order."""

    def __init__(self, after: Callable[[Any], None]) -> None:
        self.after = after
        self.failed = False
        self.error: BaseException | None = None  # not yet raised in the engine's thread
        self.waiting = 0
        self.changed = threading.Condition()

    def submit(self, rows: Rows, extra: Any = None) -> None:
        self._raise()
        with self.changed:
            self.changed.wait_for(lambda: self.waiting < WAITING)
            self.waiting += 1
        self._send(rows, extra)

    def drain(self) -> None:
        """Wait until every batch is written (before a write that must follow them)."""
        with self.changed:
            self.changed.wait_for(lambda: self.waiting == 0)
        self._raise()

    def _done(self, extra: Any, error: BaseException | None) -> None:
        """A batch written (or refused): the next may come; what follows it is done."""
        try:
            if error is not None and not self.failed:
                self.failed, self.error = True, error
            elif not self.failed:
                self.after(extra)
        except BaseException as exc:  # noqa: BLE001 - handed to the engine's thread
            self.failed, self.error = True, exc
        finally:
            with self.changed:
                self.waiting -= 1
                self.changed.notify_all()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _send(self, rows: Rows, extra: Any) -> None:
        raise NotImplementedError


class ThreadWriter(_Writer):
    """Writes in a thread of the engine's process (SQLite and psycopg release the GIL while the
    database works, the Python around each row does not)."""

    def __init__(self, store: Store, after: Callable[[Any], None]) -> None:
        super().__init__(after)
        self.store = store
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="govwatch-store", daemon=True)
        self.thread.start()

    def _send(self, rows: Rows, extra: Any) -> None:
        self.queue.put((rows, extra))

    def close(self) -> None:
        self.drain()
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (work := self.queue.get()) is not None:
            rows, extra = work
            error = None
            if not self.failed:
                try:
                    write_rows(self.store, rows)
                except BaseException as exc:  # noqa: BLE001 - handed to the engine's thread
                    error = exc
            self._done(extra, error)


class ProcessWriter(_Writer):
    """Writes in a spawned process with its own connection. Batches go through a multiprocessing
    queue, whose feeder thread pickles and sends them (the engine never waits on the pipe); a
    thread of the engine's process receives each batch's outcome and calls ``after``."""

    def __init__(self, url: str, after: Callable[[Any], None]) -> None:
        super().__init__(after)
        context = multiprocessing.get_context("spawn")  # not fork: the engine's process has threads by now
        self.batches = context.Queue()
        self.outcomes, child_end = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(url, self.batches, child_end),
                                       name="govwatch-store", daemon=True)
        self.process.start()
        child_end.close()  # so that the process's end shows here as EOF
        self.sent: queue.SimpleQueue = queue.SimpleQueue()  # each waiting batch's extra, in order
        self.lock = threading.Lock()
        self.gone = False
        self.receiver = threading.Thread(target=self._receive, name="govwatch-store-outcomes", daemon=True)
        self.receiver.start()

    def _send(self, rows: Rows, extra: Any) -> None:
        with self.lock:
            if not self.gone:
                self.sent.put(extra)
                self.batches.put(rows)
                return
        self._done(extra, self._lost())

    def close(self) -> None:
        self.drain()
        with self.lock:
            if not self.gone:
                self.batches.put(None)
        self.receiver.join()
        self.batches.close()
        self.process.join(timeout=30)
        self._raise()

    def _receive(self) -> None:
        while True:
            try:
                outcome = self.outcomes.recv()
            except (EOFError, OSError):
                break
            if outcome is None:  # closed
                break
            self._done(self.sent.get(), WriteFailed(outcome) if outcome else None)
        with self.lock:  # the process ended: batches still waiting are lost
            self.gone = True
            while not self.sent.empty():
                self._done(self.sent.get(), self._lost())

    def _lost(self) -> WriteFailed:
        self.process.join(timeout=5)
        return WriteFailed(f"the store's writer process ended unexpectedly (exit code {self.process.exitcode})")


def _serve(url: str, batches, outcomes) -> None:
    """The writer process: batches in, one outcome out per batch ("" or the error); after an
    error nothing more is written. Ends at None, or with the engine's process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the engine closes the run, then us
    parent = os.getppid()
    store = Store(url, migrate=False)
    failed = False
    while True:
        try:
            rows = batches.get(timeout=5)
        except queue.Empty:
            if os.getppid() != parent:  # the engine's process was killed
                return
            continue
        if rows is None:
            outcomes.send(None)
            return
        outcome = ""
        if not failed:
            try:
                write_rows(store, rows)
            except Exception as exc:  # noqa: BLE001 - told to the engine's process
                failed, outcome = True, describe(exc)
        try:
            outcomes.send(outcome)
        except OSError:  # the engine's process is gone
            return
