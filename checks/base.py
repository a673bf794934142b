"""The Check API: what a rule is, what it yields, and how a run decides "fixed".

A check is a class (built-in or plugin) with:

- ``id``        kebab-case rule id naming the problem (``dead-link``), used in every output;
- ``title``     Chinese title for reports (``死链``);
- ``source``    the indicator or regulation it enforces;
- ``severity``  ``veto``, ``deduction`` or ``warning``;
- ``Params``    a frozen dataclass of parameters with their defaults (overridable under
                ``rules:`` in the sites file);
- a docstring with the sections What it checks / Why it matters / Parameters / Known problems;
- ``check(run, params)`` yielding ``Violation``s from the read-only run view, never fetching,
  and a ``Note`` for whatever it could not decide (an unknown calendar year, too few probes):
  the note is stored with the run and shown in reports, and nothing is reported for that case;
- ``rechecked(run, previous)`` saying whether this run looked at a previous violation's subject
  again. Only then can a violation that was not found again become ``fixed``: a site, column
  or link the run could not reach leaves its problems open.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator

from checks.params import ParamError, parse as parse_params
from crawler.store.view import PreviousViolation, RunView

SEVERITIES = ("veto", "deduction", "warning")


@dataclass(frozen=True)
class Violation:
    rule: str
    site: str
    url: str  # the subject: broken target, column's first list page, document, account
    page: str | None = None  # where it was found
    column: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    severity: str | None = None  # None: the check's own severity

    @property
    def key(self) -> str:
        return violation_key(self.rule, self.site, self.url)


@dataclass(frozen=True)
class Note:
    """Why a check could not decide something in this run (DESIGN: never a silent nothing)."""

    text: str
    site: str | None = None
    subject: str | None = None  # the URL it concerns, if one


def violation_key(rule: str, site: str, url: str) -> str:
    return hashlib.sha1(f"{rule}\x00{site}\x00{url}".encode()).hexdigest()


@dataclass(frozen=True)
class NoParams:
    pass


class Check:
    id: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]
    severity: ClassVar[str] = "deduction"
    status: ClassVar[str] = "stable"  # preview | stable
    Params: ClassVar[type] = NoParams
    # parameters naming files (a str or a list of them): relative paths in the sites file are
    # resolved against the sites file's folder, as every path there is (cron starts in /)
    path_params: ClassVar[tuple[str, ...]] = ()

    def check(self, run: RunView, params: Any) -> Iterator[Violation]:
        raise NotImplementedError

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        """Default: the run crawled the violation's site to the end."""
        site = run.site(previous.site)
        return bool(site and site.completed)

    # -- parameters -----------------------------------------------------------------------

    @classmethod
    def params(cls, overrides: dict[str, Any] | None = None) -> Any:
        """The Params instance with the sites file's overrides; ValueError lists every problem."""
        params, errors = cls.param_errors(overrides)
        if errors:
            raise ValueError("; ".join(e.text for e in errors))
        return params

    @classmethod
    def param_errors(cls, overrides: dict[str, Any] | None = None) -> tuple[Any, list[ParamError]]:
        """(Params, []) or (None, every problem of the overrides) -- checks.params.parse."""
        return parse_params(cls.Params, overrides)

    @classmethod
    def describe(cls) -> dict[str, Any]:
        params = cls.Params()
        return {
            "id": cls.id,
            "title": cls.title,
            "source": cls.source,
            "severity": cls.severity,
            "status": cls.status,
            "parameters": {f.name: _plain(getattr(params, f.name)) for f in dataclasses.fields(params)},
            "summary": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "",
            "doc": _dedent(cls.__doc__ or ""),
        }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)
