"""Several workers on one night: the run's requests in Redis, through Scrapy-Redis.

`govwatch run` with `queue: redis://…` in the sites file seeds a run (govwatch.cluster); each
`govwatch worker` runs the night spider with the scheduler below, so its engine takes requests
from, and gives new ones to, the run's shared queue. What the crawl remembers is in Redis too
(crawler.state), and results go to the shared PostgreSQL store. Three things are added to
Scrapy-Redis's priority queue:

- **Politeness per host for the whole cluster.** The queue is one sorted set per host; a pop
  takes from a host only while fewer than its `concurrency` downloads are under way (tokens
  with an expiry, so a dead worker's downloads do not hold the host for ever) and its `delay`
  has passed since the last request to it. A 429/503 with Retry-After holds the host for every
  worker. One Lua script decides, atomically.
- **Leases.** A popped request is leased to its worker until its callback's results are
  written to the store (the store pipeline's writer acknowledges it once the batch that
  holds them is committed); the coordinator gives the leases of a worker whose heartbeat stopped back
  to the queue, marked, so the pipeline stores nothing twice (crawler.pipelines).
- **Callbacks of a site's crawl.** Requests carry the name of their PortalCrawl method, bound
  again to that site's crawl in the worker that pops them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import resource
import socket
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
# a worker silent this long is gone: its leases go back to the queue (GOVWATCH_WORKER_TIMEOUT:
# longer where a worker's machine may stall, e.g. heavy swapping; shorter in tests)
ALIVE_SECONDS = int(os.environ.get("GOVWATCH_WORKER_TIMEOUT", "30"))


def namespace(database: str) -> str:
    """Keys of one GovWatch installation (its database, without credentials): one Redis may
    serve several. The coordinator and its workers use the same `database:` URL (one sites file)."""
    scheme, _, rest = database.partition("://")
    where = rest.rsplit("@", 1)[-1]
    return f"govwatch:{hashlib.sha1(f'{scheme}://{where}'.encode()).hexdigest()[:10]}:"


def current_key(space: str) -> str:
    return space + "current"  # the id of the run being crawled


def run_prefix(space: str, run_id: int) -> str:
    return f"{space}run:{run_id}:"


def alive_key(worker: str) -> str:
    return f"govwatch:worker:{worker}:alive"


def connect(url: str):
    """A Redis client that retries a dropped connection (a Redis restart) for a while."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, retry=Retry(ExponentialBackoff(cap=2.0), 8),
                                retry_on_error=[redis.ConnectionError, redis.TimeoutError],
                                socket_timeout=30, health_check_interval=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# Take the next request of a host that may be sent one now (see the module's docstring).
_POP = """
local p, now = ARGV[1], tonumber(ARGV[2])
for i = 8, #ARGV, 2 do redis.call('ZREM', p .. 'busy:' .. ARGV[i], ARGV[i + 1]) end
local slots = redis.call('SMEMBERS', p .. 'slots')
local n = #slots
if n == 0 then return false end
local start = redis.call('INCR', p .. 'cursor') % n
for i = 0, n - 1 do
  local slot = slots[((start + i) % n) + 1]
  local busy = p .. 'busy:' .. slot
  redis.call('ZREMRANGEBYSCORE', busy, '-inf', now)
  local conc = tonumber(redis.call('HGET', p .. 'slot_concurrency', slot) or ARGV[5])
  local nxt = tonumber(redis.call('GET', p .. 'next:' .. slot) or '0')
  if nxt <= now and redis.call('ZCARD', busy) < conc then
    local q = p .. 'q:' .. slot
    local top = redis.call('ZRANGE', q, 0, 0)
    if #top == 0 then
      redis.call('SREM', p .. 'slots', slot)
    else
      redis.call('ZREM', q, top[1])
      if redis.call('ZCARD', q) == 0 then redis.call('SREM', p .. 'slots', slot) end
      local delay = tonumber(redis.call('HGET', p .. 'slot_delay', slot) or ARGV[6])
      redis.call('ZADD', busy, now + tonumber(ARGV[7]), ARGV[4])
      redis.call('SET', p .. 'next:' .. slot, now + delay)
      redis.call('HSET', p .. 'leases', ARGV[4], top[1])
      redis.call('HSET', p .. 'lease_slot', ARGV[4], slot)
      redis.call('SADD', p .. 'worker:' .. ARGV[3], ARGV[4])
      redis.call('DECR', p .. 'pending')
      return {slot, top[1]}
    end
  end
end
return false
"""

