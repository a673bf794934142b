"""After a check: the immediate veto alerts and the run's digest, for each `notify:` target.

What each target was told is kept in the database (notify_targets, notify_sent), by message
kind (alert, digest), so that:
- the same violation event is never announced twice to the same target;
- a target whose send failed gets what it missed with the next run's messages, if still true
  (a problem fixed in the meantime is not announced as new);
- a target added later, or added back after runs without it, starts with the events of the
  run it first sees: the history is not "new" to it.
Events are also marked ``notified`` once any target was told about them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from govwatch.config import Config, NotifyConfig
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store
from reports.model import ReportViolation
from reports.owners import Owners
from reports.notify import redact, run_digest, send, takes_attachments, veto_alerts
from reports.weekly import rule_infos, week_of

log = logging.getLogger(__name__)

ALERT, DIGEST = "alert", "digest"
NEW_EVENTS = ("opened", "reopened")


@dataclass
class Target:
    config: NotifyConfig
    key: str  # stable: a hash of the name, else of the redacted URL (never the URL's secrets)
    label: str  # the name and redacted URL, for logs


@dataclass
class Message:
    title: str
    body: str
    event_ids: list[int]  # the events it announces
    attach: Path | None = None


@dataclass
class Plan:
    """One kind of message for one target: what to send, and how far the events were read."""

    kind: str
    messages: list[Message] = field(default_factory=list)
    upto: int = 0  # the highest event id considered
    notes: list[str] = field(default_factory=list)


def notify_run(config: Config, store: Store, result: Any) -> Iterator[str]:
    """Send the run's alerts and digests; yields one line per message or target (URLs
    redacted). Failures are logged and reported in the lines, never raised."""
    titles = {r.id: r.title for r in rule_infos()}
    with store.session() as s:  # read before this run's targets move it
        previous = s.scalar(select(func.max(m.NotifyTarget.last_run_id))
                            .where(m.NotifyTarget.last_run_id < result.run_id))
    for target in targets(config.notify):
        try:
            yield from _notify_target(config, store, result, target, titles, previous)
        except Exception as exc:  # a database hiccup for one target must not stop the others
            log.error("notifications to %s failed: %s: %s", target.label, type(exc).__name__, exc)
            yield f"notify {target.label}: FAILED {type(exc).__name__}"


def targets(configs: list[NotifyConfig]) -> list[Target]:
    out: list[Target] = []
    keys: set[str] = set()
    for i, c in enumerate(configs):
        shown = redact(c.url)
        key = _hash(f"name:{c.name}" if c.name else f"url:{shown}")
        if key in keys:  # same name, or URLs that differ only in their secrets
            log.warning("notify[%d] has the same name or URL as another target: give each its own `name`", i)
            key = _hash(f"{key}\0{c.url}")
        keys.add(key)
        out.append(Target(c, key, f"{c.name} ({shown})" if c.name else shown))
    return out


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _notify_target(config: Config, store: Store, result: Any, target: Target,
                   titles: dict[str, str], previous: int | None) -> Iterator[str]:
    with store.session() as s, s.begin():
        row = _target_row(s, target, result.run_id, previous)
        owner_of = Owners.load(s, config, {result.run_id})  # as the weekly report's per-owner pages
        plans = [_alerts(s, row, result, target, owner_of, titles)]
        if target.config.digest:
            plans.append(_digest(s, row, result, target, owner_of, titles, config.archive))
        target_id = row.id
    down = False  # after one failure the target's other messages wait for the next run
    for plan in plans:
        sent: list[int] = []
        failed = down and bool(plan.messages)
        if failed:
            yield f"notify {target.label}: {plan.kind} held back until the next run"
        for msg in plan.messages if not down else ():
            [res] = send([target.config.url], msg.title, msg.body, attach=msg.attach)
            if res.ok:
                sent += msg.event_ids
                extra = "; with the weekly PDF" if res.attached else ""
                yield f"notify {target.label}: {plan.kind} sent: {msg.title}{extra}"
            else:
                failed = down = True
                yield f"notify {target.label}: {plan.kind} FAILED {res.error or ''} (sent again after the next run)"
                break
        for note in plan.notes:
            yield f"notify {target.label}: {note}"
        _record(store, target_id, plan, sent, result.run_id, done=not failed)
    if not any(plan.messages for plan in plans):
        yield f"notify {target.label}: nothing new"


def _target_row(s, target: Target, run_id: int, previous: int | None) -> m.NotifyTarget:
    """The target's row; `previous` is the last run that notified any target before this one."""
    row = s.scalar(select(m.NotifyTarget).where(m.NotifyTarget.key == target.key))
    before = s.scalar(select(func.max(m.ViolationEvent.id)).where(m.ViolationEvent.run_id < run_id)) or 0
    if row is None:
        row = m.NotifyTarget(key=target.key, label=target.label[:300], alert_upto=before, digest_upto=before)
        s.add(row)
    else:
        # A run notified the others but not this one: it was removed and is back; the
        # events of the runs without it are not its backlog.
        if row.last_run_id is not None and previous is not None and row.last_run_id < previous:
            row.alert_upto, row.digest_upto = max(row.alert_upto, before), max(row.digest_upto, before)
        row.label = target.label[:300]
    row.last_run_id = run_id
    s.flush()
    return row


