"""One run at a time per database: an OS file lock, released when the process dies."""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


class LockedError(Exception):
    pass


def lock_path(database_url: str) -> Path:
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///") + ".lock")
    # a server database: one lock file per URL on this machine (workers on other machines
    # coordinate through the scale-out mode's shared queue instead)
    digest = hashlib.sha1(database_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"govwatch-{digest}.lock"


class RunLock:
    def __init__(self, database_url: str) -> None:
        self.path = lock_path(database_url)
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 100).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise LockedError(f"another govwatch run is using this database ({holder}); "
                              f"wait for it to finish (lock file: {self.path})") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}".encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
