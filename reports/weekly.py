"""Build the weekly report model from the store.

A week shows the state after the last checked run whose as-of date falls in that ISO week
(or the last run before it), replayed from the violations' events, so any past week can be
regenerated from the store exactly as it stood. A site missing from that run (``run --site``
covered another one) is shown as its own last run left it. The previous week, for the
comparison columns, is built the same way; the trend weeks use only runs inside each week, so
a week without a run is a gap rather than a copy of the week before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checks.registry import load_checks
from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store
from reports.answered import AnsweredViolation
from reports.notes import ReportNote, gather
from reports.owners import Owners
from reports.model import ReportViolation, RuleInfo, SiteState, SiteSummary, WeeklyReport, WeekPoint

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TREND_WEEKS = 8


def parse_week(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week ``YYYY-Www``."""
    match = _WEEK.match(week or "")
    if not match:
        raise ValueError(f"{week!r} is not an ISO week like 2026-W47")
    try:
        monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(f"{week!r} does not exist (ISO years have 52 or 53 weeks)") from None
    return monday, monday + dt.timedelta(days=6)


def week_of(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def rule_infos(config: Config | None = None) -> tuple[RuleInfo, ...]:
    """Every rule of the registry with the parameters in effect: the defaults with the sites
    file's ``rules:`` overrides, applied as govwatch.jobs.enabled_checks applies them (the
    ``enabled`` key is not a parameter; a rule switched off there is marked not enabled)."""
    out = []
    for rule_id, cls in load_checks().items():
        d = cls.describe()
        defaults = d.get("parameters") or {}
        overrides = (config.rules.get(rule_id) if config is not None else None) or {}
        try:
            params = _plain_params(cls.params(overrides))
        except ValueError:  # a bad entry stops `check` (enabled_checks) before any report; be safe
            params = defaults
        out.append(RuleInfo(d["id"], d["title"], d["source"], d["severity"], d["summary"], params,
                            defaults=defaults, enabled=overrides.get("enabled", True) is not False))
    return tuple(out)


def _plain_params(params) -> dict:
    return {f.name: (list(v) if isinstance(v := getattr(params, f.name), tuple) else v)
            for f in dataclasses.fields(params)}


def _local_now(config: Config) -> dt.datetime:
    # the office's wall clock (the sites file's timezone), not the server's (often UTC)
    return dt.datetime.now(ZoneInfo(config.timezone)).replace(tzinfo=None, microsecond=0)


# -- which runs a week shows -----------------------------------------------------------------

@dataclass
class _Snapshot:
    run: m.Run | None  # the latest run shown
    site_runs: dict[str, m.Run]  # site name -> the run that last covered it
    state: dict[int, tuple[str, dt.date]]  # violation id -> (its last event, that event's as-of)

    def open_ids(self) -> list[int]:
        return [vid for vid, (event, _) in self.state.items() if event in ("opened", "reopened")]


def _pick(runs: list[m.Run], end: dt.date, start: dt.date | None = None) -> tuple[m.Run | None, dict[str, m.Run]]:
    """The latest run in [start, end] and, per site, the latest run in that range covering it."""
    chosen = [r for r in runs if r.as_of <= end and (start is None or r.as_of >= start)]
    site_runs: dict[str, m.Run] = {}
    for run in reversed(chosen):  # runs are sorted oldest first
        for name in run.sites or ():
            site_runs.setdefault(name, run)
    return (chosen[-1] if chosen else None), site_runs


def _replay(events: list[tuple[int, int, str, dt.date]], upto_run: int) -> dict[int, tuple[str, dt.date]]:
    state: dict[int, tuple[str, dt.date]] = {}
    for violation_id, run_id, event, as_of in events:
        if run_id <= upto_run:
            state[violation_id] = (event, as_of)
    return state


def _snapshot(runs, events, end: dt.date, start: dt.date | None = None) -> _Snapshot:
    run, site_runs = _pick(runs, end, start)
    return _Snapshot(run, site_runs, _replay(events, run.id) if run else {})


# -- the report ------------------------------------------------------------------------------

def build_weekly(store: Store, config: Config, week: str, now: dt.datetime | None = None) -> WeeklyReport:
    start, end = parse_week(week)
    prev_start = start - dt.timedelta(days=7)
    base = dict(week=week, week_start=start, week_end=end, generated_at=now or _local_now(config),
                rules=rule_infos(config), organisation=getattr(config, "organisation", None),
                previous_week=week_of(prev_start), pass_mark=config.scoring.pass_mark)
    with store.session() as s:
        runs = list(s.scalars(select(m.Run).where(m.Run.status == "checked", m.Run.as_of <= end)
                              .order_by(m.Run.as_of, m.Run.id)))
        run, _ = _pick(runs, end)
        if run is None:
            return WeeklyReport(as_of=None, run_id=None, trend=_empty_trend(start), **base)
        # sites still configured, or in the latest run: a site dropped from the sites file
        # long ago is not carried forward for ever
        wanted = dict.fromkeys([x.name for x in config.sites] + [a.name for a in config.accounts]
                               + list(run.sites or ()))
        events = [tuple(row) for row in s.execute(
            select(m.ViolationEvent.violation_id, m.ViolationEvent.run_id, m.ViolationEvent.event,
                   m.ViolationEvent.as_of).where(m.ViolationEvent.run_id <= max(r.id for r in runs))
            .order_by(m.ViolationEvent.id))]
        current = _snapshot(runs, events, end)
        previous = _snapshot(runs, events, prev_start + dt.timedelta(days=6))
        trend_snaps = [(monday, _snapshot(runs, events, monday + dt.timedelta(days=6), monday))
                       for monday in (start - dt.timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1))]
        violations = {v.id: v for v in s.scalars(select(m.Violation).where(m.Violation.site.in_(list(wanted))))}
        run_ids = {r.id for snap in [current, previous] + [t for _, t in trend_snaps] for r in snap.site_runs.values()}
        scores = {(row.run_id, row.site): row
                  for row in s.scalars(select(m.SiteScore).where(m.SiteScore.run_id.in_(run_ids)))}
        facts = _SiteFacts.load(s, {r.id for r in current.site_runs.values()})
        owners = Owners.load(s, config, {site: r.id for site, r in current.site_runs.items()})

        open_items, fixed_items, answered = _items(current, violations, start, end, owners,
                                                   answers.excused(s, run.as_of))
        prev_open = Counter(violations[i].site for i in previous.open_ids() if i in violations)
        sites = _summaries(config, wanted, current, previous, facts, scores, owners, open_items, fixed_items,
                           prev_open, week_of(prev_start))
        trend = tuple(_week_point(monday, snap, violations, scores, wanted) for monday, snap in trend_snaps)
        notes = _notes(s, current, wanted, {r.id: r.title for r in base["rules"]})
    return WeeklyReport(as_of=run.as_of, run_id=run.id, sites=tuple(sites), open=tuple(open_items),
                        fixed=tuple(fixed_items), trend=trend, owners=owners.configured, notes=notes,
                        answered=tuple(answered), **base)


