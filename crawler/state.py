"""What a night's crawl remembers while it runs: which URLs each site requested, its columns,
its counters and coverage, whether its home page's navigation is known yet.

One process keeps it in memory (``LocalState``). Several workers sharing a run
(crawler.cluster, `govwatch worker`) keep it in Redis (``RedisState``), so that no decision
depends on which worker read which page: a URL is claimed by one atomic SADD, counters are
HINCRBYs, and the home page's "links wait for the navigation" handshake is one Lua script.
The spider code (crawler.spiders.portal) is the same for both.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crawler.revisit import Coverage
from crawler.verdicts import MissingPage

_UNKNOWN = object()  # the site's missing-page fingerprint is not taken yet


class LocalState:
    """One site's crawl state in this process."""

    def __init__(self) -> None:
        self.coverage = Coverage()
        self.requested: set[str] = set()
        self.columns: dict[str, dict[str, Any]] = {}
        self.list_pages: dict[str, int] = defaultdict(int)  # column url -> list pages requested
        self.reads = 0  # pages requested for reading tonight (max_pages)
        self.tls_hosts: set[str] = set()
        self.home_read = False
        self.waiting: list[str] = []
        self.missing_page: MissingPage | None = None

    def claim(self, urls: list[str]) -> list[str]:
        """The URLs not requested before, now marked requested, in their order (once each)."""
        new = []
        for url in urls:
            if url not in self.requested:
                self.requested.add(url)
                new.append(url)
        return new

    def is_requested(self, url: str) -> bool:
        return url in self.requested

    def add_column(self, url: str, column: dict[str, Any]) -> None:
        self.columns[url] = column

    def column(self, url: str) -> dict[str, Any]:
        return self.columns[url]

    def count_list_page(self, column_url: str, limit: int) -> bool:
        """One more list page of the column, unless ``limit`` are requested already."""
        if self.list_pages[column_url] >= limit:
            return False
        self.list_pages[column_url] += 1
        return True

    def count_read(self, limit: int) -> bool:
        """One more page requested for reading tonight, unless ``limit`` are."""
        if self.reads >= limit:
            return False
        self.reads += 1
        return True

    def first_tls(self, host: str) -> bool:
        """Whether this is the first time tonight this HTTPS host's certificate is judged."""
        if host in self.tls_hosts:
            return False
        self.tls_hosts.add(host)
        return True

    def follow_or_wait(self, urls: list[str]) -> bool:
        """True when the home page's navigation is read (follow the URLs now); otherwise the
        URLs wait for it (``release``)."""
        if self.home_read:
            return True
        self.waiting.extend(urls)
        return False

    def release(self) -> list[str]:
        """The home page's navigation is read: the URLs that waited for it."""
        self.home_read = True
        waiting, self.waiting = self.waiting, []
        return waiting

    def set_missing_page(self, page: MissingPage | None) -> None:
        self.missing_page = page

    def get_missing_page(self) -> MissingPage | None:
        return self.missing_page


class LocalRun:
    """The run-wide part in this process: URLs only checked get one verdict per run."""

    def __init__(self) -> None:
        self.decided: set[str] = set()

    def site(self, name: str) -> LocalState:
        return LocalState()

    def decide(self, url: str) -> bool:
        """Whether this site checks the URL (no other site of the run did)."""
        if url in self.decided:
            return False
        self.decided.add(url)
        return True

    def undecide(self, url: str) -> None:
        self.decided.discard(url)



# -- Redis --------------------------------------------------------------------------------------

