"""The registry: built-in checks plus plugins from the ``govwatch.checks`` entry-point group.

Built-ins are listed here exactly as a plugin lists itself; a plugin package adds one table
to its pyproject.toml::

    [project.entry-points."govwatch.checks"]
    dead-phone = "govwatch_local.phone:DeadPhoneNumber"

A plugin that cannot be used (it does not import, lacks an attribute, reuses an id) is skipped
with a message naming it (``Registry.broken``): the rest of the night runs, the run records the
message as a note, and `govwatch checks` and the report show it. A plugin whose entry-point name
is switched off in the sites file (``rules: dead-phone: {enabled: false}``) is not even imported.
Set ``GOVWATCH_DISABLE_PLUGIN_AUTOLOAD=1`` to load built-ins only (as tests do).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from checks import evidence
from checks.base import SEVERITIES, Check

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "govwatch.checks"
BUILTINS = (
    "checks.links:DeadLink",
    "checks.links:Soft404",
    "checks.links:BadAttachment",
    "checks.links:LinkBlocked",
    "checks.links:LinkRateLimited",
    "checks.links:LinkTimeout",
    "checks.links:LinkServerError",
    "checks.links:LinkError",
    "checks.links:LinkRedirectLoop",
    "checks.links:TlsError",
    "checks.links:MalformedLink",
    "checks.links:PrivateAddressLink",
    "checks.freshness:StaleColumn",
    "checks.freshness:BlankColumn",
    "checks.freshness:HomepageStale",
    "checks.freshness:TooManyStaleColumns",
    "checks.freshness:StaleColumnEarlyWarning",
    "checks.metadata:MissingMetadata",
    "checks.metadata:MalformedDocNumber",
    "checks.metadata:InconsistentDates",
    "checks.metadata:ExpiredButValid",
    "checks.interaction:MessageUnanswered",
    "checks.availability:SiteUnreachable",
    "checks.availability:SiteUnreachableEarlyWarning",
    "checks.deadlines:InterpretationOverdue",
    "checks.deadlines:InterpretationUnlinked",
    "checks.deadlines:AnnualReportOverdue",
    "checks.deadlines:ScheduleOverdue",
    "checks.identity:MissingSiteIdentity",
    "checks.wording:WordingError",
    "checks.injected:InjectedContent",
    "checks.variants:NameVariant",
    "checks.accounts:AccountStale",
    "checks.accounts:AccountStaleEarlyWarning",
    "checks.accounts:AccountUnreachable",
)


class RegistryError(Exception):
    """A built-in check is broken: a bug of GovWatch itself, never of a plugin."""


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin entry point that was skipped, and why (shown to people as it is)."""

    name: str  # the entry point's name (by convention the rule id)
    origin: str  # "distribution (entry point)"
    error: str

    @property
    def message(self) -> str:
        return f"plugin check {self.name!r} from {self.origin} skipped: {self.error}"


@dataclass
class Registry:
    checks: dict[str, type[Check]] = field(default_factory=dict)
    broken: list[BrokenPlugin] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # rule id -> "govwatch" or the plugin

    def __getitem__(self, rule: str) -> type[Check]:
        return self.checks[rule]

    def get(self, rule: str) -> type[Check] | None:
        return self.checks.get(rule)


def _load(spec: str) -> type[Check]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def problem(cls: object) -> str | None:
    """Why a class cannot be a check, or None."""
    if not isinstance(cls, type):
        return f"{cls!r} is not a class"
    for attr in ("id", "title", "source", "severity", "Params", "check"):
        if not hasattr(cls, attr):
            return f"{cls.__name__} lacks {attr!r}"
    if cls.severity not in SEVERITIES:
        return f"{cls.id}: severity {cls.severity!r} is not one of {', '.join(SEVERITIES)}"
    if not (cls.__doc__ or "").strip():
        return f"{cls.id} has no docstring"
    return None


def validate(cls: type, origin: str) -> None:
    if (why := problem(cls)) is not None:
        raise RegistryError(f"check from {origin}: {why}")


def load_registry(plugins: bool | None = None, skip: Iterable[str] = ()) -> Registry:
    """Built-ins first, then the plugins that load; ``skip``: entry-point names not to import."""
    if plugins is None:
        plugins = not os.environ.get("GOVWATCH_DISABLE_PLUGIN_AUTOLOAD")
    registry = Registry()
    for spec in BUILTINS:
        cls = _load(spec)
        validate(cls, "govwatch")
        registry.checks[cls.id] = cls
        registry.origins[cls.id] = "govwatch"
    if not plugins:
        return registry
    skip = set(skip)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in skip:
            continue
        origin = f"{ep.dist.name if ep.dist else '?'} ({ep.name})"
        try:
            cls = ep.load()
        except Exception as exc:  # any error of foreign code: skip it, name it, run the rest
            why = f"cannot import {ep.value}: {type(exc).__name__}: {exc}"
        else:
            why = problem(cls)
            if why is None and cls.id in registry.checks:
                why = f"check id {cls.id!r} is already defined by {registry.origins[cls.id]}"
        if why is not None:
            broken = BrokenPlugin(ep.name, origin, why)
            log.warning("%s", broken.message)
            registry.broken.append(broken)
            continue
        registry.checks[cls.id] = cls
        registry.origins[cls.id] = origin
    return registry


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of this process (built-ins and the plugins that load), loaded once."""
    return load_registry()


def sentence(check: type[Check] | Check, detail: Mapping[str, Any]) -> str:
    """A violation's sentence: the check's ``message`` of its evidence, then what the violation's
    history adds (曾整改后复现 2 次), the same for every check."""
    check = check() if isinstance(check, type) else check
    own = {k: v for k, v in detail.items() if k not in evidence.LIFECYCLE_KEYS}
    return evidence.line(str(check.message(own)), evidence.reopened(detail))


def message(rule: str, detail: Mapping[str, Any]) -> str:
    """The sentence for a violation of ``rule``: asked of its check, built-in or plugin; a rule no
    loaded check defines (retired, or a plugin not installed here) gets the common line."""
    cls = default_registry().get(rule)
    if cls is None:
        return evidence.describe(detail)
    try:
        return sentence(cls, detail)
    except Exception as exc:  # a plugin's sentence must never break a report
        log.warning("check %s: message failed (%s: %s); showing its evidence as it is", rule, type(exc).__name__, exc)
        return evidence.describe(detail)


def load_checks(plugins: bool | None = None) -> dict[str, type[Check]]:
    """Check classes by id: built-ins first, then the plugins that load."""
    return load_registry(plugins).checks