def _notes(s, current: _Snapshot, wanted, titles: dict[str, str]) -> tuple[ReportNote, ...]:
    """The notes of the runs the week shows: a site's from the run that covered it, the run's
    own (a plugin skipped) from the latest run."""
    run_of = {name: r.id for name, r in current.site_runs.items() if name in wanted}
    rows = s.execute(select(m.CheckNote.run_id, m.CheckNote.rule, m.CheckNote.site, m.CheckNote.subject,
                            m.CheckNote.note)
                     .where(m.CheckNote.run_id.in_(set(run_of.values()) | {current.run.id}))
                     .order_by(m.CheckNote.id))
    return gather(((rule, site, subject, note) for run_id, rule, site, subject, note in rows
                   if (run_of.get(site) == run_id if site else run_id == current.run.id)), titles)


def _summaries(config, wanted, current: _Snapshot, previous: _Snapshot, facts: _SiteFacts, scores, owners: Owners,
               open_items, fixed_items, prev_open: Counter, prev_week: str) -> list[SiteSummary]:
    """One row per monitored site or account, in sites file order, with last week's state."""
    platforms = {a.name: a.platform for a in config.accounts}
    mine: dict[str, list[ReportViolation]] = {}
    for x in open_items:
        mine.setdefault(x.site, []).append(x)
    fixed = Counter(x.site for x in fixed_items)
    out = []
    for name in wanted:
        site_run = current.site_runs.get(name)
        visit = facts.visits.get((site_run.id, name)) if site_run else None
        if visit is None:
            continue  # not crawled yet (added to the sites file since)
        site, v = visit
        items = mine.get(name, [])
        score = scores.get((site_run.id, name))
        prev_run = previous.site_runs.get(name)
        prev_score = scores.get((prev_run.id, name)) if prev_run else None
        out.append(SiteSummary(
            name=name, url=site.url, owner=owners.site.get(name), as_of=site_run.as_of, pages=v.pages,
            links=v.links, columns=facts.columns.get((site_run.id, site.id), 0), open=len(items),
            new=sum(x.new for x in items), fixed=fixed[name], by_rule=dict(Counter(x.rule for x in items)),
            status=_visit_status(v), verdict=score.verdict if score else None,
            score=score.score if score else None, vetoes=tuple(score.vetoes) if score else (),
            deductions=dict(score.deductions) if score else {},
            previous=SiteState(prev_week, prev_run.as_of, prev_score.verdict if prev_score else None,
                               prev_score.score if prev_score else None, prev_open[name]) if prev_run else None,
            kind=site.kind or "portal", platform=platforms.get(name), coverage=v.coverage,
        ))
    return out


