"""The national verdict: veto items fail a site, otherwise 100 minus capped deductions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from checks import scoring
from checks.base import Check
from checks.registry import load_checks
from checks.scoring import Problem, judge, points_table
from govwatch import jobs
from govwatch.config import ConfigError, load_config
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.testing import RunBuilder

TABLE = points_table()


def test_a_veto_fails_the_site_whatever_the_score():
    v = judge("县", [Problem("homepage-stale", "veto"), Problem("dead-link", "deduction")], True, TABLE)
    assert (v.verdict, v.score, v.vetoes) == ("不合格", None, ("homepage-stale",))


def test_deductions_are_capped_per_rule_and_home_page_links_cost_more():
    problems = [Problem("dead-link", "deduction", {"on_home_page": True})] * 3 + [Problem("dead-link", "deduction")] * 4
    v = judge("县", problems, True, TABLE)
    assert v.deductions == {"dead-link": 3.4} and v.score == 96.6 and v.verdict == "合格"
    many = [Problem("stale-column", "deduction")] * 9  # 45 points, capped at 20
    assert judge("县", many, True, TABLE).deductions == {"stale-column": 20}


@pytest.mark.parametrize("columns, verdict", [(8, "合格"), (9, "不合格")])
def test_pass_mark_boundary(columns, verdict):
    # stale-column: 5 each, cap 20; blank-column likewise: 40 points off is exactly 60
    table = points_table({"stale-column": {"cap": 100}})
    problems = [Problem("stale-column", "deduction")] * columns
    assert judge("县", problems, True, table).verdict == verdict


def test_warnings_cost_nothing_and_unknown_rules_use_the_plugin_default():
    v = judge("县", [Problem("link-timeout", "warning"), Problem("local-rule", "deduction")], True, TABLE)
    assert v.deductions == {"local-rule": scoring.DEFAULT.points}

    class Local(Check):
        """A plugin's deduction rule with its own points."""

        id, title, source, severity, points = "local-rule", "本地规则", "示例", "deduction", (2, 4)

    class Silent(Local):
        """One without."""

        id, points = "silent-rule", None

    table = points_table(checks={**load_checks(plugins=False), "local-rule": Local, "silent-rule": Silent})
    assert table["local-rule"] == scoring.Points(2, 4) and table["silent-rule"] == scoring.DEFAULT
    # the sites file's scoring.points still has the last word
    assert points_table({"local-rule": {"cap": 10}}, checks={"local-rule": Local})["local-rule"] == scoring.Points(2, 10)


# The points of the release before they moved onto the checks (scoring.DEFAULT_POINTS): the verdicts
# of a sites file without `scoring:` stay what they were.
EARLIER = {
    "dead-link": (0.1, 10, 1), "soft-404": (0.1, 10, 1), "bad-attachment": (0.1, 10, 1), "stale-column": (5, 20, None),
    "blank-column": (5, 20, None), "missing-metadata": (0.5, 5, None), "malformed-doc-number": (0.5, 5, None),
    "inconsistent-dates": (0.5, 5, None), "expired-but-valid": (1, 5, None), "interpretation-overdue": (1, 5, None),
    "interpretation-unlinked": (0.5, 5, None), "annual-report-overdue": (5, 5, None), "schedule-overdue": (2, 10, None),
    "wording-error": (2, 10, None), "injected-content": (5, 20, None), "name-variant": (2, 10, None),
    "missing-site-identity": (3, 3, None), "account-unreachable": (1, 5, None),  # it had the default
}


def test_each_deduction_rule_declares_its_points_on_its_check():
    checks = load_checks(plugins=False)
    for rule, cls in checks.items():
        assert (cls.points is not None) == (cls.severity == "deduction"), rule
    assert {r: (p.points, p.cap, p.home_points) for r, p in points_table(checks=checks).items()} == EARLIER


def test_an_unreached_site_is_not_scored_unless_a_veto_decides():
    assert judge("县", [Problem("dead-link", "deduction")], False, TABLE).verdict == "未判定"
    assert judge("县", [Problem("site-unreachable", "veto")], False, TABLE).verdict == "不合格"


def _config(tmp_path, extra=""):
    path = tmp_path / "sites.yaml"
    path.write_text(f"database: sqlite:///{tmp_path}/t.db\nsites:\n  - name: 县\n    url: http://x.gov.cn/\n{extra}",
                    encoding="utf-8")
    return load_config(path)


def _run(store, as_of=dt.date(2026, 11, 22), columns=()):
    with RunBuilder(as_of, store=store) as run:
        run.site("县", "http://x.gov.cn/", home_status=None)
        for i, newest in enumerate(columns):
            run.column("县", f"要闻{i}", f"http://x.gov.cn/c{i}/", "news", source="nav", newest=newest)
        return run.run_id


def test_verdicts_are_stored_per_run_with_the_sites_file_points(tmp_path):
    config = _config(tmp_path, "scoring:\n  pass_mark: 95\n  points:\n    stale-column: {points: 3}\n"
                               "rules:\n  annual-report-overdue: {enabled: false}\n")
    store = Store(config.database)
    old = dt.date(2026, 10, 1)
    run_id = _run(store, columns=[old, old])
    jobs.check(config, store, run_id)
    with store.session() as s:
        row = s.scalar(select(m.SiteScore).where(m.SiteScore.run_id == run_id))
        # two stale columns at the sites file's 3 points: 94, below its pass mark of 95
        assert (row.verdict, row.score, row.deductions, row.vetoes) == ("不合格", 94.0, {"stale-column": 6.0}, [])
    jobs.check(config, store, run_id)  # checking the same run again replaces its verdict
    with store.session() as s:
        assert len(s.scalars(select(m.SiteScore).where(m.SiteScore.run_id == run_id)).all()) == 1


def test_scoring_of_an_unknown_rule_names_its_line(tmp_path):
    config = _config(tmp_path, "scoring:\n  points:\n    no-such-rule: {points: 1}\n")
    with pytest.raises(ConfigError, match=r"sites.yaml:7: scoring.points.no-such-rule: unknown rule"):
        jobs.check(config, Store(config.database), _run(Store(config.database)))
