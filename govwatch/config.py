"""The sites file (YAML): loading, validation with file:line errors, and defaults.

A leaf module: stdlib, yaml and pydantic only, so every part of GovWatch (and its tests) can
read a sites file without pulling in the crawler or the store.

The file is composed into YAML nodes first, so that every key and value keeps its line; plain
data built from the nodes is validated by the pydantic models below, and each pydantic error
location is mapped back to a line of the file.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from typing_extensions import TypedDict  # pydantic needs this TypedDict on Python < 3.12

__all__ = [
    "CATEGORIES",
    "AccountConfig",
    "CalendarConfig",
    "ColumnConfig",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "NotifyConfig",
    "SiteConfig",
    "default_config_text",
    "load_config",
]

Category = Literal["news", "notice", "policy", "personnel", "plan", "interpretation", "interaction", "static", "other"]
Platform = Literal["wechat", "weibo", "douyin", "toutiao", "kuaishou", "bilibili", "other"]
CATEGORIES: tuple[str, ...] = get_args(Category)
PLATFORMS: tuple[str, ...] = get_args(Platform)
DEFAULT_USER_AGENT = "GovWatch/0.1 (+https://github.com/govwatch/govwatch; government website monitor)"

Loc = tuple[Union[str, int], ...]


class ConfigError(Exception):
    """A sites file that cannot be used; str(e) is the complete message for the user."""


# --- value checks -------------------------------------------------------------------------


def _http_url(value: str) -> str:
    """An absolute http(s) URL, with "/" as path when it has none."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return urlunsplit(parts._replace(path=parts.path or "/"))


