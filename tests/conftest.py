"""Shared fixtures: the sample portal served on 127.0.0.1, and the `govwatch` command run for real."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AS_OF = dt.date(2026, 11, 22)
REALPAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "realpages"


def govwatch(*args: str, env: dict | None = None, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed command in a subprocess (a crawl needs its own Twisted reactor)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"govwatch {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def violations_json(sites_file: Path, *extra: str) -> list[dict]:
    return json.loads(govwatch("violations", "--config", str(sites_file), "--format", "json", *extra).stdout)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A finished `govwatch demo` run (as of 2026-11-22); tests copy it before changing it."""
    directory = tmp_path_factory.mktemp("demo")
    govwatch("demo", "--dir", str(directory), "--as-of", AS_OF.isoformat())
    return directory