@dataclass
class _SiteFacts:
    """Per (run, site): the visit and the column count."""

    visits: dict[tuple[int, str], tuple[m.Site, m.SiteVisit]]
    columns: dict[tuple[int, int], int]

    @classmethod
    def load(cls, s, run_ids: set[int]) -> _SiteFacts:
        visits = {(v.run_id, site.name): (site, v) for site, v in s.execute(
            select(m.Site, m.SiteVisit).join(m.SiteVisit, m.SiteVisit.site_id == m.Site.id)
            .where(m.SiteVisit.run_id.in_(run_ids)))}
        columns = {(run_id, site_id): n for run_id, site_id, n in s.execute(
            select(m.Column.run_id, m.Column.site_id, func.count()).where(m.Column.run_id.in_(run_ids))
            .group_by(m.Column.run_id, m.Column.site_id))}
        return cls(visits, columns)


def _visit_status(visit: m.SiteVisit) -> str:
    if visit.reached and visit.completed:
        return "ok"
    return "未能访问" if not visit.reached else "未完成抓取"


def _items(snap: _Snapshot, violations: dict[int, m.Violation], start: dt.date, end: dt.date,
           owners: Owners, excused: dict[int, m.Answer]) -> tuple[list, list, list]:
    """The open items after the snapshot's run, the items fixed during the week, and the open
    items an answer in force excuses (AnsweredViolation)."""
    run = snap.run
    # a problem reopened and fixed again in the same week counts by its last event
    changed_in_week: dict[int, str] = {}
    open_items, fixed_items, answered = [], [], []
    for vid, (last_event, at) in snap.state.items():
        violation = violations.get(vid)
        if violation is None:
            continue  # a site no longer monitored
        if start <= at <= end:
            changed_in_week[vid] = last_event
        is_open = last_event in ("opened", "reopened")
        item = ReportViolation.from_row(
            violation, status="open" if is_open else "fixed", last_seen=min(violation.last_seen, run.as_of),
            fixed_on=None if is_open else at, new=is_open and changed_in_week.get(vid) in ("opened", "reopened"),
            days_open=((run.as_of if is_open else at) - violation.first_seen).days,
            owner=owners(violation),
        )
        if is_open and vid in excused:
            answered.append(AnsweredViolation.of(item, excused[vid]))
        elif is_open:
            open_items.append(item)
        elif changed_in_week.get(vid) == "fixed":
            fixed_items.append(item)
    return open_items, fixed_items, answered


def _week_point(monday: dt.date, snap: _Snapshot, violations: dict[int, m.Violation], scores, wanted) -> WeekPoint:
    if snap.run is None:
        return WeekPoint(week_of(monday), monday)
    open_rows = [violations[i] for i in snap.open_ids() if i in violations]
    by_site = Counter(v.site for v in open_rows)
    covered = [name for name in wanted if name in snap.site_runs]
    score = {name: scores.get((snap.site_runs[name].id, name)) for name in covered}
    return WeekPoint(
        week_of(monday), monday, snap.run.as_of,
        open_by_severity={sev: n for sev, n in Counter(v.severity for v in open_rows).items()},
        open_by_site={name: by_site[name] for name in covered},
        score_by_site={name: row.score if row else None for name, row in score.items()},
        verdict_by_site={name: row.verdict if row else None for name, row in score.items()},
    )


def _empty_trend(start: dt.date) -> tuple[WeekPoint, ...]:
    mondays = (start - dt.timedelta(weeks=i) for i in range(TREND_WEEKS - 1, -1, -1))
    return tuple(WeekPoint(week_of(d), d) for d in mondays)