_ACK = """
local p = ARGV[1]
for i = 3, #ARGV do
  local slot = redis.call('HGET', p .. 'lease_slot', ARGV[i])
  if slot then redis.call('ZREM', p .. 'busy:' .. slot, ARGV[i]) end
  redis.call('HDEL', p .. 'leases', ARGV[i])
  redis.call('HDEL', p .. 'lease_slot', ARGV[i])
  redis.call('SREM', p .. 'worker:' .. ARGV[2], ARGV[i])
  redis.call('DEL', p .. 'claims:' .. ARGV[i])
end
return #ARGV - 2
"""

# A gone worker's leases back to the queue, first in line, marked as delivered before ("1"); the
# URLs their callbacks claimed without getting the requests to the queue are claimed no more
# (crawler.state.LeaseState), so the requests crawled again claim them again.
_REQUEUE = """
local p, w = ARGV[1], ARGV[2]
local leases = redis.call('SMEMBERS', p .. 'worker:' .. w)
for _, lease in ipairs(leases) do
  local claims = redis.call('HGETALL', p .. 'claims:' .. lease)
  for i = 1, #claims, 2 do
    for key in string.gmatch(claims[i + 1], '[^\\n]+') do redis.call('SREM', key, claims[i]) end
  end
  redis.call('DEL', p .. 'claims:' .. lease)
  local member = redis.call('HGET', p .. 'leases', lease)
  local slot = redis.call('HGET', p .. 'lease_slot', lease)
  if member and slot then
    redis.call('ZADD', p .. 'q:' .. slot, -1e12, '1' .. string.sub(member, 2))
    redis.call('SADD', p .. 'slots', slot)
    redis.call('INCR', p .. 'pending')
    redis.call('ZREM', p .. 'busy:' .. slot, lease)
  end
  redis.call('HDEL', p .. 'leases', lease)
  redis.call('HDEL', p .. 'lease_slot', lease)
end
redis.call('DEL', p .. 'worker:' .. w)
redis.call('SREM', p .. 'workers', w)
return #leases
"""

_HOLD = """
local key = ARGV[1] .. 'next:' .. ARGV[2]
local until_ = tonumber(ARGV[3])
if tonumber(redis.call('GET', key) or '0') < until_ then redis.call('SET', key, until_) end
"""


