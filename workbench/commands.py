"""The workbench's commands: `govwatch serve`, `govwatch user add|passwd|remove|list`, and
`govwatch ack|exempt|unack` for scripts. Registered on the `govwatch` group by govwatch.cli."""

from __future__ import annotations

import datetime as dt
import getpass
import os

import click

from govwatch.config import load_config
from govwatch.store.answers import EXEMPTION, FALSE_ALARM, AnswerError
from govwatch.store.db import Store
from workbench.people import ROLES, PeopleError

config_option = click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
                             help="The sites file (YAML).")


def _cli_user(by: str | None) -> str:
    if by:
        return by
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (a container): still say it came from the command line
        return "cli"


def _password(value: str | None, prompt: str) -> str:
    """From --password-stdin's text, $GOVWATCH_PASSWORD, else an interactive prompt."""
    if value is not None:
        return value
    if os.environ.get("GOVWATCH_PASSWORD"):
        return os.environ["GOVWATCH_PASSWORD"]
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _stdin_password(flag: bool) -> str | None:
    return click.get_text_stream("stdin").readline().rstrip("\r\n") if flag else None


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--secure-cookies", is_flag=True, help="Mark session cookies Secure (behind an HTTPS proxy).")
def serve(config_path: str, host: str, port: int, secure_cookies: bool) -> None:
    """Serve the office's workbench (web) on the sites file's store."""
    import uvicorn

    from workbench.app import create_app

    config = load_config(config_path)
    app = create_app(config, secure_cookies=secure_cookies)
    if app.state.no_users:
        click.echo("govwatch: no workbench users yet; add one with: "
                   f"govwatch user add --config {config_path} NAME --role admin", err=True)
    click.echo(f"workbench: http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)


@click.group()
def user() -> None:
    """Workbench users: add, passwd, remove, list."""


@user.command("add")
@config_option
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin (users), office (everything else), department (its owner unit's problems only).")
@click.option("--owner", help="A department user's owner unit (责任单位), as the sites file names it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def user_add(config_path: str, name: str, role: str, owner: str | None, password_stdin: bool) -> None:
    """Add a user (password from --password-stdin, $GOVWATCH_PASSWORD, or a prompt)."""
    from workbench import people

    config = load_config(config_path)
    password = _password(_stdin_password(password_stdin), "Password")
    store = Store(config.database)
    with store.session() as s, s.begin():
        try:
            people.add(s, name, role, password, owner, by=_cli_user(None))
        except PeopleError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(f"added {role} user {name}" + (f" ({owner})" if owner and role == "department" else ""))


@user.command("passwd")
@config_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def user_passwd(config_path: str, name: str, password_stdin: bool) -> None:
    """Set a user's password (ends the user's sessions)."""
    from workbench import people

    config = load_config(config_path)
    password = _password(_stdin_password(password_stdin), "New password")
    with Store(config.database).session() as s, s.begin():
        try:
            people.set_password(s, name, password, by=_cli_user(None))
        except PeopleError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(f"password of {name} changed")


@user.command("remove")
@config_option
@click.argument("name")
def user_remove(config_path: str, name: str) -> None:
    """Remove a user (its name stays in the audit log and is not reused)."""
    from workbench import people

    config = load_config(config_path)
    with Store(config.database).session() as s, s.begin():
        try:
            people.remove(s, name, by=_cli_user(None))
        except PeopleError as exc:
            raise click.UsageError(str(exc)) from None
    click.echo(f"removed {name}")


@user.command("list")
@config_option
def user_list(config_path: str) -> None:
    """List the users: name, role, owner unit."""
    from workbench import people

    config = load_config(config_path)
    with Store(config.database).session() as s:
        for u in people.active_users(s):
            click.echo(f"{u.name}\t{u.role}\t{u.owner or '-'}")


def _answer(config_path: str, ids: tuple[int, ...], kind: str, reason: str, by: str | None,
            until: dt.datetime | None = None) -> None:
    from workbench import answering

    config = load_config(config_path)
    store = Store(config.database)
    for vid in ids:
        try:
            answering.give(store, config, vid, kind, reason, _cli_user(by), until.date() if until else None)
        except AnswerError as exc:
            raise click.UsageError(f"problem {vid}: {exc}") from None
        click.echo(f"problem {vid}: {'false alarm' if kind == FALSE_ALARM else f'exempt until {until.date()}'}")


by_option = click.option("--by", help="Who answers (default: cli:<login name>), for the history and the audit log.")
ids_argument = click.argument("ids", nargs=-1, required=True, type=int)
reason_option = click.option("--reason", required=True, help="Why (shown in the history and the report's appendix).")


@click.command()
@config_option
@ids_argument
@reason_option
@by_option
def ack(config_path: str, ids: tuple[int, ...], reason: str, by: str | None) -> None:
    """Mark problems (ids from `govwatch violations --format json`) as false alarms (误报)."""
    _answer(config_path, ids, FALSE_ALARM, reason, by)


@click.command()
@config_option
@ids_argument
@reason_option
@click.option("--until", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day of the exemption.")
@by_option
def exempt(config_path: str, ids: tuple[int, ...], reason: str, until: dt.datetime, by: str | None) -> None:
    """Exempt problems until a date (a column without update duty, a link kept on purpose)."""
    _answer(config_path, ids, EXEMPTION, reason, by, until)


@click.command()
@config_option
@ids_argument
@by_option
def unack(config_path: str, ids: tuple[int, ...], by: str | None) -> None:
    """Take back the false alarm or exemption of problems: they count again."""
    from workbench import answering

    config = load_config(config_path)
    store = Store(config.database)
    for vid in ids:
        try:
            n = answering.take_back(store, config, vid, _cli_user(by))
        except AnswerError as exc:
            raise click.UsageError(f"problem {vid}: {exc}") from None
        click.echo(f"problem {vid}: " + ("answer taken back" if n else "had no answer in force"))


COMMANDS = (serve, user, ack, exempt, unack)
