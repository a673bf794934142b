"""Who is asking: login sessions, roles, CSRF tokens, the login rate limit.

The session is Starlette's signed cookie (itsdangerous): HttpOnly, SameSite=Lax, expiring
after ``max_age`` whatever the browser does. It names the user and the time of the user's
last password change, so a new password or a removal ends every older session at once.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from govwatch.store import models as m

CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Person:
    """The logged-in user, as the pages need it."""

    id: int
    name: str
    role: str
    owner: str | None  # a department user's unit: it sees and answers only these problems

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_department(self) -> bool:
        return self.role == "department"

    @property
    def can_rebuild(self) -> bool:
        return self.role in ("admin", "office")


def stamp(user: m.User) -> str:
    return user.password_changed_at.isoformat()


def log_in(request: Request, user: m.User) -> None:
    request.session.clear()  # a new session on login: no fixation
    request.session.update({"uid": user.id, "pw": stamp(user), "csrf": secrets.token_urlsafe(32)})


def person(request: Request, s) -> Person | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = s.get(m.User, uid)
    if user is None or user.removed_at is not None or request.session.get("pw") != stamp(user):
        request.session.clear()
        return None
    return Person(user.id, user.name, user.role, user.owner)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    token = request.session.get("csrf")
    return bool(token) and isinstance(submitted, str) and hmac.compare_digest(token, submitted)


class LoginLimiter:
    """At most ``attempts`` failed logins for one user name from one address in ``window``
    seconds, and ``attempts * 5`` from one address for any names; later attempts are refused
    until the oldest failure leaves the window."""

    def __init__(self, attempts: int = 5, window: float = 900.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    @staticmethod
    def _keys(client: str, name: str) -> tuple[str, str]:
        return f"{client}|{name}", f"{client}|*"

    def blocked(self, client: str, name: str) -> bool:
        now = time.monotonic()
        pair, address = self._keys(client, name)
        with self._lock:
            return (len(self._recent(pair, now)) >= self.attempts
                    or len(self._recent(address, now)) >= self.attempts * 5)

    def failed(self, client: str, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(client, name):
                self._recent(key, now).append(now)

    def succeeded(self, client: str, name: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(client, name)[0], None)


def secret_key(directory: Path) -> str:
    """The key that signs session cookies: $GOVWATCH_SECRET_KEY, else one kept in
    ``.govwatch-secret`` beside the sites file (created once, readable by its owner only)."""
    import os

    if os.environ.get("GOVWATCH_SECRET_KEY"):
        return os.environ["GOVWATCH_SECRET_KEY"]
    path = directory / ".govwatch-secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