class RunQueue:
    """The run's shared queue, leases and host gates in Redis; used by the workers' scheduler
    and by the coordinator (seeding, requeueing, knowing when the night's work is done)."""

    def __init__(self, client: Any, space: str, run_id: int, concurrency: int = 2, delay: float = 1.0,
                 busy_ttl: float = 240.0) -> None:
        self.client = client
        self.run_id = run_id
        self.space = space
        self.prefix = run_prefix(space, run_id)
        self.concurrency = concurrency  # a host with no slot of its own (the sites file's top-level crawl)
        self.delay_ms = int(delay * 1000)
        self.busy_ttl_ms = int(busy_ttl * 1000)
        self._pop = client.register_script(_POP)
        self._ack = client.register_script(_ACK)
        self._requeue = client.register_script(_REQUEUE)
        self._hold = client.register_script(_HOLD)

    def configure(self, slots: dict[str, dict[str, float]]) -> None:
        """Each host's politeness (crawler.settings.run_settings' DOWNLOAD_SLOTS)."""
        pipe = self.client.pipeline()
        for host, slot in slots.items():
            pipe.hset(self.prefix + "slot_concurrency", host, int(slot["concurrency"]))
            pipe.hset(self.prefix + "slot_delay", host, int(slot["delay"] * 1000))
        pipe.execute()

    def push(self, member: bytes, slot: str, priority: int, claims: str | None = None, url: str = "") -> None:
        self.push_many([(member, slot, priority, claims, url)])

    def push_many(self, requests: list[tuple[bytes, str, int, str | None, str]]) -> None:
        """Queue requests (member, slot, priority, claims, url) in one transaction; ``claims``:
        the lease whose callback claimed ``url`` (the claim is kept: its request is queued)."""
        pipe = self.client.pipeline(transaction=True)
        for member, slot, priority, claims, url in requests:
            # higher priority first; within one, the newest first (depth first, as Scrapy's default)
            pipe.zadd(self.prefix + "q:" + slot, {member: -priority * 1e9 - (time.time() % 1e8)})
            pipe.sadd(self.prefix + "slots", slot)
            if claims:
                pipe.hdel(claims, url)
        pipe.incrby(self.prefix + "pending", len(requests))
        pipe.execute()

    def pop(self, worker: str, lease: str, released: list[tuple[str, str]] = ()) -> tuple[str, bytes] | None:
        """The next request a host may be sent now, leased to ``worker``; first the hosts of
        ``released`` downloads (slot, lease) are given back."""
        out = self._pop(args=[self.prefix, _now_ms(), worker, lease, self.concurrency, self.delay_ms,
                              self.busy_ttl_ms, *(x for pair in released for x in pair)])
        return (out[0].decode(), out[1]) if out else None

    def ack(self, worker: str, leases: list[str]) -> None:
        if leases:
            self._ack(args=[self.prefix, worker, *leases])

    def release(self, released: list[tuple[str, str]]) -> None:
        """Downloads (slot, lease) are over: their hosts may take others (leases last until stored)."""
        pipe = self.client.pipeline(transaction=False)
        for slot, lease in released:
            pipe.zrem(self.prefix + "busy:" + slot, lease)
        pipe.execute()

    def hold(self, slot: str, seconds: float) -> None:
        """No request to the host from any worker for ``seconds`` (Retry-After)."""
        self._hold(args=[self.prefix, slot, _now_ms() + int(seconds * 1000)])

    def requeue(self, worker: str) -> int:
        return int(self._requeue(args=[self.prefix, worker]))

    def pending(self) -> int:
        return int(self.client.get(self.prefix + "pending") or 0)

    def leased(self) -> int:
        return int(self.client.hlen(self.prefix + "leases"))

    def workers(self) -> list[str]:
        return [w.decode() for w in self.client.smembers(self.prefix + "workers")]

    def join(self, worker: str) -> None:
        self.client.sadd(self.prefix + "workers", worker)


def _now_ms() -> int:
    return int(time.time() * 1000)


def slot_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def encode(request: Request) -> bytes:
    """A request as bytes: its callback and errback by name (methods of its site's crawl)."""
    data = request.replace(callback=None, errback=None).to_dict()
    data["gw_callback"] = request.callback.__name__ if request.callback else None
    data["gw_errback"] = request.errback.__name__ if request.errback else None
    for key in ("_gw_lease", "_gw_slot", "_gw_claims"):  # this worker's, not the request's
        data["meta"].pop(key, None)
    data["token"] = uuid.uuid4().hex  # two equal requests are two members of the sorted set
    return b"0" + pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def decode(member: bytes, spider: Any, claims: str | None = None) -> Request:
    """The request, its callbacks bound to its site's crawl (for ``claims``: the lease's)."""
    data = pickle.loads(member[1:])
    callback, errback = data.pop("gw_callback"), data.pop("gw_errback")
    data.pop("token", None)
    request = request_from_dict(data)
    crawl = spider.crawls[request.meta["gw_site"]]
    if claims:
        crawl = crawl.leased(claims)
    request.callback = getattr(crawl, callback) if callback else None
    request.errback = getattr(crawl, errback) if errback else None
    if member[:1] == b"1":  # a gone worker had it: what it stored of it is not stored again
        request.meta["gw_again"] = True
    return request


