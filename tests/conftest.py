"""Shared fixtures: the sample portal served on 127.0.0.1, and the `govwatch` command run for real."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Callable

import pytest

AS_OF = dt.date(2026, 11, 22)
REALPAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages"


def govwatch(*args: str, env: dict | None = None, check: bool = True, timeout: float = 300,
             input_text: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed command in a subprocess (a crawl needs its own Twisted reactor)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, input=input_text)
    if check and proc.returncode != 0:
        raise AssertionError(f"govwatch {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@contextlib.contextmanager
def postgres_database(admin_url: str, missing: Callable[[str], None], prefix: str = "govwatch_test"):
    """A new, empty PostgreSQL database on the server of ``admin_url`` (its URL), dropped after.
    No server: ``missing(why)`` (pytest.skip where a laptop may lack one, pytest.fail where CI
    starts one: tests/services.sh)."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        missing(f"no PostgreSQL at {admin_url} ({type(exc).__name__}: {exc})")
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop database "{name}" with (force)'))
        admin.dispose()


def violations_json(sites_file: Path, *extra: str) -> list[dict]:
    return json.loads(govwatch("violations", "--config", str(sites_file), "--format", "json", *extra).stdout)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A finished `govwatch demo` run (as of 2026-11-22); tests copy it before changing it."""
    directory = tmp_path_factory.mktemp("demo")
    govwatch("demo", "--dir", str(directory), "--as-of", AS_OF.isoformat())
    return directory


@pytest.fixture
def store(tmp_path):
    """A real SQLite store for checks over runs built by hand."""
    from govwatch.store.db import Store

    return Store(f"sqlite:///{tmp_path}/t.db")


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (the socket is closed again at once)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
