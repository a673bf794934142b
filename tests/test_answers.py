"""Answers for problems (false alarm 误报, exemption 豁免): the verdict and score, the weekly
report, the notifications respect them; an exemption that expires brings the problem back;
`govwatch ack|exempt|unack` and `govwatch user` for scripts."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from conftest import govwatch, violations_json
from govwatch.config import load_config
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.demo.server import PortalServer
from reports.weekly import build_weekly, week_of
from test_notify_run import DAY, World, receiver, target  # noqa: F401 (fixture)
from workbench import answering, people


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.store.close()


def _score(store: Store, run_id: int, site: str) -> m.SiteScore:
    with store.session() as s:
        return s.query(m.SiteScore).filter_by(run_id=run_id, site=site).one()


def _visit(world: World) -> None:
    with world.store.session() as s, s.begin():
        s.add(m.SiteVisit(run_id=world.run_id, site_id=world.site_id, reached=True, completed=True))


def test_false_alarm_leaves_score_report_and_messages_and_comes_back_when_taken_back(world, receiver):
    world.write(target(f"json://127.0.0.1:{receiver.port}/all"))
    world.new_run(DAY)
    _visit(world)
    veto = world.open("message-unanswered", "veto", column="县长信箱", days=100)
    dead = world.open("dead-link", status=404)
    config = load_config(world.path)

    answering.give(world.store, config, veto, answers.FALSE_ALARM, "该留言已线下答复", by="office1")
    assert _score(world.store, world.run_id, "甲县人民政府").verdict == "合格"  # rescored at once

    world.notify()
    [digest] = receiver.at("/all")  # no veto alert: the only veto is a false alarm
    assert "新发现问题 1 个" in digest["title"] and "1.html" not in digest["message"]

    report = build_weekly(world.store, config, "2026-W47")
    assert [v.url for v in report.open] == ["http://www.jx.gov.cn/2.html"]
    [answered] = report.answered
    assert (answered.violation.url, answered.label, answered.reason, answered.by) == (
        "http://www.jx.gov.cn/1.html", "误报", "该留言已线下答复", "office1")
    assert report.sites[0].open == 1

    assert answering.take_back(world.store, config, veto, by="office1") == 1
    assert _score(world.store, world.run_id, "甲县人民政府").verdict == "不合格"
    assert [v.url for v in build_weekly(world.store, config, "2026-W47").open] == [
        "http://www.jx.gov.cn/1.html", "http://www.jx.gov.cn/2.html"]
    with world.store.session() as s:
        kinds = [h["what"] for h in answers.history(s, veto)]
        assert kinds == ["opened", "false-alarm", "revoked"]
        assert {a.action for a in s.query(m.AuditEntry)} == {"answer", "revoke"}
    assert dead


def test_an_exemption_holds_until_its_day_and_the_next_check_after_it_counts_the_problem(world):
    world.new_run(DAY)
    _visit(world)
    dead = world.open("dead-link", status=404)
    config = load_config(world.path)
    with world.store.session() as s, s.begin():
        answers.give(s, dead, answers.EXEMPTION, "专题页保留", "office1", expires=DAY + dt.timedelta(days=3))
        assert set(answers.excused(s, DAY + dt.timedelta(days=3))) == {dead}
        assert answers.excused(s, DAY + dt.timedelta(days=4)) == {}

    from checks.registry import load_checks
    from govwatch.scores import store_verdicts

    for day, score in ((DAY + dt.timedelta(days=3), 100), (DAY + dt.timedelta(days=4), 99.9)):
        world.new_run(day)
        _visit(world)
        with world.store.session() as s, s.begin():
            store_verdicts(s, config, s.get(m.Run, world.run_id), load_checks())
        assert _score(world.store, world.run_id, "甲县人民政府").score == score


def test_answers_refuse_bad_input(world):
    world.new_run(DAY)
    dead = world.open("dead-link", status=404)
    with world.store.session() as s:
        for kwargs, why in ((dict(kind="false-alarm", reason=" "), "reason"),
                            (dict(kind="exemption", reason="x"), "expiry"),
                            (dict(kind="exemption", reason="x", expires=DAY - dt.timedelta(days=1), today=DAY), "past"),
                            (dict(kind="nope", reason="x"), "unknown")):
            with pytest.raises(answers.AnswerError, match=why):
                answers.give(s, dead, by="x", **kwargs)
        with pytest.raises(answers.AnswerError, match="no problem"):
            answers.give(s, 9999, "false-alarm", "x", "x")


def test_people_rules(world):
    with world.store.session() as s, s.begin():
        people.add(s, "admin", "admin", "long enough pw")
        with pytest.raises(people.PeopleError, match="owner unit"):
            people.add(s, "dept", "department", "long enough pw")
        with pytest.raises(people.PeopleError, match="at least"):
            people.add(s, "office", "office", "short")
        people.add(s, "dept", "department", "long enough pw", owner="县教育局")
        assert people.authenticate(s, "dept", "long enough pw").owner == "县教育局"
        assert people.authenticate(s, "dept", "wrong password") is None
        assert people.authenticate(s, "ghost", "long enough pw") is None
        assert s.query(m.User).filter_by(name="dept").one().password_hash.startswith("$argon2id$")
        with pytest.raises(people.PeopleError, match="last admin"):
            people.remove(s, "admin")


def _port(sites) -> int:
    return int(load_config(sites).sites[0].url.rsplit(":", 1)[1].strip("/"))


@pytest.mark.slow
def test_cli_ack_exempt_unack_and_users_on_the_demo(demo_dir, tmp_path):
    d = tmp_path / "demo"
    shutil.copytree(demo_dir, d)
    sites = d / "sites.yaml"
    found = violations_json(sites)
    dead = next(v for v in found if v["rule"] == "dead-link" and not v["detail"].get("on_home_page"))

    def report() -> dict:
        out = tmp_path / "r.json"
        govwatch("report", "--config", str(sites), "--week", "2026-W47", "--format", "json", "--out", str(out))
        return json.loads(out.read_text("utf-8"))

    before = next(s for s in report()["sites"] if s["name"] == dead["site"])
    govwatch("ack", "--config", str(sites), str(dead["id"]), "--reason", "链接为外部系统，已确认可用", "--by", "ops")
    after = report()
    assert dead["url"] not in {v["url"] for v in after["violations"]}
    assert [(a["url"], a["answer"], a["by"]) for a in after["answered"]] == [(dead["url"], "false-alarm", "ops")]
    assert next(s for s in after["sites"] if s["name"] == dead["site"])["open"] == before["open"] - 1

    govwatch("unack", "--config", str(sites), str(dead["id"]))
    assert report()["answered"] == []
    bad = govwatch("exempt", "--config", str(sites), str(dead["id"]), "--reason", "x", "--until", "2000-01-01",
                   check=False)
    assert bad.returncode == 2 and "in the past" in bad.stderr

    # an exemption that ends tomorrow: the night after it counts the problem again
    tomorrow = load_config(sites).today() + dt.timedelta(days=1)
    govwatch("exempt", "--config", str(sites), str(dead["id"]), "--reason", "保留", "--until", tomorrow.isoformat())
    assert [a["answer"] for a in report()["answered"]] == ["exemption"]
    later = tomorrow + dt.timedelta(days=1)
    with PortalServer(d / "portal", port=_port(sites)):
        govwatch("run", "--config", str(sites), "--as-of", later.isoformat())
    out = tmp_path / "later.json"
    govwatch("report", "--config", str(sites), "--week", week_of(later), "--format", "json", "--out", str(out))
    later_report = json.loads(out.read_text("utf-8"))
    assert later_report["answered"] == [] and dead["url"] in {v["url"] for v in later_report["violations"]}

    proc = govwatch("user", "add", "--config", str(sites), "amy", "--role", "department", "--owner", "县教育局",
                    "--password-stdin", input_text="correct horse battery\n")
    assert "added department user amy" in proc.stdout
    assert govwatch("user", "list", "--config", str(sites)).stdout.splitlines() == ["amy\tdepartment\t县教育局"]
    bad = govwatch("user", "add", "--config", str(sites), "bob", "--role", "office", "--password-stdin",
                   input_text="short\n", check=False)
    assert bad.returncode == 2 and "at least 8" in bad.stderr
    govwatch("user", "remove", "--config", str(sites), "amy")
    assert govwatch("user", "list", "--config", str(sites)).stdout == ""
