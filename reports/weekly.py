"""Build the weekly report model from the store.

A week shows the state after the last checked run whose as-of date falls in that ISO week
(or the last run before it), replayed from the violations' events, so any past week can be
regenerated from the store exactly as it stood.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from sqlalchemy import func, select

from checks.registry import load_checks
from crawler.config import Config
from crawler.store import models as m
from crawler.store.db import Store
from reports.model import ReportViolation, RuleInfo, SiteSummary, WeeklyReport

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


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


def rule_infos() -> tuple[RuleInfo, ...]:
    return tuple(RuleInfo(d["id"], d["title"], d["source"], d["severity"], d["summary"])
                 for d in (cls.describe() for cls in load_checks().values()))


def build_weekly(store: Store, config: Config, week: str, now: dt.datetime | None = None) -> WeeklyReport:
    start, end = parse_week(week)
    owners = {s.name: s.owner for s in config.sites}
    with store.session() as s:
        run = s.scalar(select(m.Run).where(m.Run.status == "checked", m.Run.as_of <= end)
                       .order_by(m.Run.as_of.desc(), m.Run.id.desc()).limit(1))
        base = dict(week=week, week_start=start, week_end=end, generated_at=now or dt.datetime.now(),
                    rules=rule_infos())
        if run is None:
            return WeeklyReport(as_of=None, run_id=None, **base)
        # the state of each violation after `run`: its last event up to that run
        events = s.execute(
            select(m.ViolationEvent, m.Violation).join(m.Violation, m.Violation.id == m.ViolationEvent.violation_id)
            .where(m.ViolationEvent.run_id <= run.id).order_by(m.ViolationEvent.id)
        ).all()
        state: dict[int, tuple[m.Violation, str, dt.date]] = {}
        changed_in_week: dict[int, str] = {}
        for event, violation in events:
            state[violation.id] = (violation, event.event, event.as_of)
            if start <= event.as_of <= end:
                changed_in_week[violation.id] = event.event
        open_items, fixed_items = [], []
        for violation, last_event, at in state.values():
            is_open = last_event in ("opened", "reopened")
            item = ReportViolation(
                rule=violation.rule, site=violation.site, url=violation.url, page=violation.page,
                column=violation.column, severity=violation.severity, status="open" if is_open else "fixed",
                first_seen=violation.first_seen, last_seen=min(violation.last_seen, run.as_of),
                fixed_on=None if is_open else at, detail=dict(violation.detail),
                new=is_open and changed_in_week.get(violation.id) in ("opened", "reopened"),
                days_open=((run.as_of if is_open else at) - violation.first_seen).days,
                owner=owners.get(violation.site),
            )
            if is_open:
                open_items.append(item)
            elif changed_in_week.get(violation.id) == "fixed":
                fixed_items.append(item)
        visits = s.execute(select(m.Site, m.SiteVisit).join(m.SiteVisit, m.SiteVisit.site_id == m.Site.id)
                           .where(m.SiteVisit.run_id == run.id)).all()
        columns = dict(s.execute(select(m.Column.site_id, func.count()).where(m.Column.run_id == run.id)
                                 .group_by(m.Column.site_id)).all())
        scores = {row.site: row for row in s.scalars(select(m.SiteScore).where(m.SiteScore.run_id == run.id))}
        sites = []
        for site, visit in sorted(visits, key=lambda row: row[0].name):
            mine = [v for v in open_items if v.site == site.name]
            status = "ok" if visit.reached and visit.completed else ("未能访问" if not visit.reached else "未完成抓取")
            score = scores.get(site.name)
            sites.append(SiteSummary(
                name=site.name, url=site.url, owner=owners.get(site.name), as_of=run.as_of, pages=visit.pages,
                links=visit.links, columns=columns.get(site.id, 0), open=len(mine),
                new=sum(v.new for v in mine), fixed=sum(v.site == site.name for v in fixed_items),
                by_rule=dict(Counter(v.rule for v in mine)), status=status,
                verdict=score.verdict if score else None, score=score.score if score else None,
                vetoes=tuple(score.vetoes) if score else (), deductions=dict(score.deductions) if score else {},
            ))
    return WeeklyReport(as_of=run.as_of, run_id=run.id, sites=tuple(sites), open=tuple(open_items),
                        fixed=tuple(fixed_items), **base)