class LeaseQueue(Base):
    """Scrapy-Redis's queue interface over RunQueue (set as SCHEDULER_QUEUE_CLASS)."""

    def __init__(self, server, spider, key, serializer=None) -> None:
        super().__init__(server, spider, key, serializer=pickle)
        settings = spider.crawler.settings
        self.worker = settings.get("GOVWATCH_WORKER")
        self.run = RunQueue(server, settings.get("GOVWATCH_NAMESPACE"), settings.getint("GOVWATCH_RUN_ID"),
                            settings.getint("GOVWATCH_HOST_CONCURRENCY", 2),
                            settings.getfloat("GOVWATCH_HOST_DELAY", 1.0),
                            settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 60)

        # Sent to Redis together, not one round trip each: a callback's new requests (before its
        # lease is acknowledged, and before this worker takes its next request), and the hosts
        # of finished downloads (with the next pop, or by ClusterLink's tick).
        self.pushes: list[tuple[bytes, str, int, str | None, str]] = []
        self.released: list[tuple[str, str]] = []

    def __len__(self) -> int:
        return self.run.pending() + len(self.pushes)

    def push(self, request: Request) -> None:
        self.pushes.append((encode(request), slot_of(request.url), request.priority, request.meta.get("_gw_claims"),
                            request.url))

    def flush(self, pushes_only: bool = False) -> None:
        if self.pushes:
            pushes, self.pushes = self.pushes, []
            self.run.push_many(pushes)
        if self.released and not pushes_only:
            released, self.released = self.released, []
            self.run.release(released)

    def pop(self, timeout: int = 0) -> Request | None:
        if self.pushes:
            pushes, self.pushes = self.pushes, []
            self.run.push_many(pushes)
        lease = uuid.uuid4().hex[:16]
        released, self.released = self.released, []
        out = self.run.pop(self.worker, lease, released)
        if out is None:
            return None
        slot, member = out
        request = decode(member, self.spider, self.run.prefix + "claims:" + lease)
        request.meta["_gw_lease"] = lease
        request.meta["_gw_slot"] = slot
        return request

    def clear(self) -> None:  # the coordinator owns the run's keys
        pass