# The navigation handshake, atomic: a worker's links either see the home page read, or wait in
# the list that the home page's worker takes when it sets the flag (never lost between the two).
_FOLLOW_OR_WAIT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
if #ARGV > 0 then redis.call('RPUSH', KEYS[2], unpack(ARGV)) end
return 0
"""
# The list is kept: a home page crawled again (its worker went away) releases the same URLs,
# and the claims let through those not requested yet.
_RELEASE = """
redis.call('SET', KEYS[1], '1')
return redis.call('LRANGE', KEYS[2], 0, -1)
"""
# Claim URLs in a set (KEYS[1]); with a lease's claims hash (KEYS[2]), write each claim down
# there too: url -> the set(s) it was claimed in (crawler.state.LeaseState)
_CLAIM = """
local out = {}
for i, url in ipairs(ARGV) do
  if redis.call('SADD', KEYS[1], url) == 1 then
    out[#out + 1] = url
    if KEYS[2] then
      local was = redis.call('HGET', KEYS[2], url)
      redis.call('HSET', KEYS[2], url, was and (was .. '\\n' .. KEYS[1]) or KEYS[1])
    end
  end
end
return out
"""
# a counter that stops at its limit: INCR only below it
_COUNT_BELOW = """
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if n >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""

_COVERAGE_FIELDS = ("read", "revalidated", "carried", "checked_only", "left", "failed")


class RedisCoverage:
    """A site's Coverage, counted in Redis by every worker."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key  # hash: the counters; key:limits: limit -> count; key:hold: why held
        self._count_below = client.register_script(_COUNT_BELOW)

    def add(self, name: str, n: int = 1) -> None:
        self.client.hincrby(self.key, name, n)

    def take_read(self, limit: int | None) -> bool:
        """One more page read tonight, unless ``limit`` pages are (one round trip)."""
        if limit is None:
            self.add("read")
            return True
        return bool(self._count_below(keys=[self.key], args=["read", limit]))

    def limit(self, name: str) -> None:
        self.client.hincrby(self.key + ":limits", name, 1)

    @property
    def read(self) -> int:
        return int(self.client.hget(self.key, "read") or 0)

    @property
    def hold(self) -> str | None:
        value = self.client.get(self.key + ":hold")
        return value.decode() if value else None

    @hold.setter
    def hold(self, value: str | None) -> None:
        if value:
            self.client.set(self.key + ":hold", value)
        else:
            self.client.delete(self.key + ":hold")

    def snapshot(self) -> Coverage:
        counts = {k.decode(): int(v) for k, v in self.client.hgetall(self.key).items()}
        limits = {k.decode(): int(v) for k, v in self.client.hgetall(self.key + ":limits").items()}
        return Coverage(**{k: counts.get(k, 0) for k in _COVERAGE_FIELDS}, limits=limits, hold=self.hold)

    def as_dict(self) -> dict:
        return self.snapshot().as_dict()


class RedisState:
    """One site's crawl state in Redis, shared by the run's workers (keys under ``prefix``)."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.coverage = RedisCoverage(client, prefix + "coverage")
        self._columns: dict[str, dict[str, Any]] = {}
        self._missing: Any = _UNKNOWN
        self._home_read = False
        self._claim = client.register_script(_CLAIM)
        self._follow_or_wait = client.register_script(_FOLLOW_OR_WAIT)
        self._release = client.register_script(_RELEASE)
        self._count_below = client.register_script(_COUNT_BELOW)

    def claim(self, urls: list[str], claims: str | None = None) -> list[str]:
        if not urls:
            return []
        keys = [self.prefix + "requested", *([claims] if claims else [])]
        return [u.decode() for u in self._claim(keys=keys, args=urls)]

    def is_requested(self, url: str) -> bool:
        return bool(self.client.sismember(self.prefix + "requested", url))

    def add_column(self, url: str, column: dict[str, Any]) -> None:
        self._columns[url] = column
        self.client.hset(self.prefix + "columns", url, json.dumps(column))

    def column(self, url: str) -> dict[str, Any]:
        if url not in self._columns:
            self._columns[url] = json.loads(self.client.hget(self.prefix + "columns", url))
        return self._columns[url]

    def count_list_page(self, column_url: str, limit: int) -> bool:
        return bool(self._count_below(keys=[self.prefix + "list_pages"], args=[column_url, limit]))

    def count_read(self, limit: int) -> bool:
        return bool(self._count_below(keys=[self.prefix + "counts"], args=["reads", limit]))

    def first_tls(self, host: str) -> bool:
        return bool(self.client.sadd(self.prefix + "tls", host))

    def follow_or_wait(self, urls: list[str]) -> bool:
        if self._home_read:  # once read, always: no round trip
            return True
        self._home_read = bool(self._follow_or_wait(keys=[self.prefix + "home_read", self.prefix + "waiting"],
                                                    args=urls))
        return self._home_read

    def release(self) -> list[str]:
        return [u.decode() for u in self._release(keys=[self.prefix + "home_read", self.prefix + "waiting"])]

    def set_missing_page(self, page: MissingPage | None) -> None:
        self._missing = page
        value = {"url": page.final_url, "title": page.title, "length": page.text_length} if page else None
        self.client.set(self.prefix + "missing", json.dumps(value))

    def get_missing_page(self) -> MissingPage | None:
        # taken before the home page is requested, so every later page of the site finds it
        if self._missing is _UNKNOWN:
            raw = self.client.get(self.prefix + "missing")
            if raw is None:
                return None
            value = json.loads(raw)
            self._missing = MissingPage(value["url"], value["title"], value["length"]) if value else None
        return self._missing



class RedisRun:
    """The run-wide part in Redis: sites' states and the run's checked-once URLs."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix  # e.g. "govwatch:<installation>:run:12:"
        self._claim = client.register_script(_CLAIM)

    def site(self, name: str) -> RedisState:
        return RedisState(self.client, f"{self.prefix}site:{name}:")

    def decide(self, url: str, claims: str | None = None) -> bool:
        keys = [self.prefix + "decided", *([claims] if claims else [])]
        return bool(self._claim(keys=keys, args=[url]))

    def undecide(self, url: str) -> None:
        self.client.srem(self.prefix + "decided", url)



class LeaseState:
    """A site's state while one leased request of a shared run is processed: what it claims is
    also written down under the lease until the request is acknowledged, and each claim is
    struck off when its request reaches the queue (crawler.cluster.RunQueue.push). If the
    worker goes away in between, the claims left are taken back (crawler.cluster: _REQUEUE),
    so the request, crawled again, claims them again: nothing is lost, nothing requested twice."""

    def __init__(self, state: "RedisState", claims: str) -> None:
        self._state = state
        self._claims = claims

    def claim(self, urls: list[str]) -> list[str]:
        return self._state.claim(urls, self._claims)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._state, name)


class LeaseRun:
    """The run-wide part for one leased request (see LeaseState)."""

    def __init__(self, run: "RedisRun", claims: str) -> None:
        self._run = run
        self._claims = claims

    def decide(self, url: str) -> bool:
        return self._run.decide(url, self._claims)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run, name)
