"""The `govwatch` command (also `python -m crawler`): the one composition root.

Exit codes: 0 done (violations found or not), 2 bad input (config, arguments), 1 failure;
3 when a condition asked for with `--fail-on` holds (for monitoring).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from govwatch.config import Config, ConfigError, load_config
from crawler.errors import Interrupted, NotCheckable, RunFailed
from govwatch.lock import LockedError, RunLock
from govwatch.store import models as m
from govwatch.store.db import Store

log = logging.getLogger("govwatch")


class GovWatchGroup(click.Group):
    """Turns known errors into one clear line and the contract's exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ConfigError, NotCheckable) as exc:
            click.echo(f"govwatch: {exc}", err=True)
            ctx.exit(2)
        except (LockedError, RunFailed) as exc:
            click.echo(f"govwatch: {exc}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Interrupted as exc:
            click.echo(f"govwatch: {exc}", err=True)
            # now, without waiting for worker threads (apprise sends from a thread pool, and a
            # hanging webhook would hold the exit); every transaction has been rolled back
            logging.shutdown()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        except KeyboardInterrupt:
            click.echo("govwatch: interrupted", err=True)
            ctx.exit(1)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(f"govwatch: failed: {type(exc).__name__}: {first} (rerun with --debug for details)", err=True)
            ctx.exit(1)


def as_of_option(f):
    return click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        help="Monitoring date for every time rule (default: today in the sites file's timezone).")(f)


def config_option(f):
    return click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
                        help="The sites file (YAML).")(f)


def _as_of(config: Config, value: dt.datetime | None) -> dt.date:
    return value.date() if value else config.today()


def _sites(config: Config, name: str | None):
    return [config.site(name)] if name else list(config.sites)


@click.group(cls=GovWatchGroup)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected failures.")
@click.version_option(package_name="govwatch")
@click.pass_context
def cli(ctx: click.Context, verbose: int, debug: bool) -> None:
    """GovWatch: audit government websites against the national indicators."""
    from crawler import console

    ctx.obj = {"debug": debug}
    console.setup(verbose, debug)
    for sig in (signal.SIGTERM, signal.SIGINT):  # any phase stops at once (the crawl: govwatch.jobs)
        signal.signal(sig, _interrupt)


def _interrupt(signum, _frame) -> None:
    raise Interrupted(signum)


# -- init, db ----------------------------------------------------------------------------------


@cli.command()
@click.argument("path", default="sites.yaml", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, force: bool) -> None:
    """Write a complete, commented example sites file."""
    from govwatch.config import default_config_text

    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; use --force to overwrite it")
    target.write_text(default_config_text(), encoding="utf-8")
    click.echo(f"wrote {target}")


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@config_option
def db_upgrade(config_path: str) -> None:
    """Apply schema migrations (runs also happen automatically)."""
    from govwatch.store.db import make_engine, upgrade

    config = load_config(config_path)
    engine = make_engine(config.database)
    click.echo("upgraded" if upgrade(engine) else "schema is up to date")


@db.command("prune")
@config_option
@click.option("--keep-days", type=click.IntRange(min=0), required=True,
              help="Keep every row of the runs of the last N days (by as-of date).")
def db_prune(config_path: str, keep_days: int) -> None:
    """Drop pages, links and link checks of older runs (history and carried-over facts stay)."""
    from govwatch.store.prune import prune

    config = load_config(config_path)
    store = Store(config.database)
    with RunLock(config.database), store.session() as s, s.begin():
        done = prune(s, keep_days)
    if done.cutoff is None:
        click.echo("no runs: nothing to prune")
        return
    click.echo(f"pruned {done.runs} run(s) before {done.cutoff}: {done.pages} pages, {done.links} links, "
               f"{done.link_checks} link checks (rows later nights still carry over are kept)")


# -- crawl, check, run -------------------------------------------------------------------------