class ClusterScheduler(Scheduler):
    """Scrapy-Redis's scheduler on the run's queue; it never clears the shared queue."""

    @classmethod
    def from_settings(cls, settings):
        url = settings.get("GOVWATCH_QUEUE")
        if not url:
            raise NotConfigured("GOVWATCH_QUEUE is set by `govwatch worker`")
        server = connect(url)
        server.ping()
        # no dupe filter: every GovWatch request is dont_filter, the sites' claims decide (crawler.state)
        return cls(server=server, persist=True, queue_key="govwatch:%(spider)s",
                   queue_cls="crawler.cluster.LeaseQueue")

    def open(self, spider) -> None:
        # Scrapy-Redis 0.9.1 logs through the deprecated Spider.log(); the queue is the run's
        self.spider = spider
        self.queue = LeaseQueue(self.server, spider, self.queue_key, serializer=pickle)

    def close(self, reason: str) -> None:  # the coordinator owns the run's keys
        pass

    def enqueue_request(self, request: Request) -> bool:
        self.queue.push(request)  # every request is dont_filter (crawler.state claims URLs)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class ClusterLink:
    """The worker's side of the run (an extension): heartbeat, lease acknowledgements after the
    store wrote a request's results, hosts released after each download, Retry-After for every
    worker, and the engine kept open until the coordinator says the night's crawl is over."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.worker = settings.get("GOVWATCH_WORKER")
        self.client = connect(settings.get("GOVWATCH_QUEUE"))
        self.run = RunQueue(self.client, settings.get("GOVWATCH_NAMESPACE"), settings.getint("GOVWATCH_RUN_ID"))
        self.max_wait = settings.getfloat("GOVWATCH_RETRY_AFTER_MAX", 30.0)
        self.loop = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("GOVWATCH_QUEUE"):
            raise NotConfigured
        link = cls(crawler)
        crawler.signals.connect(link.opened, signal=signals.spider_opened)
        crawler.signals.connect(link.closed, signal=signals.spider_closed)
        crawler.signals.connect(link.idle, signal=signals.spider_idle)
        crawler.signals.connect(link.left_downloader, signal=signals.request_left_downloader)
        # as it arrives, before RetryAfterMiddleware waits and retries (no response_received then)
        crawler.signals.connect(link.response_downloaded, signal=signals.response_downloaded)
        return link

    def _pipeline(self):
        from crawler.pipelines import StorePipeline

        for pipe in self.crawler.engine.scraper.itemproc.middlewares:
            if isinstance(pipe, StorePipeline):
                return pipe
        raise RuntimeError("the store pipeline is not enabled")

    def opened(self, spider) -> None:
        from twisted.internet import task

        self.run.join(self.worker)
        self.beat()
        pipeline = self._pipeline()
        pipeline.on_written = lambda leases: self.run.ack(self.worker, leases)
        slot = self.crawler.engine._slot  # Scrapy 2.19: called once a request's output is processed
        remove = slot.remove_request

        queue = slot.scheduler.queue

        def remove_request(request: Request) -> None:
            remove(request)
            if lease := request.meta.get("_gw_lease"):
                queue.flush(pushes_only=True)  # its new requests are queued before it can be acknowledged
                pipeline.acknowledge(lease)  # after the batch holding its results is written

        slot.remove_request = remove_request
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(0.2, now=False)

    def tick(self) -> None:
        """Heartbeat, and a nudge to the engine: a host's delay may have passed (the engine
        itself would look again only every 5 s)."""
        now = time.monotonic()
        if now - getattr(self, "_beat", 0) >= HEARTBEAT_SECONDS or self.taken_for_gone():
            self.beat()
        if self.crawler.stats.get_value("govwatch/degraded") and not getattr(self, "_degraded", False):
            self._degraded = True  # the canary failed: the coordinator marks the run degraded
            self.client.set(self.run.prefix + "degraded", "1")
        if self.crawler.engine and self.crawler.engine._slot:
            self.crawler.engine._slot.scheduler.queue.flush()
            self.crawler.engine._slot.nextcall.schedule()
            self._pipeline().flush_acks()

    def taken_for_gone(self) -> bool:
        """Whether the coordinator gave this worker's requests to others (asked every tick:
        what it would queue or store meanwhile may come twice)."""
        return self.loop is not None and not self.client.sismember(self.run.prefix + "workers", self.worker)

    def beat(self) -> None:
        self._beat = time.monotonic()
        if self.taken_for_gone():
            # silent too long (a stalled machine): its requests went to others, and what it would
            # still queue or store could come twice; it stops, and the worker starts afresh
            log.error("run %s: this worker was taken for gone (no heartbeat for %d s); stopping",
                      self.run.run_id, ALIVE_SECONDS)
            self.loop.stop()
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="taken_for_gone"))
            return
        self.client.set(alive_key(self.worker), self.run.run_id, ex=ALIVE_SECONDS)

    def left_downloader(self, request: Request, spider) -> None:
        if (lease := request.meta.get("_gw_lease")) and (slot := request.meta.get("_gw_slot")) is not None:
            self.crawler.engine._slot.scheduler.queue.released.append((slot, lease))

    def response_downloaded(self, response, request, spider) -> None:
        if response.status in (429, 503) and (value := response.headers.get("Retry-After")):
            from crawler.middlewares import retry_after_seconds

            wait = retry_after_seconds(value.decode("latin-1"))
            if wait is not None:
                self.run.hold(slot_of(request.url), min(wait, self.max_wait))

    def idle(self, spider) -> None:
        self.crawler.engine._slot.scheduler.queue.flush()
        pipeline = self._pipeline()
        pipeline.flush_acks(force=True)
        if self.client.get(current_key(self.run.space)) == str(self.run.run_id).encode():
            raise DontCloseSpider  # other workers may still give us work: the coordinator decides

    def closed(self, spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.client.delete(alive_key(self.worker))
        crawled = self.crawler.stats.get_value("scheduler/dequeued/redis", 0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"run {self.run.run_id}: worker {self.worker} crawled {crawled} request(s) ({reason}), "
              f"peak RSS {rss} MB", file=sys.stderr)
