"""Runs built in memory, for testing a check without a crawl (like pytest's ``pytester``).

::

    from govwatch.testing import RunBuilder

    def test_long_title():
        run = RunBuilder(as_of="2026-11-22").site("县", "http://x.gov.cn/")
        run.page("县", "http://x.gov.cn/a.html", title="很" * 40, published="2026-11-01")
        found = run.check(LongTitle, max_chars=25)
        assert [v.url for v in found.violations] == ["http://x.gov.cn/a.html"]
        assert "40 字" in found.messages[0]

The run lives in an in-memory SQLite database with GovWatch's real schema, and checks see it
through the same read-only ``RunView`` as on a real night. Given a ``store``, the run is built
into that database instead, beside the runs already there (a site is the same row in each), and
saved when the builder is closed: tests of "fixed" compare several runs. ``check`` validates the parameters as
the sites file's ``rules:`` are validated, and ``rechecked`` says what the lifecycle would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checks.base import Check, Note, Violation
from checks.registry import load_checks, sentence
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.store.view import PreviousViolation, RunView


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@dataclass
class Found:
    """What one check yielded over a built run."""

    violations: list[Violation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # each violation's sentence (Check.message)

    @property
    def urls(self) -> list[str]:
        return [v.url for v in self.violations]


class RunBuilder:
    """One crawled run, built by hand: sites, columns with their items, pages, links and their
    verdicts, probes. Each method returns the builder, so calls chain."""

    def __init__(self, as_of: dt.date | str = "2026-11-22", *, timezone: str = "Asia/Shanghai",
                 rules: dict[str, dict[str, Any]] | None = None, store: Store | None = None) -> None:
        self.as_of = _date(as_of)
        self.timezone = timezone
        self.rules = dict(rules or {})  # other rules' parameters, as under `rules:` (for rules building on them)
        self._own_store = store is None
        # in memory: one connection per thread, the real schema
        self.store = Store("sqlite://") if store is None else store
        self._s = self.store.session()
        self.run = m.Run(as_of=self.as_of, status="crawled", sites=[])
        self._s.add(self.run)
        self._s.flush()
        self._run_id = self.run.id  # still known once a given store has the run saved
        self._sites: dict[str, m.Site] = {}
        self.column_settings: dict[tuple[str, str], dict[str, Any]] = {}
        self.site_settings: dict[str, dict[str, Any]] = {}

    # -- building ------------------------------------------------------------------------

    @property
    def run_id(self) -> int:
        return self._run_id

    def site(self, name: str, url: str, *, reached: bool = True, completed: bool = True, kind: str = "portal",
             home_status: int | None = 200, home_error: str | None = None,
             identity: dict[str, Any] | None = None) -> RunBuilder:
        """A site (or an account: ``kind="account"``) of the run and how the run's visit went."""
        row = self._s.query(m.Site).filter_by(name=name).one_or_none()  # a store's earlier runs'
        if row is None:
            row = m.Site(name=name, url=url, kind=kind)
            self._s.add(row)
            self._s.flush()
        self._sites[name] = row
        self.run.sites = [*self.run.sites, name]
        self._s.add(m.SiteVisit(run_id=self.run.id, site_id=row.id, reached=reached, completed=completed,
                                home_status=home_status, home_error=home_error, identity=identity))
        if kind == "portal":
            self.site_settings[name] = {"url": url}
        return self

    def column(self, site: str, name: str, url: str, category: str = "news", *,
               items: Iterable[tuple[Any, ...]] = (), kind: str = "list", list_pages: int = 1,
               newest: Any = None, source: str = "config", **settings: Any) -> RunBuilder:
        """A column with its list rows (url, title, date), or for an interaction column (url, title,
        date, state, answered_on) with the reply state the list shows (answered, unanswered);
        ``settings`` are the sites file's column keys (needs_metadata, schedule, due_days).
        ``newest``: the newest date the list showed, when the test leaves its rows out (counted
        as one dated row); ``source``: where the run found the column (config, nav)."""
        items = [(u, t, _date(d), *rest) for u, t, d, *rest in items]
        dated = [d for _, _, d, *_ in items if d]
        newest = _date(newest)
        summary = 1 if newest is not None and not items else 0
        column = m.Column(run_id=self.run.id, site_id=self._sites[site].id, name=name, url=url, category=category,
                          source=source, kind=kind, list_pages=list_pages if kind == "list" else 0,
                          item_count=len(items) + summary, dated_items=len(dated) + summary,
                          newest_date=max([*dated, *([newest] if newest else [])], default=None))
        self._s.add(column)
        self._s.flush()
        self._s.add_all([m.ColumnItem(column_id=column.id, url=u, title=t, date=d,
                                      state=rest[0] if rest else None,
                                      answered_on=_date(rest[1]) if len(rest) > 1 else None)
                         for u, t, d, *rest in items])
        if settings:
            self.column_settings[(site, url)] = settings
        return self

    def page(self, site: str, url: str, *, kind: str = "article", title: str | None = None,
             published: Any = None, text: str = "", metadata: dict[str, str] | None = None,
             column_url: str | None = None, status: int = 200, meta: dict[str, Any] | None = None,
             hidden: list[dict[str, Any]] | None = None) -> RunBuilder:
        """A page the run read; ``hidden``: links on it hidden from readers ({target, anchor, how})."""
        self._s.add(m.Page(run_id=self.run.id, site_id=self._sites[site].id, url=url, status=status, kind=kind,
                           column_url=column_url, title=title, published=_date(published), text=text,
                           metadata_=metadata or {}, meta=meta or {}, hidden=hidden or None))
        return self

    def link(self, site: str, page: str, target: str, *, verdict: str | None = "ok", status: int | None = 200,
             anchor: str = "", tag: str = "a", error: str | None = None) -> RunBuilder:
        """A link on ``page`` and the run's verdict on its target (one verdict per target; None: the
        run did not check the target)."""
        self._s.add(m.Link(run_id=self.run.id, site_id=self._sites[site].id, page_url=page, target=target,
                           anchor=anchor, tag=tag))
        self._s.flush()
        if verdict is not None and not self._s.query(m.LinkCheck).filter_by(run_id=self.run.id, url=target).count():
            self._s.add(m.LinkCheck(run_id=self.run.id, url=target, verdict=verdict, status=status, error=error))
        return self

    def probe(self, site: str, at: dt.datetime, ok: bool = True, status: int | None = 200) -> RunBuilder:
        self._s.add(m.Probe(site_id=self._sites[site].id, at=at, ok=ok, status=status))
        return self

    # -- checking ------------------------------------------------------------------------

    def view(self, rule_params: dict[str, Any] | None = None) -> RunView:
        self._s.flush()
        params = {}
        registry = load_checks(plugins=False)
        for rule, overrides in self.rules.items():
            if rule in registry:
                params[rule] = registry[rule].params(overrides)
        return RunView(self._s, self.run.id, self.as_of, tuple(self.run.sites), self.column_settings,
                       self.site_settings, {}, self.timezone, rule_params={**params, **(rule_params or {})})

    def check(self, check: type[Check] | Check, **params: Any) -> Found:
        """Run one check over the run with ``params`` as the sites file would give them."""
        check = check() if isinstance(check, type) else check
        effective = type(check).params(params)
        found = Found()
        for out in check.check(self.view({check.id: effective}), effective):
            (found.notes if isinstance(out, Note) else found.violations).append(out)
        found.messages = [sentence(check, v.detail) for v in found.violations]  # as reports ask it
        return found

    def rechecked(self, check: type[Check] | Check, violation: Violation, **params: Any) -> bool:
        """Whether this run looked at ``violation``'s subject again (so that, not found, it is fixed)."""
        check = check() if isinstance(check, type) else check
        previous = PreviousViolation(violation.key, violation.rule, violation.site, violation.url, violation.page,
                                     violation.column, "open", dict(violation.detail))
        return check.rechecked(self.view({check.id: type(check).params(params)}), previous)

    def close(self) -> None:
        """Done: an in-memory run is gone; a run built into a given store is saved there."""
        if self._own_store:
            self._s.close()
            self.store.close()
            return
        self._s.commit()
        self._s.close()

    def __enter__(self) -> RunBuilder:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None and not self._own_store:
            self._s.rollback()  # a half-built run is not saved
        self.close()