def _crawl(config: Config, store: Store, site: str | None, as_of: dt.date, full: bool = False) -> int:
    from govwatch import jobs

    sites, accounts = config.targets(site)
    if not sites and not accounts:
        raise ConfigError(f"{config.path}: no sites or accounts to crawl")
    jobs.enabled_checks(config)  # bad `rules:` entries fail (all at once) before a long crawl, not after
    run_id = jobs.crawl(config, store, sites, as_of, accounts=accounts, full=full)
    with store.session() as s:
        run = s.get(m.Run, run_id)
        click.echo(f"run {run_id}: crawled {len(sites)} site(s) and {len(accounts)} account(s), "
                   f"{run.stats.get('pages', 0)} pages, {run.stats.get('links', 0)} links", err=True)
        unreached = jobs.unreached(s, run_id)
        for name, why in unreached:
            click.echo(f"run {run_id}: {name}: not reached ({why}); its problems stay as they were", err=True)
        for name, cover in jobs.incomplete_coverage(s, run_id):
            if name in dict(unreached):
                continue
            if cover.get("hold"):
                click.echo(f"run {run_id}: {name}: {cover['hold']}; nothing of it is fixed or opened tonight",
                           err=True)
                continue
            click.echo(f"run {run_id}: {name}: {cover['audited']} of {cover['discovered']} pages audited "
                       f"({', '.join(cover['limits'])}); the rest continues next night", err=True)
    return run_id


def _check(config: Config, store: Store, run_id: int, as_of: dt.date | None):
    from govwatch import jobs

    result = jobs.check(config, store, run_id, as_of)
    click.echo(f"run {run_id}: {len(result.opened)} new, {len(result.reopened)} reopened, "
               f"{len(result.fixed)} fixed problem(s) as of {result.as_of}", err=True)
    _echo_notes(store, run_id)
    return result


def _echo_notes(store: Store, run_id: int, shown: int = 10) -> None:
    """What the run could not decide, one line per kind (the report lists them all)."""
    from reports.notes import gather

    with store.session() as s:
        rows = s.execute(select(m.CheckNote.rule, m.CheckNote.site, m.CheckNote.subject, m.CheckNote.note)
                         .where(m.CheckNote.run_id == run_id).order_by(m.CheckNote.id)).all()
    notes = gather(rows, {})
    if not notes:
        return
    click.echo(f"run {run_id}: {len(rows)} note(s) of what was not decided:", err=True)
    for n in notes[:shown]:
        where = f" [{n.site}]" if n.site else ""
        click.echo(f"  {n.rule}{where}: {n.note}" + (f" (and {n.count - 1} like it)" if n.count > 1 else ""), err=True)
    if len(notes) > shown:
        click.echo(f"  ... {len(notes) - shown} more kind(s): see the weekly report", err=True)


def full_option(f):
    return click.option("--full", is_flag=True,
                        help="Re-read every page and link instead of the night's incremental share.")(f)


@cli.command()
@config_option
@click.option("--site", help="Only this site (by name).")
@as_of_option
@full_option
def crawl(config_path: str, site: str | None, as_of: dt.datetime | None, full: bool) -> None:
    """Crawl the sites into a new run (the first half of `run`)."""
    config = load_config(config_path)
    with RunLock(config.database):
        _crawl(config, Store(config.database), site, _as_of(config, as_of), full)


def fail_on_option(f):
    return click.option("--fail-on", "fail_on", multiple=True, metavar="veto|degraded|incomplete",
                        help="Exit 3 when the run has a veto item, was degraded (the canary failed) or "
                             "did not cover a site whole; repeat or separate with commas.")(f)


def _fail_on(values: tuple[str, ...]) -> set[str]:
    from govwatch.jobs import FAIL_ON

    wanted = {v.strip() for value in values for v in value.split(",") if v.strip()}
    if unknown := wanted - set(FAIL_ON):
        raise click.BadParameter(f"{', '.join(sorted(unknown))} (known: {', '.join(FAIL_ON)})", param_hint="--fail-on")
    return wanted


