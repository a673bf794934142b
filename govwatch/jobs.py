"""The jobs behind the commands: crawl, check, notify. Part of the composition root (cli.py):
the one place that ties the crawler, the checks and the reports together.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update

from checks.base import Check, Note
from checks import params as checks_params
from checks.params import RuleSet
from checks.registry import BrokenPlugin, load_registry
from crawler.errors import Interrupted, NotCheckable, RunFailed
from govwatch.config import AccountConfig, Config, ConfigError, SiteConfig
from govwatch.scores import store_verdicts
from govwatch.store import models as m
from govwatch.store import memory as memory_store
from govwatch.store import violations as lifecycle
from govwatch.store.db import Store
from govwatch.store.view import PreviousViolation, RunView

log = logging.getLogger(__name__)


# -- crawl -------------------------------------------------------------------------------------


def start_run(store: Store, config: Config, sites: list[SiteConfig], as_of: dt.date,
              accounts: list[AccountConfig] = ()) -> int:
    """A new run; runs left 'crawling' by a killed process are marked aborted (we hold the lock)."""
    with store.session() as s, s.begin():
        s.execute(update(m.Run).where(m.Run.status == "crawling").values(status="aborted"))
        run = m.Run(as_of=as_of, status="crawling", sites=[x.name for x in [*sites, *accounts]])
        s.add(run)
        s.flush()
        for name, url, kind in [(x.name, x.url, "portal") for x in sites] + [(a.name, a.source, "account")
                                                                              for a in accounts]:
            row = s.scalar(select(m.Site).where(m.Site.name == name))
            if row is None:
                row = m.Site(name=name, url=url, kind=kind)
                s.add(row)
                s.flush()
            row.url, row.kind = url, kind
            s.add(m.SiteVisit(run_id=run.id, site_id=row.id))
        return run.id


def site_spec(config: Config, site: SiteConfig) -> dict[str, Any]:
    return {
        "name": site.name,
        "url": site.url,
        "discover": site.discover,
        "browser": site.browser,
        "columns": [{"name": c.name, "url": c.url, "category": c.category, "owner": c.owner or site.owner,
                     "browser": c.browser} for c in site.columns],
        "crawl": config.crawl_for(site).model_dump(),
    }


def account_spec(config: Config, account: AccountConfig) -> dict[str, Any]:
    return {"name": account.name, "url": account.source, "feed": account.feed, "pages": list(account.pages),
            "timezone": config.timezone, "crawl": config.crawl.model_dump()}


def crawl(config: Config, store: Store, sites: list[SiteConfig], as_of: dt.date, progress: bool | None = None,
          accounts: list[AccountConfig] = (), full: bool = False) -> int:
    """Crawl the sites and accounts side by side, in one Scrapy engine, into a new run.

    Pages known from earlier nights are re-read on a rotation and carried over otherwise
    (crawler.revisit); ``full`` re-reads everything."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    from crawler.browser import browser_settings, find_browser
    from crawler.settings import TWISTED_REACTOR, run_settings
    from crawler.spiders.night import NightSpider

    if config.queue:  # the coordinator of workers sharing the night (govwatch.cluster)
        return cluster_module(config).coordinate(config, store, sites, as_of, accounts, full)
    run_id = start_run(store, config, sites, as_of, accounts)
    if progress is None:
        progress = sys.stderr.isatty()
    if not is_reactor_installed():
        install_reactor(TWISTED_REACTOR)
    browser = find_browser()
    if browser is None:
        log.info("no Chromium found: JavaScript-only columns will be recorded as unread")
    settings = Settings({**run_settings(config.crawl, host_politeness(config, sites), database=store.url,
                                        run_id=run_id, progress=progress),
                         **browser_settings(browser, config.crawl.timeout)}, priority="cmdline")
    settings["LOG_INSTALL_ROOT_HANDLER"] = False  # GovWatch configures logging itself
    specs = target_specs(config, store, sites, accounts, full)
    memory = url_memory(store, [x.name for x in [*sites, *accounts]], as_of, full)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(NightSpider)
    failures: list[str] = []

    def failed(failure) -> None:
        log.error("crawl failed: %s", failure.getTraceback())
        failures.append(repr(failure.value))

    process.crawl(crawler, targets=specs, memory=memory).addErrback(failed)
    stopped = _run_engine(process)
    if stopped is not None:  # what was stored stays; the run is never checked
        end_run(store, run_id, "aborted")
        raise Interrupted(stopped)
    if failures:
        raise RuntimeError("crawl failed: " + "; ".join(failures))
    lost = crawler.stats.get_value("govwatch/write_errors", 0) if crawler.stats else 0
    if lost:
        end_run(store, run_id, "failed")
        raise RunFailed(f"run {run_id}: a write to the database failed "
                        f"({crawler.stats.get_value('govwatch/write_error')}); the crawl was stopped, "
                        f"and the run is marked failed and will not be checked")
    crawled(store, run_id, [x.name for x in [*sites, *accounts]],
            bool(crawler.stats and crawler.stats.get_value("govwatch/degraded")), full)
    return run_id


