"""The national verdict of each site of a checked run (国办秘函〔2019〕19号), stored as its
SiteScore: after the checks (govwatch.jobs) and again when the office answers for a problem
(workbench.answering), so both score alike. False alarms and exemptions in force do not count."""

from __future__ import annotations

from sqlalchemy import delete, select

from checks import scoring
from checks.base import Check
from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m


def store_verdicts(s, config: Config, run: m.Run, registry: dict[str, type[Check]]) -> None:
    """The national verdict per site of the run, from its open violations after the checks."""
    # each check's own points, the sites file's `scoring.points` over them
    table = scoring.points_table(
        {rule: p.model_dump(exclude_none=True) for rule, p in config.scoring.points.items()}, registry)
    reached = dict(s.execute(select(m.Site.name, m.SiteVisit.reached).join(m.SiteVisit, m.SiteVisit.site_id == m.Site.id)
                             .where(m.SiteVisit.run_id == run.id)).all())
    s.execute(delete(m.SiteScore).where(m.SiteScore.run_id == run.id))  # `check` may be run again
    problems: dict[str, list[scoring.Problem]] = {site: [] for site in run.sites}
    excused = answers.excused(s, run.as_of)  # false alarms and exemptions in force do not count
    # every site's open problems in one query, as plain rows (thousands on a first night)
    for vid, site, rule, severity, detail in s.execute(
            select(m.Violation.id, m.Violation.site, m.Violation.rule, m.Violation.severity, m.Violation.detail)
            .where(m.Violation.site.in_(run.sites), m.Violation.status == "open").order_by(m.Violation.id)):
        if vid not in excused:
            problems[site].append(scoring.Problem(rule, severity, detail))
    for site in run.sites:
        verdict = scoring.judge(site, problems[site], bool(reached.get(site)), table, config.scoring.pass_mark)
        s.add(m.SiteScore(run_id=run.id, site=site, verdict=verdict.verdict, score=verdict.score,
                          vetoes=list(verdict.vetoes), deductions=verdict.deductions))
