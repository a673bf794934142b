"""Violation lifecycle: open, still open, fixed, reopened — never deleted.

The checks say what they found in a run; this module merges it into the history:

- found and unknown           -> a new violation, ``opened``;
- found and open              -> ``last_seen`` moves on, detail refreshed;
- found and fixed             -> ``reopened`` (the count is kept in ``detail.reopened``);
- not found, subject rechecked -> ``fixed``;
- not found, not rechecked    -> left exactly as it was (a bad night must not clear the list);
- found on a site ``on hold``  -> only an open violation moves on: nothing is opened or reopened
  from a night that did not see the site as it is (a maintenance page, a collapsed crawl).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from govwatch.store import models as m


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
    hold: Collection[str] = (),
) -> Outcome:
    out = Outcome()
    sites = list(sites)
    existing = {v.key: v for v in session.scalars(
        select(m.Violation).where(m.Violation.rule == rule, m.Violation.site.in_(sites)))}
    seen_keys: set[str] = set()
    new_rows: list[dict[str, Any]] = []
    events: list[tuple[m.Violation | str, str]] = []  # (row, or a new row's key), in the order they happen
    for v in found:
        if v.key in seen_keys:
            continue  # a check may meet the same subject twice; one violation
        seen_keys.add(v.key)
        row = existing.get(v.key)
        if v.site in hold and (row is None or row.status != "open"):
            continue
        detail = dict(v.detail)
        if row is None:
            new_rows.append(dict(key=v.key, rule=rule, site=v.site, url=v.url, page=v.page, column=v.column,
                                 severity=v.severity or severity, status="open", first_seen=as_of, last_seen=as_of,
                                 fixed_on=None, first_run_id=run_id, last_run_id=run_id, detail=detail, reopened=0))
            events.append((v.key, "opened"))
            continue
        if row.status == "fixed":
            row.status, row.fixed_on = "open", None
            row.reopened += 1
            events.append((row, "reopened"))
            out.reopened.append(row.id)
        else:
            out.seen += 1
        detail["reopened"] = row.reopened
        row.page, row.column, row.detail = v.page, v.column, detail
        row.severity = v.severity or severity
        row.last_seen, row.last_run_id = max(row.last_seen, as_of), run_id
        _touch(row)
    for key, row in existing.items():
        if key in seen_keys or row.status != "open":
            continue
        if rechecked(row):
            row.status, row.fixed_on, row.last_run_id = "fixed", as_of, run_id
            _touch(row)
            events.append((row, "fixed"))
            out.fixed.append(row.id)
    ids = _insert(session, new_rows)
    out.opened = [ids[row["key"]] for row in new_rows]
    if events:
        session.execute(insert(m.ViolationEvent), [
            dict(violation_id=ids[row] if isinstance(row, str) else row.id, run_id=run_id, event=event, as_of=as_of,
                 notified=False) for row, event in events])
    return out


# Every row this module changes sets the same columns, so that a flush sends all of a rule's
# changes as one executemany instead of a statement per run of rows that changed alike.
_CHANGED = ("status", "fixed_on", "reopened", "page", "column", "detail", "severity", "last_seen", "last_run_id")


def _touch(row: m.Violation) -> None:
    for name in _CHANGED:
        flag_modified(row, name)


def _insert(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert new violations in one executemany; their ids by key. (The ORM would insert
    them one statement each on SQLite, to read each id back.)"""
    if not rows:
        return {}
    before = session.scalar(select(func.max(m.Violation.id))) or 0
    session.execute(insert(m.Violation), rows)
    keys = {row["key"] for row in rows}
    return {key: id_ for key, id_ in session.execute(select(m.Violation.key, m.Violation.id)
                                                     .where(m.Violation.id > before)) if key in keys}
