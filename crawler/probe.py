"""Availability probes (站点无法访问): one timed GET of each site's home page, recorded.

国办秘函〔2019〕19号 counts a home page that is still not open after 15 seconds (超过(含)15秒)
as a failed visit; `govwatch probe` makes one such visit per site and stores it as a
``Probe`` row, and ``checks.availability`` judges the week's share of failures. It is meant
to run many times a day from cron, also while the nightly crawl runs, so it takes no run lock.

- The limit covers everything a visitor waits for: DNS, connect, TLS, redirects and the
  whole body. A page that finishes at or after the limit is a failure.
- Redirects are followed (a browser would); a meta refresh is not.
- TLS is as permissive as the crawl's (crawler/tlscheck.py): a bad certificate is a
  ``tls-error`` finding of the crawl, not an unreachable site.
- robots.txt is not consulted: a single home-page GET a few dozen times a day is what the
  inspectors' own monitors do, and the rule is defined by exactly that visit.
- Sites are probed in parallel, at most ``PARALLEL`` at a time; a probe's clock starts when
  its turn comes, so a province's hundreds of sites do not time out waiting for each other.
- If the sites file names a ``crawl.canary`` (a URL the monitor can always reach), it is
  probed too; when it fails, the monitor's own network is down and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from govwatch.config import Config, SiteConfig
from govwatch.store import models as m
from govwatch.store.db import Store

PARALLEL = 32  # simultaneous probes (and DNS resolver threads)


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    user_agent: str
    timeout: float


@dataclass(frozen=True)
class Result:
    name: str
    url: str
    at: dt.datetime  # UTC, naive (as the store keeps it): when the probe started
    ok: bool
    status: int | None
    error: str | None  # timeout, dns, refused, reset, tls, unreachable, redirect, ...
    seconds: float


class CanaryFailed(RuntimeError):
    pass


def run(config: Config, store: Store, sites: list[SiteConfig]) -> list[Result]:
    """Probe the sites once, record the results, and return them (in the sites' order)."""
    targets = []
    for site in sites:
        crawl = config.crawl_for(site)
        targets.append(Target(site.name, site.url, crawl.user_agent, crawl.probe_timeout))
    canary = config.crawl.canary
    if canary:
        targets.append(Target("canary", canary, config.crawl.user_agent, config.crawl.probe_timeout))
    results = probe_all(targets)
    if canary:
        answer = results.pop()
        if answer.error or answer.status is None or answer.status >= 500:  # as crawler/canary.py judges it
            raise CanaryFailed(f"the canary {canary} did not answer ({answer.error or answer.status}): the "
                               f"monitor's own network is failing, so no probe was recorded")
    record(store, sites, results)
    return results


def record(store: Store, sites: list[SiteConfig], results: list[Result]) -> None:
    urls = {s.name: s.url for s in sites}
    with store.session() as s, s.begin():
        for r in results:
            site_id = _site_id(s, r.name, urls[r.name])
            s.add(m.Probe(site_id=site_id, at=r.at, ok=r.ok, status=r.status, error=r.error,
                          seconds=round(r.seconds, 3)))


def _site_id(s, name: str, url: str) -> int:
    """The site's row, created if the site was never crawled (as jobs.start_run does)."""
    row = s.scalar(select(m.Site).where(m.Site.name == name))
    if row is None:
        try:
            with s.begin_nested():  # a crawl starting right now may create it first
                row = m.Site(name=name, url=url)
                s.add(row)
        except IntegrityError:
            row = s.scalar(select(m.Site).where(m.Site.name == name))
    row.url = url
    return row.id


# -- fetching (Twisted, as the crawl) ------------------------------------------------------------


def probe_all(targets: list[Target], rounds: int = 1) -> list[Result]:
    """Fetch every target once per round, concurrently within a round; runs (and stops) the
    Twisted reactor, which cannot run twice in one process: hence the rounds here.
    Results come round by round, each in the targets' order."""
    from twisted.internet import defer, reactor

    # a bad certificate is the crawl's tls-error finding; repeated every 30 minutes it is noise
    logging.getLogger("scrapy.core.downloader.tls").setLevel(logging.ERROR)
    reactor.suggestThreadPoolSize(PARALLEL)  # the default resolver runs getaddrinfo in threads
    agent = _agent(reactor)
    limiter = defer.DeferredSemaphore(PARALLEL)
    results: list[Result | None] = [None] * (len(targets) * rounds)

    def one(i: int, target: Target):
        d = limiter.run(_fetch, reactor, agent, target)
        return d.addCallback(lambda r: results.__setitem__(i, r))

    @defer.inlineCallbacks
    def all_rounds():
        for k in range(rounds):
            yield defer.DeferredList([one(k * len(targets) + i, t) for i, t in enumerate(targets)], consumeErrors=True)

    all_rounds().addBoth(lambda _: reactor.callLater(0, reactor.stop))
    reactor.run()
    missing = [t.name for t, r in zip(targets * rounds, results) if r is None]
    if missing:  # a bug, not a finding: never record a guess
        raise RuntimeError(f"no probe result for {', '.join(missing)}")
    return results  # type: ignore[return-value]


def _agent(reactor):
    from twisted.web.client import Agent, BrowserLikeRedirectAgent

    from crawler.tlscheck import PermissiveContextFactory

    return BrowserLikeRedirectAgent(Agent(reactor, contextFactory=PermissiveContextFactory()), redirectLimit=10)


# 401/403/412/429: a bot challenge, a firewall or a rate limit answering the monitor; readers
# with a browser get the page (the crawl renders such pages with Chromium)
BLOCKED = frozenset({401, 403, 412, 429})


def _fetch(reactor, agent, target: Target):
    from twisted.web.http_headers import Headers
    from w3lib.url import safe_url_string

    at = m.utcnow()
    start = time.monotonic()
    headers = Headers({b"User-Agent": [target.user_agent.encode()],
                       b"Accept": [b"text/html,application/xhtml+xml,*/*;q=0.8"]})

    def done(status: int) -> Result:
        seconds = time.monotonic() - start
        if seconds >= target.timeout:  # "超过(含)15秒": the limit itself is a failure
            return Result(target.name, target.url, at, False, status, "timeout", seconds)
        if status in BLOCKED:  # the server answered at once, only not to a monitor: it is up
            return Result(target.name, target.url, at, True, status, "blocked", seconds)
        return Result(target.name, target.url, at, status < 400, status, None, seconds)

    def failed(failure) -> Result:
        return Result(target.name, target.url, at, False, None, error_class(failure.value),
                      time.monotonic() - start)

    d = agent.request(b"GET", safe_url_string(target.url).encode("ascii"), headers)  # IDN, 中文 paths
    d.addCallback(_read_body)
    d.addTimeout(target.timeout, reactor)  # cancels whatever stage it is in: DNS, connect, body
    return d.addCallbacks(done, failed)


def _read_body(response):
    """Read the whole body (it is not kept: only the time to load it counts); fires the status.

    Not twisted's readBody: it cannot always abort the download when cancelled, and then
    fails a second time when the connection finally closes."""
    from twisted.internet import defer, protocol
    from twisted.web.client import ResponseDone
    from twisted.web.http import PotentialDataLoss

    class Body(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:
            pass

        def connectionLost(self, reason) -> None:
            if d.called:
                return
            # PotentialDataLoss: a body that ends with the connection (no Content-Length; old
            # servers) is a complete page
            if reason.check(ResponseDone, PotentialDataLoss):
                d.callback(response.code)
            else:
                d.errback(reason)

    def cancel(_) -> None:
        if body.transport is not None:
            body.transport.stopProducing()  # closes the connection

    d = defer.Deferred(cancel)
    body = Body()
    response.deliverBody(body)
    return d


def error_class(exc: BaseException) -> str:
    """A short, stable name for why no page arrived."""
    from twisted.internet import defer
    from twisted.internet import error as net
    from twisted.web import error as web
    from twisted.web.client import RequestNotSent

    # failures of a request wrap the connection's own reasons (a reset, a TLS alert, our cancel)
    wrapped = isinstance(exc, RequestNotSent) or hasattr(exc, "reasons")  # ResponseFailed and kin
    reasons = [r.value for r in getattr(exc, "reasons", None) or []] or [exc]
    kinds = [
        ((defer.TimeoutError, defer.CancelledError, net.TimeoutError, net.TCPTimedOutError,
          net.ConnectingCancelledError), "timeout"),
        ((net.DNSLookupError,), "dns"),
        ((net.ConnectionRefusedError,), "refused"),
        ((net.SSLError,), "tls"),
        ((net.NoRouteError, net.ConnectError), "unreachable"),
        ((web.InfiniteRedirection, web.RedirectWithNoLocation), "redirect"),  # never reached a page
    ]
    for reason in reasons:
        for types, name in kinds:
            if isinstance(reason, types):
                return name
    for reason in reasons:
        if "SSL" in type(reason).__module__ + type(reason).__name__:  # OpenSSL.SSL.Error
            return "tls"
    if wrapped or isinstance(exc, net.ConnectionClosed):
        return "reset"  # the connection closed before a whole response came
    return type(exc).__name__
