"""The office's answers for problems: false alarms (误报) and exemptions (豁免) until a date.

An answer is *active* on a day when it is not revoked and, for an exemption, that day is not
after its expiry. The one question every consumer asks — which problems does an active answer
excuse on the run's as-of date? — is :func:`excused`; the verdicts and scores
(govwatch.scores.store_verdicts), the weekly report and the notifications ask it and nothing
else. An answer holds for the problem whatever week is rebuilt (a false alarm was always
false); an exemption that has expired by a run's as-of date no longer excuses it, so the
problem counts again from that run on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from govwatch.store import models as m

FALSE_ALARM, EXEMPTION = "false-alarm", "exemption"
KINDS = (FALSE_ALARM, EXEMPTION)
LABELS = {FALSE_ALARM: "误报", EXEMPTION: "豁免"}
# the status the workbench shows for an open problem with an active answer
STATUS_OF = {FALSE_ALARM: "acknowledged", EXEMPTION: "exempt"}


class AnswerError(ValueError):
    """An answer that cannot be given (no reason, an expiry in the past, unknown problem)."""


def active_clause(on: dt.date):
    """SQL: the answers active on ``on``."""
    return (m.Answer.revoked_at.is_(None)) & or_(m.Answer.expires.is_(None), m.Answer.expires >= on)


def excused(s: Session, on: dt.date, violation_ids: Iterable[int] | None = None) -> dict[int, m.Answer]:
    """The active answers on ``on``, by violation id (the newest where several are)."""
    q = select(m.Answer).where(active_clause(on)).order_by(m.Answer.id)
    if violation_ids is not None:
        ids = list(violation_ids)
        if not ids:
            return {}
        if len(ids) < 500:  # else one scan of the (small) answers table is cheaper than a huge IN
            q = q.where(m.Answer.violation_id.in_(ids))
    return {a.violation_id: a for a in s.scalars(q)}


def audit(s: Session, user: str | None, action: str, subject: str | None = None, **detail: Any) -> None:
    s.add(m.AuditEntry(user=user, action=action, subject=(subject or "")[:300] or None, detail=detail))


def give(s: Session, violation_id: int, kind: str, reason: str, by: str, expires: dt.date | None = None,
         today: dt.date | None = None) -> m.Answer:
    """Answer for a problem; the active answer before it (if any) is revoked."""
    reason = (reason or "").strip()
    if kind not in KINDS:
        raise AnswerError(f"unknown answer {kind!r} (known: {', '.join(KINDS)})")
    if not reason:
        raise AnswerError("a reason is required")
    if kind == EXEMPTION:
        if expires is None:
            raise AnswerError("an exemption needs an expiry date")
        if today is not None and expires < today:
            raise AnswerError(f"the expiry date {expires} is in the past")
    else:
        expires = None
    violation = s.get(m.Violation, violation_id)
    if violation is None:
        raise AnswerError(f"no problem with id {violation_id}")
    _revoke_all(s, violation_id, by)
    answer = m.Answer(violation_id=violation_id, kind=kind, reason=reason[:2000], expires=expires, by=by)
    s.add(answer)
    audit(s, by, "answer", f"violation {violation_id}", kind=kind, reason=reason[:2000],
          expires=expires.isoformat() if expires else None, rule=violation.rule, site=violation.site,
          url=violation.url)
    s.flush()
    return answer


def revoke(s: Session, violation_id: int, by: str) -> int:
    """Take back the problem's answers; how many were active."""
    if s.get(m.Violation, violation_id) is None:
        raise AnswerError(f"no problem with id {violation_id}")
    n = _revoke_all(s, violation_id, by)
    if n:
        audit(s, by, "revoke", f"violation {violation_id}")
    return n


def _revoke_all(s: Session, violation_id: int, by: str) -> int:
    result = s.execute(update(m.Answer).where(m.Answer.violation_id == violation_id, m.Answer.revoked_at.is_(None))
                       .values(revoked_at=m.utcnow(), revoked_by=by))
    return result.rowcount or 0


def history(s: Session, violation_id: int) -> list[dict[str, Any]]:
    """The problem's lifecycle events and its answers, oldest first, for people."""
    out: list[dict[str, Any]] = []
    for e in s.scalars(select(m.ViolationEvent).where(m.ViolationEvent.violation_id == violation_id)
                       .order_by(m.ViolationEvent.id)):
        out.append({"when": dt.datetime.combine(e.as_of, dt.time()), "day": e.as_of, "what": e.event,
                    "by": None, "reason": None, "run_id": e.run_id})
    for a in s.scalars(select(m.Answer).where(m.Answer.violation_id == violation_id).order_by(m.Answer.id)):
        out.append({"when": a.at, "day": a.at.date(), "what": a.kind, "by": a.by, "reason": a.reason,
                    "expires": a.expires})
        if a.revoked_at:
            out.append({"when": a.revoked_at, "day": a.revoked_at.date(), "what": "revoked", "by": a.revoked_by,
                        "reason": LABELS[a.kind]})
    return sorted(out, key=lambda x: x["when"])
