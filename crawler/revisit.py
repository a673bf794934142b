"""Incremental nights: what to fetch tonight, what to carry over, and what the night covered.

A night costs what changed, not the site's size (DESIGN). Home and list pages are read every
night (the spider never asks here); a known page is re-read when it is due on the rotation —
its slot among ``revisit_days`` nights comes round, or it is older than that — with a
conditional request when the server gave it an ETag or Last-Modified; otherwise its facts are
carried over from the night it was read. A good link verdict is kept the same way; every other
verdict (dead, soft-404, bad attachment, timeouts, blocks) is checked again every night, so a
fix shows the next morning.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import Callable, Literal

from govwatch.store.memory import Seen

Plan = Literal["read", "revalidate", "carry"]


class Memory:
    """The URL memory of a run's sites, and the rotation that decides each URL's plan."""

    def __init__(self, seen: dict[str, Seen], as_of: dt.date, full: bool = False,
                 links: Callable[[int, str], list[str]] | None = None) -> None:
        self.seen = seen
        self.as_of = as_of
        self.full = full  # `govwatch run --full`: everything is read again
        self._links = links

    def due(self, url: str, on: dt.date | None, days: int) -> bool:
        """Due tonight: never seen, as old as the rotation allows, or in tonight's slot."""
        if on is None:
            return True
        age = (self.as_of - on).days
        if age >= days:
            return True
        return age >= 1 and zlib.crc32(url.encode()) % days == self.as_of.toordinal() % days

    def page_plan(self, url: str, days: int) -> Plan:
        seen = self.seen.get(url)
        if self.full or seen is None or seen.read_run is None or seen.verdict not in (None, "ok"):
            return "read"  # new, or its last verdict was a problem (soft 404, error): every night
        if not self.due(url, seen.read_on, days):
            return "carry"
        return "revalidate" if seen.etag or seen.last_modified else "read"

    def keeps_verdict(self, url: str, days: int) -> bool:
        """A good verdict not yet due: kept instead of checking the URL again."""
        seen = self.seen.get(url)
        return (not self.full and seen is not None and seen.verdict == "ok" and seen.check_run is not None
                and not self.due(url, seen.checked_on, days))

    def links(self, run_id: int, url: str) -> list[str]:
        """The link targets a page carried when it was read (to follow a carried page's links)."""
        return self._links(run_id, url) if self._links else []


@dataclass
class Coverage:
    """What one night covered of one site, and why not more (stored per site visit)."""

    read: int = 0  # pages fetched and parsed tonight
    revalidated: int = 0  # unchanged since they were read (HTTP 304): facts carried, dated tonight
    carried: int = 0  # not due tonight: facts carried from the night they were read
    checked_only: int = 0  # pages of the site only status-checked: over `max_pages`
    left: int = 0  # discovered but not requested: the night's `time_budget` ran out
    failed: int = 0  # pages whose analysis raised (crawler.middlewares.PageErrorMiddleware)
    limits: dict[str, int] = field(default_factory=dict)  # limit -> how often it cut (max_pages, ...)
    # why nothing of the site may be fixed or opened tonight (a maintenance page, a collapse)
    hold: str | None = None

    def add(self, name: str, n: int = 1) -> None:
        setattr(self, name, getattr(self, name) + n)

    def take_read(self, limit: int | None) -> bool:
        """One more page read tonight, unless ``limit`` pages are."""
        if limit is not None and self.read >= limit:
            return False
        self.read += 1
        return True

    def limit(self, name: str) -> None:
        self.limits[name] = self.limits.get(name, 0) + 1

    @property
    def audited(self) -> int:
        return self.read + self.revalidated + self.carried

    @property
    def discovered(self) -> int:
        return self.audited + self.checked_only + self.left

    @property
    def complete(self) -> bool:
        return not self.checked_only and not self.left and not self.failed and not self.limits and not self.hold

    def as_dict(self) -> dict:
        return {"read": self.read, "revalidated": self.revalidated, "carried": self.carried,
                "checked_only": self.checked_only, "left": self.left, "failed": self.failed, "audited": self.audited,
                "discovered": self.discovered, "complete": self.complete, "limits": dict(self.limits),
                **({"hold": self.hold} if self.hold else {})}