def _pending(s, row: m.NotifyTarget, kind: str, run_id: int) -> list[tuple[m.ViolationEvent, m.Violation]]:
    """Events above the target's mark for `kind`, not yet sent to it, oldest first."""
    upto = row.alert_upto if kind == ALERT else row.digest_upto
    sent = select(m.NotifySent.event_id).where(m.NotifySent.target_id == row.id, m.NotifySent.kind == kind)
    return [(e, v) for e, v in s.execute(
        select(m.ViolationEvent, m.Violation).join(m.Violation, m.Violation.id == m.ViolationEvent.violation_id)
        .where(m.ViolationEvent.id > upto, m.ViolationEvent.run_id <= run_id, m.ViolationEvent.id.not_in(sent))
        .order_by(m.ViolationEvent.id))]


def _unanswered(s, pending, as_of) -> list[tuple[m.ViolationEvent, m.Violation]]:
    """Nothing is announced for a false alarm or an exemption in force (they still count as
    dealt with: an exemption that expires brings the problem back in reports, not as news)."""
    excused = answers.excused(s, as_of, {v.id for _, v in pending})
    return [(e, v) for e, v in pending if v.id not in excused]


def _item(v: m.Violation, as_of, owner: str | None) -> ReportViolation:
    return ReportViolation.from_row(v, new=v.status == "open", days_open=(as_of - v.first_seen).days, owner=owner)


def _select(pending, owner_of, owners: list[str], as_of, want: Callable[[m.ViolationEvent, m.Violation], bool]):
    """(items, their event ids) of the pending events `want` keeps, one item per violation."""
    items: dict[int, ReportViolation] = {}
    events: dict[int, list[int]] = {}
    for e, v in pending:
        owner = owner_of(v)
        if (owners and owner not in owners) or not want(e, v):
            continue
        items[v.id] = _item(v, as_of, owner)
        events.setdefault(v.id, []).append(e.id)
    return items, events


def _is_new(e: m.ViolationEvent, v: m.Violation) -> bool:
    return e.event in NEW_EVENTS and v.status == "open"  # fixed again since: not news any more


def _alerts(s, row, result, target: Target, owner_of, titles) -> Plan:
    pending = _pending(s, row, ALERT, result.run_id)
    plan = Plan(ALERT, upto=max((e.id for e, _ in pending), default=0))
    pending = _unanswered(s, pending, result.as_of)
    items, events = _select(pending, owner_of, target.config.owners, result.as_of,
                            lambda e, v: _is_new(e, v) and v.severity == "veto")
    vid_of = {id(item): vid for vid, item in items.items()}  # veto_alerts hands back the same objects
    for title, body, shown in veto_alerts(as_of=result.as_of, vetoes=list(items.values()), rule_titles=titles):
        plan.messages.append(Message(title, body, [i for it in shown for i in events[vid_of[id(it)]]]))
    return plan


def _digest(s, row, result, target: Target, owner_of, titles, archive: Path) -> Plan:
    pending = _pending(s, row, DIGEST, result.run_id)
    plan = Plan(DIGEST, upto=max((e.id for e, _ in pending), default=0))
    pending = _unanswered(s, pending, result.as_of)
    owners = target.config.owners
    new, new_events = _select(pending, owner_of, owners, result.as_of, _is_new)
    fixed, fixed_events = _select(pending, owner_of, owners, result.as_of,
                                  lambda e, v: e.event == "fixed" and v.status == "fixed")
    if not new and not fixed:
        return plan
    attach, report = None, None
    if target.config.attach:
        week = week_of(result.as_of)
        pdf = archive / week / "audit.pdf"
        if not pdf.is_file():
            plan.notes.append(f"digest without the weekly PDF: {pdf} not found (written by `govwatch report`)")
        elif not takes_attachments(target.config.url):
            plan.notes.append("digest without the weekly PDF: the service takes no attachments")
        else:
            attach, report = pdf, f"见附件 {pdf.name}（{week} 周报）"
    title, body = run_digest(as_of=result.as_of, new=list(new.values()), fixed=list(fixed.values()),
                             rule_titles=titles, report=report, owners=owners)
    ids = [i for ev in (new_events, fixed_events) for ids in ev.values() for i in ids]
    plan.messages.append(Message(title, body, ids, attach))
    return plan


def _record(store: Store, target_id: int, plan: Plan, sent: list[int], run_id: int, done: bool) -> None:
    """Remember what was sent; when every message went out, move the mark past the events
    considered (those not for this target included), so they are not read again."""
    with store.session() as s, s.begin():
        for event_id in dict.fromkeys(sent):
            s.add(m.NotifySent(target_id=target_id, event_id=event_id, kind=plan.kind, run_id=run_id))
        if sent:
            s.execute(update(m.ViolationEvent).where(m.ViolationEvent.id.in_(sent)).values(notified=True))
        if done and plan.upto:
            row = s.get(m.NotifyTarget, target_id)
            mark = "alert_upto" if plan.kind == ALERT else "digest_upto"
            setattr(row, mark, max(getattr(row, mark), plan.upto))
