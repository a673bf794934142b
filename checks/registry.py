"""The registry: built-in checks plus plugins from the ``govwatch.checks`` entry-point group.

Built-ins are listed here exactly as a plugin lists itself; a plugin package adds one table
to its pyproject.toml::

    [project.entry-points."govwatch.checks"]
    dead-phone = "govwatch_local.phone:DeadPhoneNumber"

Set ``GOVWATCH_DISABLE_PLUGIN_AUTOLOAD=1`` to load built-ins only (as tests do).
"""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

from checks.base import SEVERITIES, Check

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
    "checks.accounts:AccountStale",
    "checks.accounts:AccountStaleEarlyWarning",
    "checks.accounts:AccountUnreachable",
)


class RegistryError(Exception):
    pass


def _load(spec: str) -> type[Check]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def validate(cls: type, origin: str) -> None:
    for attr in ("id", "title", "source", "severity", "Params", "check"):
        if not hasattr(cls, attr):
            raise RegistryError(f"check {cls!r} from {origin} lacks {attr!r}")
    if cls.severity not in SEVERITIES:
        raise RegistryError(f"check {cls.id} from {origin}: severity must be one of {SEVERITIES}")
    if not (cls.__doc__ or "").strip():
        raise RegistryError(f"check {cls.id} from {origin} has no docstring")


def load_checks(plugins: bool | None = None) -> dict[str, type[Check]]:
    """Check classes by id: built-ins first, then plugins; a duplicate id is an error."""
    if plugins is None:
        plugins = not os.environ.get("GOVWATCH_DISABLE_PLUGIN_AUTOLOAD")
    found: dict[str, tuple[type[Check], str]] = {}
    specs: list[tuple[str, object]] = [(spec, "govwatch") for spec in BUILTINS]
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            specs.append((ep, f"{dist} ({ep.name})"))
    for spec, origin in specs:
        try:
            cls = spec.load() if hasattr(spec, "load") else _load(spec)
        except Exception as exc:  # a broken plugin must say which one it is
            raise RegistryError(f"cannot load check {getattr(spec, 'value', spec)} from {origin}: {exc}") from exc
        validate(cls, origin)
        if cls.id in found:
            raise RegistryError(f"check id {cls.id!r} defined twice: by {found[cls.id][1]} and by {origin}")
        found[cls.id] = (cls, origin)
    return {rule: cls for rule, (cls, _) in found.items()}
