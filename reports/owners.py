"""Who owns a problem (责任单位): one answer for the weekly report's per-owner pages, a notify
target's ``owners:`` filter and the workbench (its owner filter, what a department user sees),
so the three never disagree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, false, or_, select, true

from govwatch.config import Config
from govwatch.store import models as m


class Owners:
    """A violation's owner: its column's where the sites file or the run's column record gives
    one (matched by the column's URL, else by its name when that name is unambiguous within the
    site), else its site's or account's owner."""

    def __init__(self, config: Config, column_rows: Iterable[tuple[str, str, str, str | None]] = ()):
        self.site: dict[str, str | None] = {s.name: s.owner for s in config.sites}
        self.site.update({a.name: a.owner for a in config.accounts})
        self.by_url: dict[tuple[str, str], str] = {}
        named: dict[tuple[str, str], set[str]] = {}
        configured = [(s.name, c.name, str(c.url), c.owner) for s in config.sites for c in s.columns]
        for site, name, url, owner in configured + list(column_rows):  # the run's rows win
            if owner:
                self.by_url[(site, url)] = owner
                named.setdefault((site, name), set()).add(owner)
        # a column name two columns of a site share with different owners decides nothing
        self.by_name = {key: next(iter(owners)) for key, owners in named.items() if len(owners) == 1}
        ordered = [s.owner for s in config.sites] + [c.owner for s in config.sites for c in s.columns]
        ordered += [a.owner for a in config.accounts]
        self.configured = tuple(dict.fromkeys(o for o in ordered if o))

    @classmethod
    def load(cls, s: Any, config: Config, runs: Iterable[int] | Mapping[str, int]) -> Owners:
        """With the column records of the given runs; given as site -> run, each site's columns
        come from its own run only (the run that last covered it)."""
        per_site = dict(runs) if isinstance(runs, Mapping) else None
        ids = set(per_site.values()) if per_site is not None else set(runs)
        rows = [(site, name, url, owner) for site, name, url, owner, run_id in s.execute(
            select(m.Site.name, m.Column.name, m.Column.url, m.Column.owner, m.Column.run_id)
            .join(m.Site, m.Site.id == m.Column.site_id)
            .where(m.Column.run_id.in_(ids), m.Column.owner.is_not(None)).order_by(m.Column.run_id, m.Column.id))
            if per_site is None or per_site.get(site) == run_id]
        return cls(config, rows)

    @classmethod
    def current(cls, s: Any, config: Config) -> Owners:
        """As the latest checked run of each site left its columns (the workbench's present)."""
        site_runs: dict[str, int] = {}
        for run_id, sites in s.execute(select(m.Run.id, m.Run.sites).where(m.Run.status == "checked")
                                       .order_by(m.Run.as_of.desc(), m.Run.id.desc())):
            for name in sites or ():
                site_runs.setdefault(name, run_id)
        return cls.load(s, config, site_runs)

    def __call__(self, v: Any) -> str | None:
        """The owner of a violation (anything with site, url and column)."""
        return (self.by_url.get((v.site, v.url)) or (v.column and self.by_name.get((v.site, v.column)))
                or self.site.get(v.site))

    def all(self) -> list[str]:
        """Every owner a problem can have, sorted (the workbench's owner filter)."""
        return sorted({o for o in [*self.site.values(), *self.by_url.values(), *self.by_name.values()] if o})

    def clause(self, owner: str) -> Any:
        """SQL over the stored violations: those whose owner, as ``__call__`` decides it, is
        ``owner`` (the workbench filters 100,000 problems with it in the database)."""
        v = m.Violation
        sites = set(self.site) | {site for site, _ in self.by_url} | {site for site, _ in self.by_name}
        parts = []
        for site in sorted(sites):
            urls = [url for (s, url) in self.by_url if s == site]
            names = [name for (s, name) in self.by_name if s == site]
            not_by_url = v.url.not_in(urls) if urls else true()
            ways = []
            if mine := [url for (s, url), o in self.by_url.items() if s == site and o == owner]:
                ways.append(v.url.in_(mine))
            if mine := [name for (s, name), o in self.by_name.items() if s == site and o == owner]:
                ways.append(and_(not_by_url, v.column.in_(mine)))
            if self.site.get(site) == owner:  # the site's problems but those its columns' owners have
                ways.append(and_(not_by_url, or_(v.column.is_(None), v.column.not_in(names)) if names else true()))
            if ways:
                parts.append(and_(v.site == site, or_(*ways)))
        return or_(*parts) if parts else false()
