"""Availability (站点无法访问): the week's share of failed home-page probes (`govwatch probe`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from checks.base import Check, Note, Violation
from govwatch.store.view import PreviousViolation, ProbeView, RunView


@dataclass(frozen=True)
class Window:
    first: dt.date  # local dates, both included
    last: dt.date
    probes: list[ProbeView]

    @property
    def failed(self) -> list[ProbeView]:
        return [p for p in self.probes if not p.ok]

    def at_least(self, ratio: float) -> bool:
        # exact fractions: 7/140 is 5% exactly, and 0.05 * 140 is not 7 in floating point
        # a site with no failure is never "at least" any ratio, 0 included
        return bool(self.failed) and Fraction(len(self.failed), len(self.probes)) >= Fraction(str(ratio))


def probe_window(run: RunView, site: str, days: int) -> Window:
    """The site's probes on the `days` local dates ending at the as-of date (probes are in UTC)."""
    tz = ZoneInfo(run.timezone)
    first = run.as_of - dt.timedelta(days=days - 1)

    def utc_midnight(day: dt.date) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)  # the store's naive UTC

    return Window(first, run.as_of, run.probes(site, utc_midnight(first), utc_midnight(run.as_of + dt.timedelta(days=1))))


@dataclass(frozen=True)
class ProbeDetail:
    """The week's probes of a home page: the evidence of the veto and of its early warning."""

    probes: int
    failed: int
    ratio: float  # failed / probes
    days: int
    since: str  # the window's first and last local dates
    until: str
    first_failure: str  # local time
    last_failure: str
    errors: dict[str, int]  # the commonest reasons, with their counts
    limit: float  # the ratio the rule reports from


def _detail(run: RunView, window: Window, params: Any, limit: float) -> ProbeDetail:
    tz = ZoneInfo(run.timezone)
    failed = window.failed

    def local(p: ProbeView) -> str:
        return p.at.replace(tzinfo=dt.timezone.utc).astimezone(tz).isoformat(timespec="seconds")

    reasons = Counter(p.error or (f"HTTP {p.status}" if p.status is not None else "failed") for p in failed)
    return ProbeDetail(
        probes=len(window.probes),
        failed=len(failed),
        ratio=round(len(failed) / len(window.probes), 4),
        days=params.days,
        since=window.first.isoformat(),
        until=window.last.isoformat(),
        first_failure=local(failed[0]),
        last_failure=local(failed[-1]),
        errors=dict(reasons.most_common(5)),
        limit=limit,
    )


def probe_sentence(d: dict[str, Any], limit_word: str) -> str:
    """2026-11-16 至 2026-11-22 探测 21 次，失败 21 次，失败率 100.0%（上限 5%）."""
    s = f"{d['since']} 至 {d['until']} " if d.get("since") and d.get("until") else ""
    s += f"近 {d['days']} 天" if d.get("days") and not s else ""
    s += f"探测 {d.get('probes', 0)} 次，失败 {d.get('failed', 0)} 次"
    if isinstance(d.get("ratio"), (int, float)):
        s += f"，失败率 {d['ratio']:.1%}"
    if isinstance(d.get("limit"), (int, float)):
        s += f"（{limit_word} {d['limit']:.0%}）"
    return s


