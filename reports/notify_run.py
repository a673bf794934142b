"""After a run: one message per configured apprise URL about what this run changed.

Messages are built from this run's violation events only, so the same problem is never
announced twice; events are marked ``notified`` once a message about them went out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import select, update

from crawler.config import Config
from crawler.store import models as m
from crawler.store.db import Store
from reports.model import ReportViolation
from reports.notify import run_digest, send
from reports.weekly import rule_infos


def _item(v: m.Violation, as_of: dt.date, owner: str | None) -> ReportViolation:
    is_open = v.status == "open"
    return ReportViolation(rule=v.rule, site=v.site, url=v.url, page=v.page, column=v.column, severity=v.severity,
                           status=v.status, first_seen=v.first_seen, last_seen=v.last_seen, fixed_on=v.fixed_on,
                           detail=dict(v.detail), new=is_open, days_open=(as_of - v.first_seen).days, owner=owner)


def notify_run(config: Config, store: Store, result: Any) -> Iterable[str]:
    """Send the run's digest; yields one line per target (URLs redacted)."""
    owners = {s.name: s.owner for s in config.sites}
    titles = {r.id: r.title for r in rule_infos()}
    changed = set(result.opened) | set(result.reopened)
    with store.session() as s, s.begin():
        rows = s.scalars(select(m.Violation).where(m.Violation.id.in_(changed | set(result.fixed)))).all()
        new = [_item(v, result.as_of, owners.get(v.site)) for v in rows if v.id in changed]
        fixed = [_item(v, result.as_of, owners.get(v.site)) for v in rows if v.id in set(result.fixed)]
        sent_any = False
        for target in config.notify:
            mine_new = [v for v in new if not target.owners or v.owner in target.owners]
            mine_fixed = [v for v in fixed if not target.owners or v.owner in target.owners]
            if target.send == "veto":
                mine_new, mine_fixed = [v for v in mine_new if v.severity == "veto"], []
            if not mine_new and not mine_fixed:
                continue  # nothing changed for this target: no message
            title, body = run_digest(as_of=result.as_of, new=mine_new, fixed=mine_fixed, rule_titles=titles)
            for outcome in send([target.url], title, body):
                sent_any = sent_any or outcome.ok
                yield f"notify {outcome.target}: {'sent' if outcome.ok else 'FAILED ' + (outcome.error or '')}"
        if sent_any:
            s.execute(update(m.ViolationEvent).where(m.ViolationEvent.run_id == result.run_id)
                      .values(notified=True))
