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
- ``subject``   what a violation is about: ``site``, ``column``, ``document``, ``link`` or
                ``account`` (checks.subjects). Re-check and "fixed" follow from it: a violation
                not found again becomes ``fixed`` only when the run looked at its subject again;
                a site, column or link the run could not reach leaves its problems open. A check
                about something else overrides ``rechecked(run, previous)``;
- ``Detail``    a frozen dataclass of its evidence (optional): a violation's ``detail`` may be
                one, and is stored as a dict (fields declared with ``optional()`` are left out
                while None: evidence only some cases have);
- ``message(detail)`` the violation's evidence as one Chinese line for reports, notifications
                and the workbench, from the stored dict (the default reads the common evidence
                keys; each built-in writes its own from checks.evidence's pieces);
- ``points``    a deduction rule's cost in the national verdict (checks.scoring): ``Points(per
                problem, cap, home_points)`` or ``(per_problem, cap)``; a deduction rule without
                one costs 1 per problem, at most 5; the sites file's ``scoring.points`` overrides;
- rules that build on another rule read that rule's parameters in effect with
  ``Other.params_in(run)``, never its defaults.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator

from checks import evidence
from checks.params import ParamError, parse as parse_params
from checks.subjects import SUBJECTS
from govwatch.store.view import PreviousViolation, RunView

SEVERITIES = ("veto", "deduction", "warning")


@dataclass(frozen=True)
class Violation:
    rule: str
    site: str
    url: str  # the subject: broken target, column's first list page, document, account
    page: str | None = None  # where it was found
    column: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)  # or the check's `Detail` dataclass
    severity: str | None = None  # None: the check's own severity

    def __post_init__(self) -> None:
        # typed evidence: a check may give its own frozen `Detail` dataclass; stored as a dict
        if dataclasses.is_dataclass(self.detail) and not isinstance(self.detail, type):
            object.__setattr__(self, "detail", _plain_detail(self.detail))

    @property
    def key(self) -> str:
        return violation_key(self.rule, self.site, self.url)


_OPTIONAL = "govwatch.optional"


def optional(default: Any = None) -> Any:
    """A ``Detail`` field some violations have and others not: left out of the stored evidence
    while None (``how: str | None = optional()``)."""
    return field(default=default, metadata={_OPTIONAL: True})


def _plain_detail(value: Any) -> Any:
    """JSON-ready: dataclasses as dicts (in field order, ``optional()`` fields that are None
    left out), tuples as lists, dates as ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain_detail(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (f.metadata.get(_OPTIONAL) and getattr(value, f.name) is None)}
    if isinstance(value, dict):
        return {k: _plain_detail(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_detail(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


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


@dataclass(frozen=True)
class Points:
    """What each open problem of a deduction rule costs in the 100-point score (checks.scoring)."""

    points: float  # per open problem
    cap: float  # at most this much for the rule (单项指标扣分之和不超过本项指标总分值)
    home_points: float | None = None  # link rules: a problem linked from the home page


class Check:
    id: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[str]
    severity: ClassVar[str] = "deduction"
    status: ClassVar[str] = "stable"  # preview | stable
    Params: ClassVar[type] = NoParams
    Detail: ClassVar[type | None] = None  # the evidence, typed (optional)
    points: ClassVar[Points | tuple[float, float] | None] = None  # deduction rules (checks.scoring)
    # parameters naming files (a str or a list of them): relative paths in the sites file are
    # resolved against the sites file's folder, as every path there is (cron starts in /)
    path_params: ClassVar[tuple[str, ...]] = ()

    def check(self, run: RunView, params: Any) -> Iterator[Violation]:
        raise NotImplementedError

    subject: ClassVar[str] = "site"  # site | column | document | link | account (checks.subjects)

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        """Whether this run looked at the violation's subject again (by ``subject``)."""
        return SUBJECTS[self.subject](run, previous)

    def message(self, detail: dict[str, Any]) -> str:
        """The violation's evidence as one Chinese line for reports, notifications and the
        workbench (e.g. 状态码 404；出现在 3 个页面), from its stored ``detail`` (a dict: rows
        written by older versions may lack newer keys). The default is the common line; override
        to say it in the rule's words (``evidence.line(evidence.field("原值", d.get("value")), ...)``,
        or ``evidence.describe(detail, lead=[...], used={keys said})``). The registry adds what
        the violation's history says (曾整改后复现 2 次)."""
        return evidence.describe(detail)

    @classmethod
    def params_in(cls, run: RunView) -> Any:
        """This rule's parameters in effect for the run (the sites file's, not the defaults), for
        the rule itself and for rules that build on it."""
        return (getattr(run, "rule_params", None) or {}).get(cls.id) or cls.Params()

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
