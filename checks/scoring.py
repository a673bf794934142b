"""The national verdict on a site (国办秘函〔2019〕19号 指标说明).

Any open veto item (单项否决) fails the site: 不合格, and the other items are not scored.
Otherwise the 100-point deduction part (扣分指标) is scored: each rule takes ``points`` per
open problem, at most ``cap`` for the rule (单项指标扣分之和不超过本项指标总分值); the site
passes (合格) from ``pass_mark`` (60). The bonus part (加分指标, portals above 80) cannot be
judged by a crawler and is left out.

Each deduction rule declares its points on its class (``points = Points(5, 20)``, beside its
detector and its sentence; a plugin may write ``(per_problem, cap)``); one without costs
``DEFAULT`` (1 per problem, at most 5). The national per-item points could not be confirmed from
the official text (research/national-indicators.md §1.4 marks them [R]): the built-ins carry the
values seen in self-checks and provincial schemes, and every one is a sites-file setting::

    scoring:
      pass_mark: 60
      points:
        dead-link: {points: 0.1, home_points: 1, cap: 10}
        stale-column: {points: 5, cap: 20}

Warnings and veto items never cost points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.base import Check, Points

__all__ = ["DEFAULT", "FAIL", "PASS", "PLUGIN_DEFAULT", "UNDECIDED", "Points", "Problem", "Verdict", "judge",
           "points_table", "rule_points"]

PASS, FAIL, UNDECIDED = "合格", "不合格", "未判定"

DEFAULT = Points(1, 5)  # a deduction rule that declares no points (a plugin's, or one retired)
PLUGIN_DEFAULT = DEFAULT  # the name of earlier versions


@dataclass(frozen=True)
class Problem:
    rule: str
    severity: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    site: str
    verdict: str  # 合格 | 不合格 | 未判定
    score: float | None  # None when a veto decided, or nothing could be scored
    vetoes: tuple[str, ...]
    deductions: dict[str, float]
    reason: str


def rule_points(check: type[Check]) -> Points | None:
    """What an open problem of ``check`` costs: its declared ``points``, else ``DEFAULT`` for a
    deduction rule; None for veto items and warnings."""
    if check.severity != "deduction":
        return None
    declared = getattr(check, "points", None)
    if declared is None:
        return DEFAULT
    return declared if isinstance(declared, Points) else Points(*declared)


def points_table(overrides: Mapping[str, Mapping[str, float]] | None = None,
                 checks: Mapping[str, type[Check]] | None = None) -> dict[str, Points]:
    """Points per deduction rule: each check's own (``checks``: the registry's, by default),
    with the sites file's ``scoring.points`` over them."""
    if checks is None:
        from checks.registry import default_registry  # the registry imports every check module

        checks = default_registry().checks
    table = {rule: points for rule, cls in checks.items() if (points := rule_points(cls)) is not None}
    for rule, values in (overrides or {}).items():
        base = table.get(rule, DEFAULT)
        table[rule] = Points(values.get("points", base.points), values.get("cap", base.cap),
                             values.get("home_points", base.home_points))
    return table


def judge(site: str, problems: Iterable[Problem], reached: bool, table: Mapping[str, Points],
          pass_mark: float = 60) -> Verdict:
    """The verdict from a site's open problems; ``reached``: this run read the site."""
    problems = list(problems)
    vetoes = tuple(sorted({p.rule for p in problems if p.severity == "veto"}))
    if vetoes:
        return Verdict(site, FAIL, None, vetoes, {}, "单项否决：" + "、".join(vetoes))
    if not reached:
        return Verdict(site, UNDECIDED, None, (), {}, "本次未能访问网站，扣分项无法评分")
    taken: dict[str, float] = {}
    for p in problems:
        if p.severity != "deduction":
            continue
        rule = table.get(p.rule, DEFAULT)
        each = rule.home_points if rule.home_points is not None and p.detail.get("on_home_page") else rule.points
        taken[p.rule] = taken.get(p.rule, 0.0) + each
    deductions = {rule: round(min(value, table.get(rule, DEFAULT).cap), 2) for rule, value in taken.items()}
    score = round(max(0.0, 100 - sum(deductions.values())), 2)
    verdict = PASS if score >= pass_mark else FAIL
    reason = f"扣分指标得分 {score:g}" + ("" if verdict == PASS else f"，低于 {pass_mark:g} 分")
    return Verdict(site, verdict, score, (), deductions, reason)
