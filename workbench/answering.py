"""Answering for a problem (false alarm, exemption) and taking the answer back, from the
workbench or the command line: the answer is stored, audited, and the site's verdict of its
latest run is scored again, so the week's page and report show it at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store


def give(store: Store, config: Config, violation_id: int, kind: str, reason: str, by: str,
         expires: dt.date | None = None) -> m.Answer:
    with store.session() as s, s.begin():
        answer = answers.give(s, violation_id, kind, reason, by, expires, today=config.today())
        rescore(s, config, s.get(m.Violation, violation_id).site)
        return answer


def take_back(store: Store, config: Config, violation_id: int, by: str) -> int:
    with store.session() as s, s.begin():
        n = answers.revoke(s, violation_id, by)
        if n:
            rescore(s, config, s.get(m.Violation, violation_id).site)
        return n


def rescore(s, config: Config, site: str) -> None:
    """Score again the latest checked run that covered ``site`` (all of that run's sites)."""
    from checks.registry import load_checks
    from govwatch.scores import store_verdicts

    for run in s.scalars(select(m.Run).where(m.Run.status == "checked").order_by(m.Run.id.desc()).limit(50)):
        if site in (run.sites or ()):
            store_verdicts(s, config, run, load_checks())
            return
