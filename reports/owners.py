"""Who owns a problem (责任单位): one answer for the weekly report's per-owner pages and for a
notify target's ``owners:`` filter, so the two never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

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
    def load(cls, s: Any, config: Config, run_ids: Iterable[int]) -> Owners:
        """With the column records of the given runs."""
        rows = [tuple(row) for row in s.execute(
            select(m.Site.name, m.Column.name, m.Column.url, m.Column.owner).join(m.Site, m.Site.id == m.Column.site_id)
            .where(m.Column.run_id.in_(list(run_ids)), m.Column.owner.is_not(None)))]
        return cls(config, rows)

    def __call__(self, v: Any) -> str | None:
        """The owner of a violation (anything with site, url and column)."""
        return (self.by_url.get((v.site, v.url)) or (v.column and self.by_name.get((v.site, v.column)))
                or self.site.get(v.site))
