"""Violation lifecycle: open, still open, fixed, reopened — never deleted.

The checks say what they found in a run; this module merges it into the history:

- found and unknown           -> a new violation, ``opened``;
- found and open              -> ``last_seen`` moves on, detail refreshed;
- found and fixed             -> ``reopened`` (the count is kept in ``detail.reopened``);
- not found, subject rechecked -> ``fixed``;
- not found, not rechecked    -> left exactly as it was (a bad night must not clear the list).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.store import models as m


@dataclass
class Outcome:
    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)
    seen: int = 0


def apply(
    session: Session,
    run_id: int,
    as_of: dt.date,
    rule: str,
    severity: str,
    sites: Iterable[str],
    found: Iterable[Any],  # objects with rule, site, url, page, column, detail, severity, key
    rechecked: Callable[[m.Violation], bool],
) -> Outcome:
    out = Outcome()
    sites = list(sites)
    existing = {v.key: v for v in session.scalars(
        select(m.Violation).where(m.Violation.rule == rule, m.Violation.site.in_(sites)))}
    seen_keys: set[str] = set()
    for v in found:
        if v.key in seen_keys:
            continue  # a check may meet the same subject twice; one violation
        seen_keys.add(v.key)
        row = existing.get(v.key)
        detail = dict(v.detail)
        if row is None:
            row = m.Violation(key=v.key, rule=rule, site=v.site, url=v.url, page=v.page, column=v.column,
                              severity=v.severity or severity, status="open", first_seen=as_of, last_seen=as_of,
                              first_run_id=run_id, last_run_id=run_id, detail=detail, reopened=0)
            session.add(row)
            session.flush()
            _event(session, row, run_id, as_of, "opened")
            out.opened.append(row.id)
            continue
        if row.status == "fixed":
            row.status, row.fixed_on = "open", None
            row.reopened += 1
            _event(session, row, run_id, as_of, "reopened")
            out.reopened.append(row.id)
        else:
            out.seen += 1
        detail["reopened"] = row.reopened
        row.page, row.column, row.detail = v.page, v.column, detail
        row.severity = v.severity or severity
        row.last_seen, row.last_run_id = max(row.last_seen, as_of), run_id
    for key, row in existing.items():
        if key in seen_keys or row.status != "open":
            continue
        if rechecked(row):
            row.status, row.fixed_on, row.last_run_id = "fixed", as_of, run_id
            _event(session, row, run_id, as_of, "fixed")
            out.fixed.append(row.id)
    return out


def _event(session: Session, row: m.Violation, run_id: int, as_of: dt.date, event: str) -> None:
    session.add(m.ViolationEvent(violation_id=row.id, run_id=run_id, event=event, as_of=as_of))