class SiteUnreachable(Check):
    """A site whose home page failed to open in 5% or more of the week's probes (站点无法访问).

    ## What it checks
    ``govwatch probe`` (scheduled many times a day, e.g. every 30 minutes) fetches each
    site's home page once, redirects followed, and records a failure when no response with
    a status below 400 has fully arrived within 15 seconds (``crawl.probe_timeout``). This
    check takes the probes of the ``days`` local dates ending at the monitoring date
    (``--as-of``, in the sites file's time zone) and reports the site when failed / total
    reaches ``max_failure_ratio``. The detail gives the counts, the ratio, the first and last
    failure (local time) and the commonest reasons (timeout, dns, refused, reset, HTTP 503 ...).

    ## Why it matters
    国办秘函〔2019〕19号 单项否决 "站点无法访问": "监测1周,每天间隔性访问20次以上,超过(含)15秒
    网站仍打不开的次数累计占比超过(含)5%,即单项否决" — one veto fails the whole site.

    ## Parameters
    ``days`` (7), ``max_failure_ratio`` (0.05; reached exactly is a veto), ``min_probes``
    (140 = 20 a day for 7 days: with fewer probes the ratio is not judged and a note says so).
    All three are the official text's values [V].

    ## Known problems
    Only sites of this run are judged; probes of sites not crawled in it are not. The window
    includes the as-of date itself, so a check run early that day sees few of its probes:
    schedule more than 20 probes a day (every 30 minutes gives 48). A failure of the
    monitor's own network looks like a failure of every site, unless ``crawl.canary`` is set
    (then ``govwatch probe`` records nothing while the canary fails). Inspectors probe from
    their own networks; a site that blocks or throttles only our address looks down here.
    """

    id = "site-unreachable"
    title = "站点无法访问"
    source = "国办秘函〔2019〕19号 单项否决：站点无法访问"
    severity = "veto"

    @dataclass(frozen=True)
    class Params:
        days: int = 7
        max_failure_ratio: float = 0.05
        min_probes: int = 140

    Detail = ProbeDetail

    def message(self, detail: dict[str, Any]) -> str:
        return probe_sentence(detail, "上限")

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        for site in run.portals():  # accounts are judged by account-unreachable
            window = probe_window(run, site.name, params.days)
            if len(window.probes) < params.min_probes:
                yield Note(f"{len(window.probes)} availability probe(s) from {window.first} to {window.last}, fewer "
                           f"than {params.min_probes}: the 站点无法访问 ratio is not judged (schedule `govwatch probe` "
                           f"at least {-(-params.min_probes // params.days)} times a day)",
                           site=site.name, subject=site.url)
            elif window.at_least(params.max_failure_ratio):
                yield Violation(self.id, site.name, site.url,
                                detail=_detail(run, window, params, params.max_failure_ratio))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        """Enough probes in this run's window: a clean week then fixes the violation."""
        params = self.params_in(run)
        if run.site(previous.site) is None:
            return False
        return len(probe_window(run, previous.site, params.days).probes) >= params.min_probes


class SiteUnreachableEarlyWarning(Check):
    """A home page failing 3% or more of the week's probes, below the veto line (首页不连通率预警).

    ## What it checks
    The same probes and window as ``site-unreachable``; reported when the failed share is at
    least ``warning_ratio`` and still below ``max_failure_ratio`` (above it, the veto is
    reported instead). The detail is the same as the veto's.

    ## Why it matters
    A site at 3% is a few bad nights away from a veto (国办秘函〔2019〕19号 站点无法访问, 5%).
    Monitoring platforms warn before the line: 开普云's 网站云监测 raises an early warning at
    "首页不连通率超过3%".

    ## Parameters
    ``days`` (7), ``warning_ratio`` (0.03; reached exactly warns), ``max_failure_ratio``
    (0.05: keep it equal to ``site-unreachable``'s), ``min_probes`` (140). The 3% line is
    monitoring practice, not the official text: a parameter, with 开普云's value as default.

    ## Known problems
    With fewer than ``min_probes`` probes nothing is reported; the note about it is written
    once, by ``site-unreachable``.
    """

    id = "site-unreachable-early-warning"
    title = "站点无法访问预警"
    source = "国办秘函〔2019〕19号 站点无法访问（否决线5%之前的预警，3%）"
    severity = "warning"

    @dataclass(frozen=True)
    class Params:
        days: int = 7
        warning_ratio: float = 0.03
        max_failure_ratio: float = 0.05
        min_probes: int = 140

    Detail = ProbeDetail

    def message(self, detail: dict[str, Any]) -> str:
        return probe_sentence(detail, "预警线")

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for site in run.portals():  # accounts are judged by account-unreachable
            window = probe_window(run, site.name, params.days)
            if (len(window.probes) >= params.min_probes and window.at_least(params.warning_ratio)
                    and not window.at_least(params.max_failure_ratio)):
                yield Violation(self.id, site.name, site.url,
                                detail=_detail(run, window, params, params.warning_ratio))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return SiteUnreachable.rechecked(self, run, previous)  # same window, same min_probes