def _exit_for(store: Store, run_id: int, wanted: set[str]) -> None:
    """Exit 3 (for monitoring) when a `--fail-on` condition holds, one line for each."""
    from govwatch import jobs

    held = {k: v for k, v in jobs.fail_conditions(store, run_id).items() if k in wanted and v}
    for cond, sites in held.items():
        click.echo(f"govwatch: fail-on {cond}: {'; '.join(sites)}", err=True)
    if held:
        sys.exit(3)


@cli.command("check")
@config_option
@click.option("--run", "run_id", type=int, help="The run to check (default: the latest crawled run).")
@as_of_option
@fail_on_option
def check_cmd(config_path: str, run_id: int | None, as_of: dt.datetime | None, fail_on: tuple[str, ...]) -> None:
    """Run the checks on a crawled run and update the violations (the second half of `run`)."""
    from govwatch import jobs

    config = load_config(config_path)
    store = Store(config.database)
    with RunLock(config.database):
        if run_id is None:
            run = jobs.latest_run(store)
            if run is None:
                raise click.UsageError("no crawled run in the database; run `govwatch crawl` first")
            run_id = run.id
        wanted = _fail_on(fail_on)
        result = _check(config, store, run_id, as_of.date() if as_of else None)
        _notify(config, store, result)  # what was announced before is not sent again
    _exit_for(store, run_id, wanted)


@cli.command()
@config_option
@click.option("--site", help="Only this site (by name).")
@as_of_option
@full_option
@fail_on_option
def run(config_path: str, site: str | None, as_of: dt.datetime | None, full: bool, fail_on: tuple[str, ...]) -> None:
    """Crawl, check, store and notify: the nightly job."""
    wanted = _fail_on(fail_on)
    config = load_config(config_path)
    store = Store(config.database)
    with RunLock(config.database):
        day = _as_of(config, as_of)
        run_id = _crawl(config, store, site, day, full)
        try:
            result = _check(config, store, run_id, day)
        except Interrupted:  # the check's transaction is rolled back; the night is not trusted
            from govwatch.jobs import end_run

            end_run(store, run_id, "aborted")
            raise
        _notify(config, store, result)
    _exit_for(store, run_id, wanted)


@cli.command()
@config_option
@click.option("--once", is_flag=True, help="Crawl one run, then stop (default: wait for the next).")
def worker(config_path: str, once: bool) -> None:
    """Crawl the runs that `govwatch run` queues in Redis (sites file: `queue:`), beside other workers."""
    from govwatch.jobs import cluster_module

    config = load_config(config_path)
    if not config.queue:
        raise ConfigError(f"{config.path}: `queue:` is not set: a worker takes its work from a Redis queue "
                          "(e.g. queue: redis://127.0.0.1:6379/0)")
    cluster_module(config).work(config, once=once)


def _notify(config: Config, store: Store, result) -> None:
    """Alerts and digest after a check. Never fatal: the run's results are stored already, and
    a target that missed them gets them after the next run."""
    if not config.notify:
        return
    try:
        from reports.notify_run import notify_run

        for line in notify_run(config, store, result):
            click.echo(line, err=True)
    except Exception as exc:  # the message names no URL: targets are only shown redacted
        log.error("notifications failed: %s: %s", type(exc).__name__, exc)


@cli.command()
@config_option
@click.option("--site", help="Only this site (by name).")
def probe(config_path: str, site: str | None) -> None:
    """Probe each site's home page once and record it (站点无法访问); schedule it, e.g. every 30 minutes."""
    from crawler import probe as probes

    config = load_config(config_path)
    sites = _sites(config, site)
    if not sites:
        raise ConfigError(f"{config.path}: no sites to probe")
    # no RunLock: probes must keep running while the nightly crawl holds it
    for r in probes.run(config, Store(config.database), sites):
        why = f"HTTP {r.status}" if r.status is not None and r.error is None else r.error
        click.echo(f"{r.name}\t{'ok' if r.ok else 'failed'}\t{r.seconds:.2f}s\t{why}")


# -- outputs -----------------------------------------------------------------------------------


VIOLATION_FIELDS = ("rule", "title", "site", "url", "page", "column", "severity", "status", "first_seen",
                    "last_seen", "fixed_on", "detail")


