"""`govwatch db prune`: drop the bulky per-night rows of old runs, keep the history.

A 20,000-page site adds some 400,000 link rows a night. What an old run read (pages, links,
link checks) is only needed while a later night still carries it over (govwatch.store.memory:
url_memory points at the run that last read a page or checked a URL); the history the reports
and notifications use — runs, site visits and scores, columns, violations and their events —
is kept whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.orm import Session

from govwatch.store import models as m


@dataclass
class Pruned:
    runs: int = 0
    pages: int = 0
    links: int = 0
    link_checks: int = 0
    cutoff: dt.date | None = None


def prune(session: Session, keep_days: int) -> Pruned:
    """Delete pages, links and link checks of runs whose as-of date is more than ``keep_days``
    before the newest run's, except the rows a later night still carries over."""
    newest = session.scalar(select(func.max(m.Run.as_of)))
    out = Pruned()
    if newest is None:
        return out
    out.cutoff = newest - dt.timedelta(days=keep_days)
    last = session.scalar(select(func.max(m.Run.id)))
    old = list(session.scalars(select(m.Run.id).where(m.Run.as_of < out.cutoff, m.Run.id != last)))
    mem = m.UrlMemory
    for run_id in old:
        read = exists().where(mem.read_run_id == run_id)
        out.links += session.execute(delete(m.Link).where(
            m.Link.run_id == run_id, ~read.where(mem.url == m.Link.page_url).correlate(m.Link))).rowcount
        out.pages += session.execute(delete(m.Page).where(
            m.Page.run_id == run_id, ~read.where(mem.url == m.Page.url).correlate(m.Page))).rowcount
        checked = exists().where(and_(mem.check_run_id == run_id, mem.url == m.LinkCheck.url)).correlate(m.LinkCheck)
        out.link_checks += session.execute(delete(m.LinkCheck).where(m.LinkCheck.run_id == run_id, ~checked)).rowcount
    out.runs = len(old)
    return out