def _to_date(value: Any) -> date:
    # YAML gives date objects for unquoted 2024-10-01; quoted strings are accepted too.
    if isinstance(value, datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got a date and time {value.isoformat(' ')!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as e:
            raise ValueError(f"{value!r} is not a valid date: {e}") from None
    raise ValueError(f"expected a date (YYYY-MM-DD), got {_describe(value)}")


def _duration(value: Any) -> Any:
    """Seconds from a number or a string such as "90m", "6h", "3600s"."""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", value)
        if not m:
            raise ValueError(f"expected seconds or a duration like 90m or 6h, got {value!r}")
        return float(m[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[m[2]]
    return value


HttpUrl = Annotated[str, BeforeValidator(lambda v: _http_url(v) if isinstance(v, str) else v)]
Day = Annotated[date, BeforeValidator(_to_date)]


# --- models -------------------------------------------------------------------------------


class _Model(BaseModel):
    # strict: "abc" or "5" for an int is an error (pydantic still accepts a YAML int for a float)
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_empty(cls, data: Any) -> Any:
        # `accounts:` with every entry commented out is null: treat an empty optional key as unset.
        if isinstance(data, dict):
            return {
                k: v for k, v in data.items()
                if v is not None or k not in cls.model_fields or cls.model_fields[k].is_required()
            }
        return data


class CrawlConfig(_Model):
    """Politeness and limits; the top-level values are defaults, a site's `crawl` overrides them."""

    concurrency: Annotated[int, Field(ge=1)] = 2  # simultaneous requests per host
    delay: Annotated[float, Field(ge=0)] = 1.0  # seconds between requests to one host
    # HTML pages read (fetched and parsed) per site and night; pages known from earlier nights
    # are carried over without counting, so a larger portal is covered over several nights
    max_pages: Annotated[int, Field(ge=1)] = 50000
    max_list_pages: Annotated[int, Field(ge=1)] = 500  # list pages followed per column (read every night)
    total_concurrency: Annotated[int, Field(ge=1)] = 256  # requests in flight for the whole run, all hosts
    # processes analysing pages beside the engine, for the whole run (top level only);
    # unset: one per core but the engine's, at most 4; 0: all in the engine's process
    parse_workers: Annotated[int, Field(ge=0, le=64)] | None = None
    revisit_days: Annotated[int, Field(ge=1)] = 7  # every known page and good link re-read at least this often
    # seconds of crawling per site and night (also "90m", "6h"); what is left continues the next night
    time_budget: Annotated[float, BeforeValidator(_duration), Field(gt=0)] = 6 * 3600.0
    timeout: Annotated[float, Field(gt=0)] = 30.0
    probe_timeout: Annotated[float, Field(gt=0)] = 15.0  # `govwatch probe`: 站点无法访问 counts >= 15 s as down
    user_agent: Annotated[str, Field(min_length=1)] = DEFAULT_USER_AGENT
    robots: bool = True
    retries: Annotated[int, Field(ge=0)] = 2
    text_cap: Annotated[int, Field(ge=0)] = 20000  # characters of page text kept
    link_cache_days: Annotated[int, Field(ge=0)] = 7  # reuse good external verdicts this long (0: off)
    canary: str | None = None  # a URL the monitor can always reach; when it fails, no dead verdicts
    soft_404_phrases: list[str] = []  # more phrases that mark an error page served with HTTP 200
    # fetch links to loopback, private and link-local addresses (10.x, 127.x, 169.254.x, ::1);
    # off: they are a `link-private-address` warning, unless the site itself is on such a network
    private_addresses: bool = False
    # an HTTP(S) proxy for every crawl request, e.g. http://user:pass@proxy.gov.cn:8080
    # (government networks often reach the internet only through one); `probe` goes direct
    proxy: str | None = None


# A site's `crawl`: the same keys and checks as CrawlConfig, but only those the site sets.
CrawlOverrides = TypedDict(  # type: ignore[misc]
    "CrawlOverrides",
    {n: Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
     for n, f in CrawlConfig.model_fields.items()},
    total=False,
)
CrawlOverrides.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[attr-defined]


class ColumnConfig(_Model):
    name: str
    url: HttpUrl  # relative URLs were made absolute against the site's url
    category: Category | None = None  # None: classified from the name
    owner: str | None = None
    needs_metadata: bool | None = None  # None: decided by category and the page
    schedule: Literal["monthly", "quarterly", "yearly"] | None = None
    due_days: Annotated[int, Field(ge=0)] | None = None  # days after the period allowed for it
    browser: bool | None = None  # render with a browser: always, never, or None = when a list shows nothing


class SiteConfig(_Model):
    name: Annotated[str, Field(min_length=1)]
    url: HttpUrl
    owner: str | None = None
    # government: a 人民政府 portal (its overall 年报 is due 31 March); department: a
    # department's site (its 年报 is due 31 January); None: guessed from the name (人民政府)
    kind: Literal["government", "department"] | None = None
    columns: list[ColumnConfig] = []
    crawl: CrawlOverrides = Field(default_factory=dict)  # type: ignore[valid-type]
    discover: bool = True  # also discover columns from the navigation
    browser: bool | None = None  # default for its columns (None: automatic)

    @model_validator(mode="before")
    @classmethod
    def _absolute_column_urls(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            return data
        try:
            base = _http_url(data["url"])
        except (KeyError, TypeError, AttributeError, ValueError):
            return data  # the site's url error is reported on its own
        columns = [
            {**c, "url": urljoin(base, c["url"].strip())} if isinstance(c, dict) and isinstance(c.get("url"), str) else c
            for c in data["columns"]
        ]
        return {**data, "columns": columns}


class AccountConfig(_Model):
    name: Annotated[str, Field(min_length=1)]
    platform: Platform
    feed: HttpUrl | None = None  # RSS / Atom / JSON Feed, or a Weibo API URL
    pages: list[HttpUrl] = []  # article pages, for platforms without a feed
    owner: str | None = None

    @model_validator(mode="after")
    def _feed_or_pages(self) -> AccountConfig:
        if self.feed is None and not self.pages:
            raise ValueError("an account needs a `feed` or `pages`")
        return self

    @property
    def source(self) -> str:
        """Where the account is read: its feed, else its first article page (the `url` of its problems)."""
        return self.feed or self.pages[0]


class NotifyConfig(_Model):
    """One notification target. `send` says which messages it gets:

    - ``digest`` (default): an immediate alert per site for new veto-level (单项否决) problems,
      and after each run a digest of what is new and what was fixed;
    - ``veto``: the immediate alerts only.

    ``owners`` limits both to problems owned (column owner, else site/account owner) by those
    units; ``attach`` adds the current week's ``<archive>/<week>/audit.pdf`` to the digest
    where the service takes attachments (e-mail, json://, form://). ``name`` identifies the
    target in the database (what it was already told), so a changed token in the URL does not
    make it a new target; without it, a hash of the redacted URL is used.
    """

    url: str  # an apprise URL: it carries tokens and passwords, so it is never shown
    send: Literal["digest", "veto"] = "digest"
    owners: list[str] = []  # empty: problems of every owner
    name: str | None = None
    attach: bool = False

    @property
    def digest(self) -> bool:
        """Whether the target gets the digest; every target gets the veto alerts."""
        return self.send == "digest"

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, value: str) -> str:
        if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://.", value.strip()):
            # the value is not echoed: it may hold a secret
            raise ValueError("expected an apprise URL such as mailto://... or dingtalk://...")
        return value.strip()

    def __repr_args__(self):  # type: ignore[no-untyped-def]
        for key, value in super().__repr_args__():
            yield key, (value.split("://", 1)[0] + "://***" if key == "url" else value)


class CalendarConfig(_Model):
    holidays: list[Day] = []
    workdays: list[Day] = []  # 调休: weekend days that are working days

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarConfig:
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a workday")
        return self


class RulePoints(_Model):
    points: Annotated[float, Field(ge=0)] | None = None  # per open problem
    cap: Annotated[float, Field(ge=0)] | None = None  # at most this much for the rule
    home_points: Annotated[float, Field(ge=0)] | None = None  # link rules: found on the home page


class ScoringConfig(_Model):
    """The national verdict: veto items fail a site; otherwise 100 minus deductions, 合格 from
    ``pass_mark``. ``points`` overrides a rule's own (its check's ``points``; checks.scoring)."""

    pass_mark: Annotated[float, Field(ge=0, le=100)] = 60
    points: dict[str, RulePoints] = {}


def _rule_params(value: Any) -> Any:
    return {} if value is None else value  # `blank-column:` alone means defaults


class Config(_Model):
    """A validated sites file. Build it with load_config()."""

    database: str = Field(default=None, validate_default=True)  # type: ignore[assignment]
    # redis://…: `govwatch run` coordinates `govwatch worker`s sharing the night (govwatch.cluster)
    queue: str | None = None
    timezone: str = "Asia/Shanghai"
    archive: Path = Field(default=None, validate_default=True)  # type: ignore[assignment]
    organisation: str | None = None  # shown on the weekly report's cover
    calendar: CalendarConfig = CalendarConfig()
    sites: list[SiteConfig] = []
    accounts: list[AccountConfig] = []
    notify: list[NotifyConfig] = []
    rules: dict[str, Annotated[dict[str, Any], BeforeValidator(_rule_params)]] = {}
    scoring: ScoringConfig = ScoringConfig()
    crawl: CrawlConfig = CrawlConfig()

    _path: Path = PrivateAttr(default_factory=lambda: Path.cwd() / "sites.yaml")
    _lines: dict[Loc, int] = PrivateAttr(default_factory=dict)

    @field_validator("database", mode="before")
    @classmethod
    def _database(cls, value: Any, info: ValidationInfo) -> Any:
        base = _base_dir(info)
        if value is None:
            return f"sqlite:///{base / 'govwatch.db'}"
        if not isinstance(value, str):
            return value
        value = value.strip()
        if not re.match(r"[A-Za-z][\w+.-]*://", value):
            raise ValueError(f"{value!r} is not a database URL (e.g. sqlite:///govwatch.db or postgresql+psycopg://user@host/db)")
        _database_driver(value)
        # a relative SQLite file is beside the sites file, not in the cwd (cron starts in /)
        m = re.fullmatch(r"(sqlite(?:\+\w+)?:///)([^?]+)(\?.*)?", value)
        if m and m[2] != ":memory:" and not os.path.isabs(os.path.expanduser(m[2])):
            return f"{m[1]}{base / m[2]}{m[3] or ''}"
        return value

    @field_validator("queue", mode="before")
    @classmethod
    def _queue(cls, value: Any) -> Any:
        if value is None or not isinstance(value, str):
            return value
        value = value.strip()
        if not re.match(r"(rediss?|unix)://", value):
            raise ValueError(f"{value.split('://')[0]!r} is not a queue GovWatch can use (e.g. redis://host:6379/0)")
        return value

    @model_validator(mode="after")
    def _shared_store(self) -> "Config":
        if self.queue and self.database.startswith("sqlite"):
            raise ValueError("queue: workers on several machines share the night's results: "
                             "`database:` must be PostgreSQL (postgresql+psycopg://…), not SQLite")
        return self

    @field_validator("archive", mode="before")
    @classmethod
    def _archive(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return _base_dir(info) / "reports"
        if not isinstance(value, str):
            return value
        return _base_dir(info) / Path(value.strip()).expanduser()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, available_timezones(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown time zone {value!r}{hint}") from None
        return value

    @property
    def path(self) -> Path:
        """Absolute path of the sites file."""
        return self._path

    @property
    def base_dir(self) -> Path:
        """The sites file's folder: relative paths in the file resolve against it."""
        return self._path.parent

    def site(self, name: str) -> SiteConfig:
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join([s.name for s in self.sites] + [a.name for a in self.accounts]) or "none"
        raise ConfigError(f"{self.path}: unknown site {name!r} (known: {known})")

    def targets(self, name: str | None = None) -> tuple[list[SiteConfig], list[AccountConfig]]:
        """The sites and accounts to crawl: all, or the one named (a site or an account)."""
        if name is None:
            return list(self.sites), list(self.accounts)
        account = next((a for a in self.accounts if a.name == name), None)
        return ([], [account]) if account else ([self.site(name)], [])

    def crawl_for(self, site: SiteConfig) -> CrawlConfig:
        """The top-level crawl settings with the site's own `crawl` keys on top."""
        return self.crawl.model_copy(update=site.crawl)

    def line_of(self, *keys: str | int) -> int | None:
        """Line (1-based) of a key, e.g. ("rules", "stale-column", "news_days"), or None."""
        return self._lines.get(tuple(keys))

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()


def _database_driver(url: str) -> None:
    """A database kind SQLAlchemy knows, with its driver installed: bad input, said before
    anything runs (not a traceback when the store opens)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError):
        raise ValueError(f"{url.split('://')[0]!r} is not a database kind GovWatch can use "
                         f"(sqlite:///govwatch.db, or postgresql+psycopg://user@host/db)") from None
    except ImportError as exc:
        raise ValueError(f"the driver for {url.split('://')[0]!r} is not installed ({exc.name}); "
                         f"for PostgreSQL: pip install 'govwatch[postgres]'") from None


def _base_dir(info: ValidationInfo) -> Path:
    return Path((info.context or {}).get("base_dir") or Path.cwd())


# --- loading ------------------------------------------------------------------------------


def default_config_text() -> str:
    """The commented example sites file that `govwatch init` writes."""
    return resources.files("govwatch").joinpath("sites.example.yaml").read_text(encoding="utf-8")


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a sites file; raise ConfigError with file:line messages."""
    shown = os.fspath(path)  # as the user wrote it, e.g. "sites.yaml"
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{shown}: larger than {MAX_FILE_BYTES >> 20} MB: not a sites file")
        text = Path(path).read_text(encoding="utf-8-sig")  # -sig: files saved by Windows editors
    except FileNotFoundError:
        raise ConfigError(f"{shown}: file not found (`govwatch init` writes an example)") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{shown}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ConfigError(f"{shown}: cannot read: {e.strerror or e}") from None

    lines: dict[Loc, int] = {}
    data = _parse(text, shown, lines)
    absolute = Path(os.path.abspath(path))
    try:
        config = Config.model_validate(data, context={"base_dir": absolute.parent})
    except ValidationError as e:
        messages = sorted({(_line(lines, err["loc"], err["type"]), _message(err)) for err in e.errors()})
        raise ConfigError("\n".join(f"{shown}:{line}: {msg}" for line, msg in messages)) from None

    def fail(loc: Loc, message: str) -> ConfigError:
        return ConfigError(f"{shown}:{_line(lines, loc)}: {message}")

    if not config.sites and not config.accounts:
        raise fail(("sites",), "sites: nothing to monitor: add at least one site or account")
    # violations name their site or account, so the names must be unique across both
    seen: dict[str, Loc] = {}
    for key, items in (("sites", config.sites), ("accounts", config.accounts)):
        for i, item in enumerate(items):
            loc = (key, i, "name")
            if item.name in seen:
                first = seen[item.name]
                raise fail(loc, f"{_dotted(loc)}: duplicate name {item.name!r} (already used by "
                                f"{_dotted(first[:2])} at line {_line(lines, first)})")
            seen[item.name] = loc
    config._path = absolute
    config._lines = lines
    return config


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _parse(text: str, shown: str, lines: dict[Loc, int]) -> Any:
    """YAML text -> plain data, filling `lines` with the line of every key and list item."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(f"{shown}:1: the file is empty (`govwatch init` writes an example)")
        if not isinstance(root, yaml.MappingNode):
            raise ConfigError(f"{shown}:{root.start_mark.line + 1}: expected a mapping of settings at the top level")
        lines[()] = root.start_mark.line + 1
        return _build(loader, root, (), lines, shown, set())
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{shown}:{mark.line + 1}" if mark else shown
        problem = ": ".join(p for p in (e.context, e.problem) if p)
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{shown}: invalid YAML: {e}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Values built, aliases counted each time they are used: a sites file has a few thousand; an
# alias bomb (each level referring to the one below ten times) has billions.
MAX_VALUES = 200_000
MAX_FILE_BYTES = 16 << 20


def _build(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, lines: dict[Loc, int], shown: str, stack: set[int],
           built: list[int] | None = None) -> Any:
    line = node.start_mark.line + 1
    built = built if built is not None else [0]
    built[0] += 1
    if built[0] > MAX_VALUES:
        raise ConfigError(f"{shown}:{line}: {_dotted(loc)}: the file expands to more than {MAX_VALUES} values "
                          f"(aliases referring to aliases?)")
    if isinstance(node, yaml.ScalarNode):
        try:
            value = loader.construct_object(node)
        except ValueError as e:  # e.g. 2024-02-30 matches YAML's date pattern but is no date
            what = "is not a valid date" if node.tag == "tag:yaml.org,2002:timestamp" else "cannot be read"
            raise ConfigError(f"{shown}:{line}: {_dotted(loc)}: {node.value!r} {what}: {e}") from None
        return _environ(value, f"{shown}:{line}: {_dotted(loc)}") if isinstance(value, str) else value
    if id(node) in stack:
        raise ConfigError(f"{shown}:{line}: {_dotted(loc)}: an alias refers to itself")
    stack = stack | {id(node)}
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            lines[loc + (i,)] = child.start_mark.line + 1
            items.append(_build(loader, child, loc + (i,), lines, shown, stack, built))
        return items
    # Mapping. Merge keys (<<: *defaults) first, so that the explicit keys' lines win.
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise ConfigError(f"{shown}:{source.start_mark.line + 1}: {_dotted(loc)}: `<<` needs a mapping")
                for k, v in _build(loader, source, loc, lines, shown, stack, built).items():
                    merged.setdefault(k, v)
    own: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise ConfigError(f"{shown}:{key_line}: {_dotted(loc)}: a key must be a plain word, not a list or mapping")
        key = key_node.value  # as written: `yes:` stays "yes", `2024:` stays "2024"
        if key in own:
            first = lines[loc + (key,)]
            raise ConfigError(f"{shown}:{key_line}: {_dotted(loc + (key,))}: duplicate key (first at line {first})")
        lines[loc + (key,)] = key_line
        own[key] = _build(loader, value_node, loc + (key,), lines, shown, stack, built)
    return {**merged, **own}


def _environ(value: str, where: str) -> str:
    """``${VAR}`` replaced by the environment's VAR: secrets (webhook tokens, database
    passwords) stay out of the sites file."""
    def sub(match: re.Match) -> str:
        if match.group(1) not in os.environ:
            raise ConfigError(f"{where}: environment variable {match.group(1)} is not set")
        return os.environ[match.group(1)]

    return _ENV.sub(sub, value) if "${" in value else value


# --- error messages -----------------------------------------------------------------------


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(lines: dict[Loc, int], loc: Loc, kind: str = "") -> int:
    # a missing key has no line of its own: use its parent mapping's
    loc = tuple(loc[:-1]) if kind == "missing" else tuple(loc)
    while loc not in lines:
        loc = loc[:-1]
    return lines[loc]


_EXPECTED = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "list_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "date_type": "a date (YYYY-MM-DD)",
}
_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def _describe(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
             dict: "mapping", date: "date", datetime: "date and time", type(None): "nothing (null)"}
    name = names.get(type(value), type(value).__name__)
    if value is None or isinstance(value, (list, dict)):
        return name
    return f"{name} {value!r}"


def _message(err: Any) -> str:
    loc, kind, value, ctx = tuple(err["loc"]), err["type"], err.get("input"), err.get("ctx") or {}
    path = _dotted(loc)
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{path}: unknown key ({hint}known: {', '.join(known)})"
    if kind == "missing":
        return f"{_dotted(loc[:-1])}: missing required key {loc[-1]!r}"
    if kind in _EXPECTED:
        return f"{path}: expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "literal_error":
        allowed = re.sub(r"'([^']*)'", r"\1", ctx.get("expected", "")).replace(" or ", ", ")
        what = "category" if loc[-1] == "category" else "value"
        return f"{path}: unknown {what} {value!r} (allowed: {allowed})"
    if kind in _BOUNDS:
        return f"{path}: must be {_BOUNDS[kind]} {next(iter(ctx.values()))}, got {value!r}"
    if kind == "string_too_short":
        return f"{path}: must not be empty"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return f"{path}: {ctx['error']}"
    return f"{path}: {err['msg']}"


def _known_keys(loc: Loc) -> list[str]:
    """The keys allowed in the mapping at `loc`, found by walking the models' type hints."""
    hint: Any = Config
    for part in loc:
        hint = _unwrap(hint)
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            hint = hint.model_fields[part].annotation  # type: ignore[index]
        elif hasattr(hint, "__total__"):  # a TypedDict
            hint = get_type_hints(hint, include_extras=True)[part]  # type: ignore[index]
        else:
            hint = get_args(hint)[-1]  # list[X] -> X, dict[K, V] -> V
    hint = _unwrap(hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return list(hint.model_fields)
    return list(get_type_hints(hint))


def _unwrap(hint: Any) -> Any:
    while True:
        if get_origin(hint) is Annotated:
            hint = get_args(hint)[0]
        elif type(None) in get_args(hint):  # X | None -> X
            hint = next(a for a in get_args(hint) if a is not type(None))
        else:
            return hint
