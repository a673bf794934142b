"""What the pages read from the store: the week's state per site, the problem list with its
filters, a problem's evidence. Read-only; answers and re-checks live in their own modules."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select, true

from checks.registry import message
from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m
from reports.owners import Owners
from workbench.auth import Person

STATUSES = ("open", "acknowledged", "exempt", "fixed", "all")
STATUS_LABELS = {"open": "未整改", "acknowledged": "误报", "exempt": "豁免", "fixed": "已整改", "all": "全部"}
SEVERITIES = ("veto", "deduction", "warning")
SEVERITY_LABELS = {"veto": "单项否决", "deduction": "扣分", "warning": "提示"}
PAGE_SIZE = 50


# -- owners (责任单位): reports.owners.Owners, the resolver of the weekly report and notifications

def owners_now(s, config: Config) -> Owners:
    """Problems' owners as the latest checked run of each site left its columns."""
    return Owners.current(s, config)


# -- the problem list --------------------------------------------------------------------------

@dataclass
class Filters:
    site: str = ""
    column: str = ""
    owner: str = ""
    rule: str = ""
    severity: str = ""
    status: str = "open"
    since: dt.date | None = None  # first seen on or after
    until: dt.date | None = None  # first seen on or before
    page: int = 1

    @classmethod
    def parse(cls, params) -> tuple[Filters, list[str]]:
        """From query parameters; bad values are dropped with a message, never an error page."""
        errors: list[str] = []
        f = cls(**{k: (params.get(k) or "").strip()[:200] for k in ("site", "column", "owner", "rule", "severity")})
        status = params.get("status") or "open"
        if status not in STATUSES:
            errors.append(f"未知状态 {status}")
            status = "open"
        f.status = status
        if f.severity and f.severity not in SEVERITIES:
            errors.append(f"未知性质 {f.severity}")
            f.severity = ""
        for key in ("since", "until"):
            value = (params.get(key) or "").strip()
            if value:
                try:
                    setattr(f, key, dt.date.fromisoformat(value))
                except ValueError:
                    errors.append(f"日期格式应为 YYYY-MM-DD：{value}")
        try:
            f.page = max(1, int(params.get("page") or 1))
        except ValueError:
            f.page = 1
        return f, errors

    def query(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        values = {"site": self.site, "column": self.column, "owner": self.owner, "rule": self.rule,
                  "severity": self.severity, "status": self.status,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "", "page": str(self.page)}
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


def visible_clause(who: Person, owners: Owners):
    """SQL: the violations ``who`` may see — a department user only its unit's."""
    return owners.clause(who.owner) if who.is_department else true()


def problem_query(f: Filters, who: Person, owners: Owners, today: dt.date):
    active = select(m.Answer.violation_id).where(answers.active_clause(today))
    q = select(m.Violation).where(visible_clause(who, owners))
    if f.site:
        q = q.where(m.Violation.site == f.site)
    if f.column:
        q = q.where(m.Violation.column.contains(f.column, autoescape=True))
    if f.owner:
        q = q.where(owners.clause(f.owner))
    if f.rule:
        q = q.where(m.Violation.rule == f.rule)
    if f.severity:
        q = q.where(m.Violation.severity == f.severity)
    if f.since:
        q = q.where(m.Violation.first_seen >= f.since)
    if f.until:
        q = q.where(m.Violation.first_seen <= f.until)
    if f.status == "fixed":
        q = q.where(m.Violation.status == "fixed")
    elif f.status == "open":
        q = q.where(m.Violation.status == "open", m.Violation.id.not_in(active))
    elif f.status in ("acknowledged", "exempt"):
        kind = answers.FALSE_ALARM if f.status == "acknowledged" else answers.EXEMPTION
        q = q.where(m.Violation.status == "open", m.Violation.id.in_(active.where(m.Answer.kind == kind)))
    return q


@dataclass
class ProblemRow:
    v: m.Violation
    owner: str | None
    status: str  # open | acknowledged | exempt | fixed
    answer: m.Answer | None = None

    @property
    def sentence(self) -> str:
        """The problem in one Chinese line, as the weekly report says it (asked of its check)."""
        return sentence(self.v)


def sentence(v: m.Violation) -> str:
    return message(v.rule, v.detail or {})


def status_of(v: m.Violation, answer: m.Answer | None) -> str:
    if v.status == "fixed":
        return "fixed"
    return answers.STATUS_OF[answer.kind] if answer is not None else "open"


def problem_page(s, f: Filters, who: Person, owners: Owners, today: dt.date,
                 size: int = PAGE_SIZE) -> tuple[list[ProblemRow], int]:
    """One page of the filtered list, newest first, and the total count."""
    q = problem_query(f, who, owners, today)
    total = s.scalar(select(func.count()).select_from(q.order_by(None).subquery()))
    rows = list(s.scalars(q.order_by(m.Violation.id.desc()).limit(size).offset((f.page - 1) * size)))
    return _rows(s, rows, owners, today), total


def problem_rows(s, f: Filters, who: Person, owners: Owners, today: dt.date, limit: int = 100_000) -> list[ProblemRow]:
    """Every row of the filtered list (exports), in the list's order."""
    rows = list(s.scalars(problem_query(f, who, owners, today).order_by(m.Violation.id.desc()).limit(limit)))
    return _rows(s, rows, owners, today)


def _rows(s, rows: list[m.Violation], owners: Owners, today: dt.date) -> list[ProblemRow]:
    excused = answers.excused(s, today, [v.id for v in rows])
    return [ProblemRow(v, owners(v), status_of(v, excused.get(v.id)), excused.get(v.id))
            for v in rows]


def may_see(who: Person, owners: Owners, v: m.Violation) -> bool:
    return not who.is_department or owners(v) == who.owner


# -- this week -------------------------------------------------------------------------------

@dataclass
class SiteWeek:
    name: str
    kind: str  # portal | account
    owner: str | None
    run: m.Run | None = None
    visit: m.SiteVisit | None = None
    score: m.SiteScore | None = None
    open_by_severity: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    notes: list[m.CheckNote] = field(default_factory=list)
    note_count: int = 0

    @property
    def degraded(self) -> bool:
        return bool(self.run and self.name in (self.run.stats or {}).get("degraded", []))

    @property
    def duration(self) -> str | None:
        if not self.run or not self.run.finished_at:
            return None
        seconds = int((self.run.finished_at - self.run.started_at).total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


MAX_NOTES = 200  # per site on the page; the count says how many there are


def this_week(s, config: Config, who: Person, owners: Owners, today: dt.date) -> list[SiteWeek]:
    names = [(x.name, "portal", x.owner) for x in config.sites] + [(a.name, "account", a.owner) for a in config.accounts]
    out = [SiteWeek(name, kind, owner) for name, kind, owner in names]
    runs = list(s.scalars(select(m.Run).where(m.Run.status == "checked").order_by(m.Run.id.desc()).limit(200)))
    excused = answers.excused(s, today)
    counts: dict[str, Counter] = {}
    answered: Counter = Counter()
    for vid, site, severity in s.execute(select(m.Violation.id, m.Violation.site, m.Violation.severity)
                                         .where(m.Violation.status == "open", visible_clause(who, owners))):
        if vid in excused:
            answered[site] += 1
        else:
            counts.setdefault(site, Counter())[severity] += 1
    for sw in out:
        sw.run = next((r for r in runs if sw.name in (r.sites or ())), None)
        sw.open_by_severity = dict(counts.get(sw.name, {}))
        sw.answered = answered[sw.name]
        if sw.run is None:
            continue
        sw.visit = s.scalar(select(m.SiteVisit).join(m.Site, m.Site.id == m.SiteVisit.site_id)
                            .where(m.SiteVisit.run_id == sw.run.id, m.Site.name == sw.name))
        sw.score = s.scalar(select(m.SiteScore).where(m.SiteScore.run_id == sw.run.id, m.SiteScore.site == sw.name))
        notes = select(m.CheckNote).where(m.CheckNote.run_id == sw.run.id,
                                          or_(m.CheckNote.site == sw.name, m.CheckNote.site.is_(None)))
        sw.note_count = s.scalar(select(func.count()).select_from(notes.subquery()))
        sw.notes = list(s.scalars(notes.order_by(m.CheckNote.rule, m.CheckNote.id).limit(MAX_NOTES)))
    if who.is_department:  # a department sees the sites where it owns something
        out = [sw for sw in out if sw.owner == who.owner or sw.open_by_severity or sw.answered]
    return out


# -- one problem's evidence ------------------------------------------------------------------

def evidence(s, v: m.Violation) -> dict[str, Any]:
    """What the last run that saw the problem recorded about its subject: the link check
    (status, headers, redirects, time) and the page (title, dates, metadata found)."""
    check = s.scalar(select(m.LinkCheck).where(m.LinkCheck.run_id == v.last_run_id, m.LinkCheck.url == v.url))
    page = s.scalar(select(m.Page).where(m.Page.run_id == v.last_run_id, m.Page.url == v.url))
    if page is None and v.page and v.page != v.url:
        page = s.scalar(select(m.Page).where(m.Page.run_id == v.last_run_id, m.Page.url == v.page))
    return {"check": check, "page": page}