def cluster_module(config: Config):
    """govwatch.cluster, or a clear error when the `cluster` extra is not installed."""
    try:
        from govwatch import cluster
    except ImportError as exc:
        raise ConfigError(f"{config.path}: queue: needs the cluster extra ({exc.name} is missing): "
                          "pip install 'govwatch[cluster]'") from None
    return cluster


def host_politeness(config: Config, sites: list[SiteConfig]) -> list[tuple[list[str], Any]]:
    """Each site's hosts (home and columns) with its crawl settings: the run's download slots."""
    return [([h for h in {urlsplit(site.url).hostname, *(urlsplit(c.url).hostname for c in site.columns)} if h],
             config.crawl_for(site)) for site in sites]


def target_specs(config: Config, store: Store, sites: list[SiteConfig], accounts: list[AccountConfig],
                 full: bool) -> list[dict[str, Any]]:
    """What the night spider crawls: each site (with the columns earlier nights found) and account."""
    specs = [{"site": {**site_spec(config, site), "known_columns": []}} for site in sites]
    specs += [{"account": account_spec(config, a)} for a in accounts]
    if not full:
        with store.session() as s:
            site_ids = dict(s.execute(select(m.Site.name, m.Site.id).where(
                m.Site.name.in_([x.name for x in sites]))).all())
            for spec in specs:
                if "site" in spec:
                    spec["site"]["known_columns"] = memory_store.known_columns(s, site_ids[spec["site"]["name"]])
    return specs


def url_memory(store: Store, names: list[str], as_of: dt.date, full: bool):
    """What earlier nights saw of the sites' URLs (crawler.revisit): tonight's plan per URL."""
    from crawler.revisit import Memory

    with store.session() as s:
        site_ids = s.scalars(select(m.Site.id).where(m.Site.name.in_(names))).all()
        seen = {} if full else memory_store.load(s, site_ids)

    def links(run: int, url: str) -> list[str]:  # a carried page's links, as the crawl follows them
        with store.session() as s:
            return memory_store.page_links(s, run, url)

    return Memory(seen, as_of, full=full, links=links)


def crawled(store: Store, run_id: int, names: list[str], degraded: bool, full: bool) -> None:
    """The run's crawl ended: its totals, collapsed sites held, and the run ready to check."""
    with store.session() as s, s.begin():
        run = s.get(m.Run, run_id)
        run.status, run.finished_at = "crawled", m.utcnow()
        visits = s.scalars(select(m.SiteVisit).where(m.SiteVisit.run_id == run_id)).all()
        hold_collapsed(s, run_id, visits)
        run.stats = {"pages": sum(v.pages for v in visits), "links": sum(v.links for v in visits),
                     "sites_completed": sum(v.completed for v in visits), "full": full,
                     # the canary failed during the crawl, which all sites share: no dead verdicts
                     "degraded": sorted(names) if degraded else []}


