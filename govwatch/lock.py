"""One run at a time per database, held in the database itself, so that it holds for every
spelling of the database's URL and for every machine that reaches it.

- PostgreSQL: a session-level advisory lock on a connection kept open for the run; the server
  releases it when that connection ends, however the process ends (kill -9 included).
- SQLite: a row in ``run_locks``, taken with an INSERT that only one process can win. A row
  whose holder is gone is taken over: on this machine when its process no longer exists (or
  the pid now belongs to another process), from another machine when its heartbeat (renewed
  every ``heartbeat`` seconds) is older than ``stale_after``.

No file is written: a lock file in a shared folder can be a planted symlink.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from pathlib import Path

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from govwatch.store import models as m
from govwatch.store.db import Store

log = logging.getLogger(__name__)

# pg_try_advisory_lock's key: advisory locks are per database, so one constant serves all
_PG_KEY = 0x6F76_5761_7463_68  # "govWatch"
_NAME = "run"


class LockedError(Exception):
    pass


def _pid_started(pid: int) -> str | None:
    """The process's start time (clock ticks since boot): a pid reused by another process
    after a kill -9 has another one. None where /proc is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    return started is None or _pid_started(pid) in (None, started)


class RunLock:
    def __init__(self, database_url: str, heartbeat: float = 30.0, stale_after: float = 300.0) -> None:
        self.url = database_url
        self.heartbeat = heartbeat
        self.stale_after = stale_after
        self.store: Store | None = None
        self.conn = None  # PostgreSQL: the connection that holds the advisory lock
        self.token = uuid.uuid4().hex
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> "RunLock":
        self.store = Store(self.url)
        try:
            if self.store.engine.dialect.name == "postgresql":
                self._lock_postgres()
            else:
                self._lock_row()
        except BaseException:
            self.store.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self.conn is not None:
                self.conn.execute(text("select pg_advisory_unlock(:k)"), {"k": _PG_KEY})
                self.conn.close()
            elif self._beat is not None:
                self._stop.set()
                self._beat.join()
                with self.store.engine.begin() as conn:
                    conn.execute(delete(m.RunLockRow).where(m.RunLockRow.token == self.token))
        finally:
            self.store.close()

    # -- PostgreSQL --------------------------------------------------------------------------

    def _lock_postgres(self) -> None:
        conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        me = f"govwatch run on {socket.gethostname()} pid {os.getpid()}"
        conn.execute(text("select set_config('application_name', :me, false)"), {"me": me[:63]})
        if not conn.scalar(text("select pg_try_advisory_lock(:k)"), {"k": _PG_KEY}):
            holder = conn.scalar(text(
                "select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                "where l.locktype = 'advisory' and l.granted and a.pid <> pg_backend_pid() limit 1"))
            conn.close()
            raise self._locked(holder or "another process")
        self.conn = conn

    # -- SQLite ------------------------------------------------------------------------------

    def _lock_row(self) -> None:
        host, pid = socket.gethostname(), os.getpid()
        row = dict(name=_NAME, token=self.token, host=host, pid=pid, pid_started=_pid_started(pid),
                   acquired_at=m.utcnow(), heartbeat_at=m.utcnow())
        with self.store.engine.begin() as conn:
            try:
                conn.execute(insert(m.RunLockRow), row)
                taken = True
            except IntegrityError:
                taken = False
        if not taken:
            with self.store.engine.begin() as conn:
                held = conn.execute(select(m.RunLockRow).where(m.RunLockRow.name == _NAME)).one_or_none()
                if held is not None and not self._stale(held):
                    raise self._locked(f"{held.host} pid {held.pid}, since {held.acquired_at:%Y-%m-%d %H:%M} UTC")
                # compare-and-swap: of two processes taking over the same stale row, one wins
                values = {k: v for k, v in row.items() if k != "name"}
                if held is None:
                    conn.execute(insert(m.RunLockRow), row)
                elif conn.execute(update(m.RunLockRow).where(m.RunLockRow.name == _NAME,
                                                            m.RunLockRow.token == held.token)
                                  .values(**values)).rowcount != 1:
                    raise self._locked("another process")
                else:
                    log.warning("took over the run lock of %s pid %s, which is gone", held.host, held.pid)
        self._beat = threading.Thread(target=self._heartbeat, name="govwatch-run-lock", daemon=True)
        self._beat.start()

    def _stale(self, held) -> bool:
        if held.host == socket.gethostname():
            return not _alive(held.pid, held.pid_started)
        return m.utcnow() - held.heartbeat_at > dt.timedelta(seconds=self.stale_after)

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                with self.store.engine.begin() as conn:
                    conn.execute(update(m.RunLockRow).where(m.RunLockRow.token == self.token)
                                 .values(heartbeat_at=m.utcnow()))
            except Exception as exc:  # a busy moment; the next beat comes before anyone calls it stale
                log.info("run lock heartbeat failed: %s: %s", type(exc).__name__, exc)

    def _locked(self, holder: str) -> LockedError:
        return LockedError(f"another govwatch run is using this database ({holder}); wait for it to finish")
