"""The national verdict on a site (国办秘函〔2019〕19号 指标说明).

Any open veto item (单项否决) fails the site: 不合格, and the other items are not scored.
Otherwise the 100-point deduction part (扣分指标) is scored: each rule takes ``points`` per
open problem, at most ``cap`` for the rule (单项指标扣分之和不超过本项指标总分值); the site
passes (合格) from ``pass_mark`` (60). The bonus part (加分指标, portals above 80) cannot be
judged by a crawler and is left out.

The national per-item points could not be confirmed from the official text
(research/national-indicators.md §1.4 marks them [R]); the defaults below are the values
seen in self-checks and provincial schemes, and every one is a sites-file setting::

    scoring:
      pass_mark: 60
      points:
        dead-link: {points: 0.1, home_points: 1, cap: 10}
        stale-column: {points: 5, cap: 20}

A plugin check takes part with its own ``points = (per_problem, cap)`` class attribute;
warnings never cost points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

PASS, FAIL, UNDECIDED = "合格", "不合格", "未判定"


@dataclass(frozen=True)
class Points:
    points: float  # per open problem
    cap: float  # at most this much for the rule
    home_points: float | None = None  # link rules: a problem linked from the home page


# 链接可用性: about 1 point per home-page link, a fraction elsewhere [R]; 政策文件 一级栏目
# 6 个月未更新 扣5分 (国管局 2019 self-check) [S]; the rest are provincial-scheme values.
DEFAULT_POINTS: dict[str, Points] = {
    "dead-link": Points(0.1, 10, home_points=1),
    "soft-404": Points(0.1, 10, home_points=1),
    "bad-attachment": Points(0.1, 10, home_points=1),
    "stale-column": Points(5, 20),
    "blank-column": Points(5, 20),
    "missing-metadata": Points(0.5, 5),
    "malformed-doc-number": Points(0.5, 5),
    "inconsistent-dates": Points(0.5, 5),
    "expired-but-valid": Points(1, 5),
    "interpretation-overdue": Points(1, 5),
    "interpretation-unlinked": Points(0.5, 5),
    "annual-report-overdue": Points(5, 5),
    "schedule-overdue": Points(2, 10),
    "wording-error": Points(2, 10),
    "injected-content": Points(5, 20),
    "name-variant": Points(2, 10),
    "missing-site-identity": Points(3, 3),
}
PLUGIN_DEFAULT = Points(1, 5)


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


def points_table(overrides: dict[str, dict[str, float]] | None = None,
                 plugin_points: dict[str, tuple[float, float]] | None = None) -> dict[str, Points]:
    table = dict(DEFAULT_POINTS)
    for rule, (per, cap) in (plugin_points or {}).items():
        table.setdefault(rule, Points(per, cap))
    for rule, values in (overrides or {}).items():
        base = table.get(rule, PLUGIN_DEFAULT)
        table[rule] = Points(values.get("points", base.points), values.get("cap", base.cap),
                             values.get("home_points", base.home_points))
    return table


def judge(site: str, problems: Iterable[Problem], reached: bool, table: dict[str, Points],
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
        rule = table.get(p.rule, PLUGIN_DEFAULT)
        each = rule.home_points if rule.home_points is not None and p.detail.get("on_home_page") else rule.points
        taken[p.rule] = taken.get(p.rule, 0.0) + each
    deductions = {rule: round(min(value, table.get(rule, PLUGIN_DEFAULT).cap), 2) for rule, value in taken.items()}
    score = round(max(0.0, 100 - sum(deductions.values())), 2)
    verdict = PASS if score >= pass_mark else FAIL
    reason = f"扣分指标得分 {score:g}" + ("" if verdict == PASS else f"，低于 {pass_mark:g} 分")
    return Verdict(site, verdict, score, (), deductions, reason)