def _run_engine(process) -> int | None:
    """Run the engine until the crawl ends, or until SIGTERM/SIGINT: then it is closed at once
    (a second signal stops the reactor). Returns the signal that stopped it, or None.

    GovWatch's own handlers, not Scrapy's: Scrapy's stay installed after the crawl and swallow
    the signals of the check step, so `systemctl stop` would wait for SIGKILL."""
    from twisted.internet import reactor

    caught: list[int] = []

    def stop(signum, _frame) -> None:
        caught.append(signum)
        log.warning("%s: stopping the crawl", signal.Signals(signum).name)
        reactor.callFromThread(process.stop if len(caught) == 1 else reactor.stop)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        process.start(install_signal_handlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return caught[0] if caught else None


def end_run(store: Store, run_id: int, status: str) -> None:
    """Mark a run that must not be checked (failed, aborted), as far as the database lets us:
    a run left 'crawling' is marked aborted by the next one anyway."""
    try:
        with store.session() as s, s.begin():
            s.execute(update(m.Run).where(m.Run.id == run_id).values(status=status, finished_at=m.utcnow()))
    except Exception as exc:  # the database that failed the run may refuse this too
        log.error("could not mark run %s %s: %s: %s", run_id, status, type(exc).__name__, exc)


def checkable_run(store: Store, run_id: int) -> m.Run:
    """The run to check; a run that is missing or was not crawled to its end is refused: its
    results are partial, and checking them would invent problems and fix real ones."""
    with store.session() as s:
        run = s.get(m.Run, run_id)
    if run is None:
        raise NotCheckable(f"there is no run {run_id} in the database")
    if run.status not in ("crawled", "checked"):
        raise NotCheckable(f"run {run_id} is {run.status}: only a run crawled to its end can be checked")
    return run


# A night whose coverage of a site fell below this share of its previous complete night...
COLLAPSE_RATIO = 0.5
COLLAPSE_MIN_PAGES = 10  # ...when that night audited at least this many pages
COLLAPSE_MIN_COLUMNS = 3  # ...or read at least this many columns
# rules that judge reachability itself: they hold their verdicts on any night
_NEVER_HELD = ("site-unreachable", "site-unreachable-early-warning", "account-unreachable")


def hold_collapsed(s, run_id: int, visits: list[m.SiteVisit]) -> None:
    """A site whose night collapsed against its previous night that reached it (pages
    audited, columns read) is held: nothing of it is fixed or opened tonight, and the run says
    why. One bad night (a maintenance page on the column lists, a CMS template without its
    navigation) must not clear real problems or invent new ones; a second night as small is
    the site's new shape, and is judged."""
    for visit in visits:
        if not visit.completed or not visit.coverage:
            continue
        prev = s.scalar(select(m.SiteVisit).join(m.Run, m.Run.id == m.SiteVisit.run_id)
                        .where(m.SiteVisit.site_id == visit.site_id, m.SiteVisit.run_id < run_id,
                               m.SiteVisit.reached.is_(True), m.SiteVisit.coverage.is_not(None),
                               m.Run.status.in_(("crawled", "checked")))
                        .order_by(m.SiteVisit.run_id.desc()).limit(1))
        if prev is None or not prev.coverage:
            continue

        def columns_read(run: int) -> int:
            return s.scalar(select(func.count()).select_from(m.Column).where(
                m.Column.run_id == run, m.Column.site_id == visit.site_id, m.Column.kind != "unread")) or 0

        was, now = prev.coverage.get("audited", 0), visit.coverage.get("audited", 0)
        cols_was, cols_now = columns_read(prev.run_id), columns_read(run_id)
        why = None
        if was >= COLLAPSE_MIN_PAGES and now < was * COLLAPSE_RATIO:
            why = f"pages audited fell from {was} to {now}"
        elif cols_was >= COLLAPSE_MIN_COLUMNS and cols_now < cols_was * COLLAPSE_RATIO:
            why = f"columns read fell from {cols_was} to {cols_now}"
        if why:
            visit.completed = False
            visit.coverage = {**visit.coverage, "complete": False, "hold": f"coverage collapsed: {why}",
                              "limits": {**visit.coverage.get("limits", {}), "collapse": 1}}


def held_sites(s, run_id: int) -> dict[str, str]:
    """site -> why nothing of it is fixed or opened by this run (govwatch.store.violations)."""
    rows = s.execute(select(m.Site.name, m.SiteVisit.coverage).join(m.Site, m.Site.id == m.SiteVisit.site_id)
                     .where(m.SiteVisit.run_id == run_id))
    return {name: cover["hold"] for name, cover in rows if cover and cover.get("hold")}


FAIL_ON = ("veto", "degraded", "incomplete")


def fail_conditions(store: Store, run_id: int) -> dict[str, list[str]]:
    """For `--fail-on`: the run's sites with a veto item, whether the run was degraded (the
    canary failed), and its sites not covered whole (not reached, held, or cut by a limit)."""
    with store.session() as s:
        run = s.get(m.Run, run_id)
        vetoes = [f"{site} ({', '.join(v)})" for site, v in s.execute(
            select(m.SiteScore.site, m.SiteScore.vetoes).where(m.SiteScore.run_id == run_id)
            .order_by(m.SiteScore.site)) if v]
        incomplete = [name for name, completed, cover in s.execute(
            select(m.Site.name, m.SiteVisit.completed, m.SiteVisit.coverage)
            .join(m.SiteVisit, m.SiteVisit.site_id == m.Site.id).where(m.SiteVisit.run_id == run_id)
            .order_by(m.Site.name)) if not completed or (cover or {}).get("complete") is False]
        return {"veto": vetoes, "degraded": list((run.stats or {}).get("degraded", [])), "incomplete": incomplete}


def unreached(s, run_id: int) -> list[tuple[str, str]]:
    """(site, why) of the run's sites and accounts whose home page or source was not reached."""
    rows = s.execute(select(m.Site.name, m.SiteVisit.home_status, m.SiteVisit.home_error)
                     .join(m.Site, m.Site.id == m.SiteVisit.site_id)
                     .where(m.SiteVisit.run_id == run_id, m.SiteVisit.reached.is_not(True)).order_by(m.Site.name))
    return [(name, error or (f"HTTP {status}" if status is not None else "no answer")) for name, status, error in rows]


def incomplete_coverage(s, run_id: int) -> list[tuple[str, dict[str, Any]]]:
    """(site, coverage) of the run's sites whose night did not cover them whole."""
    rows = s.execute(select(m.Site.name, m.SiteVisit.coverage).join(m.Site, m.Site.id == m.SiteVisit.site_id)
                     .where(m.SiteVisit.run_id == run_id).order_by(m.Site.name))
    return [(name, cover) for name, cover in rows if cover and not cover.get("complete", True)]


# -- check -------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    run_id: int
    as_of: dt.date
    opened: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    fixed: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def rule_set(config: Config, registry: dict[str, type[Check]]) -> RuleSet:
    """The sites file's `rules:` applied to the registry; every bad entry at once, each with its
    line, as one ConfigError (before any crawl: `run` calls this first)."""
    rules = checks_params.resolve(registry, config.rules, lambda value: _beside(config, value))
    problems: list[tuple[int, str]] = []
    for rule in rules.unknown:
        problems.append((config.line_of("rules", rule) or 0,
                         f"rules.{rule}: unknown rule (known: {', '.join(sorted(registry))})"))
    for rule in config.scoring.points:
        if rule not in registry:
            problems.append((config.line_of("scoring", "points", rule) or 0,
                             f"scoring.points.{rule}: unknown rule (known: {', '.join(sorted(registry))})"))
    for rule, error in rules.errors:
        line = (error.key and config.line_of("rules", rule, error.key)) or config.line_of("rules", rule) or 0
        problems.append((line, f"rules.{rule}: {error.text}"))
    if problems:
        raise ConfigError("\n".join(f"{config.path}:{line}: {text}" for line, text in sorted(problems)))
    return rules


def enabled_checks(config: Config, registry: dict[str, type[Check]] | None = None) -> list[tuple[Check, Any]]:
    """(check, params) for each enabled rule; bad `rules:` entries are one ConfigError with lines."""
    registry = registry if registry is not None else load_registry(skip=disabled_rules(config)).checks
    rules = rule_set(config, registry)
    return [(cls(), rules.params[rule]) for rule, cls in registry.items() if rule not in rules.disabled]


def disabled_rules(config: Config) -> set[str]:
    """Rules the sites file switches off: their plugins are not even imported."""
    return {rule for rule, overrides in config.rules.items() if (overrides or {}).get("enabled") is False}


def _beside(config: Config, value: str | list) -> str | list:
    """Paths relative to the sites file's folder, as a str or a list like the value given."""
    if isinstance(value, str):
        return str(config.base_dir / Path(value).expanduser())
    return [_beside(config, v) if isinstance(v, str) else v for v in value]


def column_settings(config: Config) -> dict[tuple[str, str], dict[str, Any]]:
    """(site, column url) -> the column keys the sites file sets, for checks to read."""
    keys = ("needs_metadata", "schedule", "due_days")
    return {
        (site.name, col.url): {k: getattr(col, k) for k in keys if getattr(col, k) is not None}
        for site in config.sites for col in site.columns
    }


def site_settings(config: Config) -> dict[str, dict[str, Any]]:
    return {site.name: {"url": site.url, "kind": site.kind, "owner": site.owner} for site in config.sites}


def latest_run(store: Store, statuses: tuple[str, ...] = ("crawled", "checked")) -> m.Run | None:
    with store.session() as s:
        return s.scalar(select(m.Run).where(m.Run.status.in_(statuses)).order_by(m.Run.id.desc()).limit(1))


def check(config: Config, store: Store, run_id: int, as_of: dt.date | None = None,
          registry: dict[str, type[Check]] | None = None) -> CheckResult:
    broken: list[BrokenPlugin] = []
    if registry is None:
        loaded = load_registry(skip=disabled_rules(config))
        registry, broken = loaded.checks, loaded.broken
    rules = rule_set(config, registry)
    checks = [(cls(), rules.params[rule]) for rule, cls in registry.items() if rule not in rules.disabled]
    checkable_run(store, run_id)
    with store.session() as s, s.begin():
        run = s.get(m.Run, run_id)
        as_of = as_of or run.as_of
        view = RunView(s, run_id, as_of, tuple(run.sites), column_settings(config), site_settings(config),
                       {"holidays": list(config.calendar.holidays), "workdays": list(config.calendar.workdays)},
                       config.timezone, rule_params=rules.params)
        result = CheckResult(run_id, as_of)
        s.execute(delete(m.CheckNote).where(m.CheckNote.run_id == run_id))  # `check` may be run again
        for plugin in broken:  # skipped, the rest of the night runs; the report says which and why
            s.add(m.CheckNote(run_id=run_id, rule=plugin.name, note=plugin.message))
        held = held_sites(s, run_id)
        for site, why in held.items():
            s.add(m.CheckNote(run_id=run_id, site=site, rule="coverage",
                              note=f"nothing of this site is fixed or opened by this run: {why}"))
        for site in (run.stats or {}).get("degraded", []):
            s.add(m.CheckNote(run_id=run_id, rule="dead-link", site=site,
                              note="the canary failed during the crawl: link verdicts of this run are not reported"))
        for check_, params in checks:
            try:
                found, notes = [], []
                for out in check_.check(view, params):
                    (notes if isinstance(out, Note) else found).append(out)
            except Exception as exc:  # one broken check must not abort the run (DESIGN)
                log.exception("check %s failed", check_.id)
                s.add(m.CheckNote(run_id=run_id, rule=check_.id, note=f"check failed: {type(exc).__name__}: {exc}"))
                continue
            for note in notes:
                s.add(m.CheckNote(run_id=run_id, rule=check_.id, site=note.site, subject=note.subject, note=note.text))

            def rechecked(row: m.Violation, check_=check_) -> bool:
                if row.site in held:
                    return False
                prev = PreviousViolation(row.key, row.rule, row.site, row.url, row.page, row.column, row.status,
                                         dict(row.detail))
                try:
                    return check_.rechecked(view, prev)
                except Exception as exc:  # cannot tell: the problem stays open, and the run says why
                    log.exception("check %s: rechecked failed", check_.id)
                    s.add(m.CheckNote(run_id=run_id, rule=check_.id, site=row.site, subject=row.url,
                                      note=f"re-check failed: {type(exc).__name__}: {exc}"))
                    return False

            outcome = lifecycle.apply(s, run_id, as_of, check_.id, check_.severity, run.sites, found, rechecked,
                                      hold=() if check_.id in _NEVER_HELD else held)
            result.opened += outcome.opened
            result.reopened += outcome.reopened
            result.fixed += outcome.fixed
            result.counts[check_.id] = len({v.key for v in found})
        store_verdicts(s, config, run, registry)
        run.status = "checked"
    return result