def violation_dicts(store: Store, site: str | None, status: str) -> list[dict[str, Any]]:
    from checks.registry import load_checks

    titles = {rule: cls.title for rule, cls in load_checks().items()}
    with store.session() as s:
        q = select(m.Violation).order_by(m.Violation.site, m.Violation.rule, m.Violation.url)
        if site:
            q = q.where(m.Violation.site == site)
        if status != "all":
            q = q.where(m.Violation.status == status)
        return [{
            "id": v.id,  # for `govwatch ack|exempt|unack`
            "rule": v.rule, "title": titles.get(v.rule, v.rule), "site": v.site, "url": v.url, "page": v.page,
            "column": v.column, "severity": v.severity, "status": v.status,
            "first_seen": v.first_seen.isoformat(), "last_seen": v.last_seen.isoformat(),
            "fixed_on": v.fixed_on.isoformat() if v.fixed_on else None,
            "detail": {**v.detail, "reopened": v.reopened},
        } for v in s.scalars(q)]


@cli.command()
@config_option
@click.option("--site", help="Only this site (by name).")
@click.option("--status", type=click.Choice(["open", "fixed", "all"]), default="open", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def violations(config_path: str, site: str | None, status: str, fmt: str) -> None:
    """List violations (open by default)."""
    config = load_config(config_path)
    if site:
        config.site(site)
    rows = violation_dicts(Store(config.database), site, status)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from reports.tabular import csv_bytes

        sys.stdout.buffer.write(csv_bytes(list(VIOLATION_FIELDS), (
            [json.dumps(row[k], ensure_ascii=False) if k == "detail" else row[k] for k in VIOLATION_FIELDS]
            for row in rows)))
    else:
        if not rows:
            click.echo(f"no {status} violations" if status != "all" else "no violations")
            return
        for row in rows:
            where = f" on {row['page']}" if row["page"] and row["page"] != row["url"] else ""
            column = f" [{row['column']}]" if row["column"] else ""
            click.echo(f"{row['status']:5}  {row['rule']:18} {row['site']}{column}  {row['url']}{where}  "
                       f"(since {row['first_seen']})")


@cli.command()
@config_option
@click.option("--week", help="ISO week YYYY-Www (default: the week of the latest run).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "xlsx", "json", "csv"]), default="pdf",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file (default: <archive>/<week>/audit.<ext>).")
def report(config_path: str, week: str | None, fmt: str, out: str | None) -> None:
    """Write the weekly audit report."""
    from reports.weekly import build_weekly, parse_week, week_of
    from reports.tabular import write_report

    config = load_config(config_path)
    store = Store(config.database)
    if week is None:
        from govwatch.jobs import latest_run

        latest = latest_run(store, ("checked",))
        week = week_of(latest.as_of if latest else config.today())
    try:
        parse_week(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    model = build_weekly(store, config, week)
    if model.run_id is None:
        click.echo(f"govwatch: no run in or before {week}: the report has nothing to show", err=True)
    path = Path(out) if out else config.archive / week / f"audit.{fmt}"
    write_report(model, fmt, path)
    if not out:
        from reports import archive

        archive.refresh(config.archive)
    click.echo(str(path))


@cli.command("checks")
@click.argument("rule", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def checks_cmd(rule: str | None, fmt: str) -> None:
    """List every registered check (built-in and plugins) with its verdict points; with RULE,
    that rule's whole documentation. Plugins that could not be loaded are listed with why."""
    from checks import scoring
    from checks.registry import load_registry

    registry = load_registry()
    described = []
    for rule_id, cls in registry.checks.items():
        points = scoring.rule_points(cls)  # declared on the check (the sites file may override it)
        described.append({**cls.describe(), "points": dataclasses.asdict(points) if points else None,
                          "origin": registry.origins[rule_id]})
    broken = [{"id": b.name, "origin": b.origin, "status": "broken", "error": b.error} for b in registry.broken]
    if rule is not None:
        _print_rule(rule, described, broken, fmt)
        return
    if fmt == "json":
        click.echo(json.dumps([{k: v for k, v in d.items() if k != "doc"} for d in described] + broken,
                              ensure_ascii=False, indent=2))
        return
    for d in described:
        params = ", ".join(f"{k}={v}" for k, v in d["parameters"].items()) or "-"
        points = d["points"] and f"\tpoints: {d['points']['points']:g} each, at most {d['points']['cap']:g}"
        click.echo(f"{d['id']}\t{d['title']}\t{d['severity']}\t{d['source']}\tparams: {params}{points or ''}")
    for b in broken:
        click.echo(f"{b['id']}\tNOT LOADED (plugin {b['origin']})\t{b['error']}")


def _print_rule(rule: str, described: list[dict[str, Any]], broken: list[dict[str, Any]], fmt: str) -> None:
    """One rule's documentation, as `ruff rule` prints one."""
    found = next((d for d in described + broken if d["id"] == rule), None)
    if found is None:
        close = difflib.get_close_matches(rule, [d["id"] for d in described], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise click.BadParameter(f"no check {rule!r}{hint}; `govwatch checks` lists them", param_hint="RULE")
    if fmt == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if found.get("status") == "broken":
        click.echo(f"# {rule}: not loaded\n\nplugin {found['origin']}: {found['error']}")
        return
    params = "\n".join(f"  {k} = {v}" for k, v in found["parameters"].items()) or "  (none)"
    points = found["points"]
    click.echo(f"# {found['id']} — {found['title']}\n\n"
               f"severity: {found['severity']}    status: {found['status']}    from: {found['origin']}\n"
               f"source: {found['source']}\n"
               + (f"points: {points['points']:g} each, at most {points['cap']:g}\n" if points else "")
               + f"default parameters (override under `rules: {found['id']}:` in the sites file):\n{params}\n\n"
               f"{found['doc']}")


@cli.command()
@click.argument("target")
@click.option("--url", help="The page's URL, to resolve relative links of a local file.")
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
def inspect(target: str, url: str | None, fmt: str) -> None:
    """Show what the extractors see in one page (a file or an http(s) URL)."""
    from crawler.extract.page import analyse

    if target.startswith(("http://", "https://")):
        import urllib.request

        from crawler.settings import USER_AGENT

        req = urllib.request.Request(target, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (http only, checked above)
            body, status = resp.read(), resp.status
            charset = resp.headers.get_content_charset()
        facts = analyse(body, url or target, encoding=charset, status=status)
    else:
        path = Path(target)
        if not path.is_file():
            raise click.BadParameter(f"{target} is neither a file nor an http(s) URL", param_hint="TARGET")
        facts = analyse(path.read_bytes(), url or path.resolve().as_uri())
    click.echo(json.dumps(facts.as_json(), ensure_ascii=False, indent=2))


# -- demo --------------------------------------------------------------------------------------


@cli.group(invoke_without_command=True)
@click.option("--dir", "directory", type=click.Path(file_okay=False), default="govwatch-demo", show_default=True,
              help="Where the sample portal, sites file, database and reports go (created or reused).")
@as_of_option
@click.pass_context
def demo(ctx: click.Context, directory: str, as_of: dt.datetime | None) -> None:
    """Serve the bundled sample portal on 127.0.0.1, audit it, and write the week's report."""
    if ctx.invoked_subcommand is not None:
        return
    from govwatch.demo.runner import run_demo

    for line in run_demo(Path(directory), as_of.date() if as_of else None):
        click.echo(line)


@demo.command("serve")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default="govwatch-demo", show_default=True)
def demo_serve(directory: str) -> None:
    """Serve the sample portal again (on its port from D/sites.yaml) until interrupted."""
    from govwatch.demo.runner import serve_demo

    serve_demo(Path(directory), echo=click.echo)


def _add_workbench_commands() -> None:
    """`serve`, `user`, `ack`, `exempt`, `unack`: the office's workbench (workbench.commands)."""
    from workbench.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_add_workbench_commands()


def main() -> None:
    cli(prog_name="govwatch")


if __name__ == "__main__":
    main()
