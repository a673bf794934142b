"""After a run: veto alerts and a digest per target, routed by owner, never the same twice.

Every message goes to a real HTTP receiver on 127.0.0.1 through apprise's json:// plugin. The
first tests build the violation history by hand (fast); the last ones run `govwatch run` on
the demo portal.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import pytest

from conftest import closed_port, govwatch
from httpserver import LocalServer
from test_e2e_demo import planted_entries
from govwatch.config import load_config
from govwatch.demo.server import PortalServer
from govwatch.jobs import CheckResult
from govwatch.store import models as m
from govwatch.store.db import Store
from reports.notify_run import notify_run

SECRET = "s3cr3tTOKEN"
DAY = dt.date(2026, 11, 22)  # a Sunday: ISO week 2026-W47


class Receiver(LocalServer):
    """A webhook receiver: the JSON of every POST, with its path and X-Token header."""

    def __init__(self, port: int = 0):
        super().__init__(port=port)
        self.messages: list[dict] = []
        self.route("/*", lambda req: self.messages.append({"path": req.path, "json": json.loads(req.body),
                                                           "token": req.headers.get("X-Token")}), methods=("POST",))

    def at(self, path: str) -> list[dict]:
        return [q["json"] for q in self.messages if q["path"] == path]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()



# -- a violation history built by hand ---------------------------------------------------------

SITES = """\
archive: reports
sites:
  - name: 甲县人民政府
    url: http://www.jx.gov.cn/
    owner: 县政务公开办
    columns:
      - {name: 县长信箱, url: /hdjl/, category: interaction, owner: 县司法局}
"""


class World:
    """A sites file with `notify:` targets and a database whose runs the test writes."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.path = directory / "sites.yaml"
        self.targets: list[str] = []
        self.write()
        self.store = Store(load_config(self.path).database)
        with self.store.session() as s, s.begin():
            site = m.Site(name="甲县人民政府", url="http://www.jx.gov.cn/")
            s.add(site)
            s.flush()
            self.site_id = site.id
        self.run_id, self.as_of, self.n = 0, DAY, 0

    def write(self, *targets: str) -> None:
        self.targets = list(targets)
        notify = "notify:\n" + "".join(targets) if targets else ""
        self.path.write_text(SITES + notify, encoding="utf-8")

    def new_run(self, as_of: dt.date, columns: dict[str, str] | None = None) -> None:
        """A checked run; `columns` maps a column seen in it to the owner the run recorded."""
        with self.store.session() as s, s.begin():
            run = m.Run(as_of=as_of, status="checked", sites=["甲县人民政府"])
            s.add(run)
            s.flush()
            for name, owner in (columns or {}).items():
                s.add(m.Column(run_id=run.id, site_id=self.site_id, name=name, url=f"http://www.jx.gov.cn/{name}/",
                               category="news", source="nav", owner=owner))
            self.run_id, self.as_of = run.id, as_of

    def open(self, rule: str, severity: str = "deduction", column: str | None = None, **detail) -> int:
        self.n += 1
        with self.store.session() as s, s.begin():
            v = m.Violation(key=f"k{self.n}", rule=rule, site="甲县人民政府", url=f"http://www.jx.gov.cn/{self.n}.html",
                            column=column, severity=severity, status="open", first_seen=self.as_of,
                            last_seen=self.as_of, first_run_id=self.run_id, last_run_id=self.run_id, detail=detail)
            s.add(v)
            s.flush()
            s.add(m.ViolationEvent(violation_id=v.id, run_id=self.run_id, event="opened", as_of=self.as_of))
            return v.id

    def set(self, vid: int, status: str) -> None:
        with self.store.session() as s, s.begin():
            v = s.get(m.Violation, vid)
            v.status, v.fixed_on = status, self.as_of if status == "fixed" else None
            event = "fixed" if status == "fixed" else "reopened"
            s.add(m.ViolationEvent(violation_id=vid, run_id=self.run_id, event=event, as_of=self.as_of))

    def notify(self) -> list[str]:
        return list(notify_run(load_config(self.path), self.store, CheckResult(self.run_id, self.as_of)))


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.store.close()


def target(url: str, **options) -> str:
    extra = "".join(f"    {k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in options.items())
    return f"  - url: {url}\n{extra}"


def test_first_run_alert_and_digest_then_nothing(world, receiver):
    hook = f"json://127.0.0.1:{receiver.port}"
    world.write(target(f"{hook}/all"), target(f"{hook}/veto", send="veto"))
    world.new_run(DAY)
    world.open("message-unanswered", "veto", column="县长信箱", days=100)
    world.open("dead-link", status=404)
    lines = world.notify()

    [alert, digest] = receiver.at("/all")
    assert alert["title"] == "【GovWatch 单项否决】甲县人民政府：留言超期未回应 1 个"
    assert "责任单位**：县司法局" in alert["message"] and "http://www.jx.gov.cn/1.html" in alert["message"]
    assert "已等待 100 天" in alert["message"] and "2.html" not in alert["message"]  # vetoes only
    assert digest["title"] == "【GovWatch】2026-11-22 监测：新发现问题 2 个（单项否决 1 个），已整改 0 个"
    assert "- 甲县人民政府：2 个（留言超期未回应 1、死链 1）" in digest["message"]
    assert "1. 【单项否决】甲县人民政府「县长信箱」· 留言超期未回应：http://www.jx.gov.cn/1.html" in digest["message"]
    assert "http://www.jx.gov.cn/2.html（状态码 404）" in digest["message"]
    assert receiver.at("/veto") == [alert]  # `send: veto`: the alert, no digest
    assert any("alert sent" in line for line in lines) and any("digest sent" in line for line in lines)

    receiver.messages.clear()
    assert all(line.endswith("nothing new") for line in world.notify())  # the same run again
    world.new_run(DAY + dt.timedelta(days=1))
    world.notify()
    assert receiver.messages == []  # nothing changed: nothing sent


def test_a_fix_is_in_the_digest_and_alerts_are_for_new_vetoes_only(world, receiver):
    world.write(target(f"json://127.0.0.1:{receiver.port}/all"))
    world.new_run(DAY)
    dead = world.open("dead-link", status=404)
    veto = world.open("homepage-stale", "veto")
    world.notify()
    receiver.messages.clear()

    world.new_run(DAY + dt.timedelta(days=1))
    world.set(dead, "fixed")
    world.set(veto, "fixed")
    world.notify()
    [digest] = receiver.at("/all")
    assert digest["title"] == "【GovWatch】2026-11-23 监测：新发现问题 0 个，已整改 2 个"
    assert "本次监测无新发现问题" in digest["message"] and "**已整改 2 个**" in digest["message"]
    assert "甲县人民政府 · 死链：http://www.jx.gov.cn/1.html" in digest["message"]

    receiver.messages.clear()
    world.new_run(DAY + dt.timedelta(days=2))
    world.set(veto, "open")  # back again: a new alert
    world.notify()
    [alert, digest] = receiver.at("/all")
    assert alert["title"].startswith("【GovWatch 单项否决】甲县人民政府：") and "新发现问题 1 个" in digest["title"]


def test_routing_by_owner(world, receiver):
    hook = f"json://127.0.0.1:{receiver.port}"
    world.write(target(f"{hook}/sfj", owners=["县司法局"]), target(f"{hook}/office", owners=["县政务公开办"]),
                target(f"{hook}/edu", owners=["县教育局"]))
    # 县长信箱's owner comes from the sites file; 教育专栏's from the run's record of the
    # column; everything else is the site's owner's
    world.new_run(DAY, columns={"教育专栏": "县教育局"})
    world.open("message-unanswered", "veto", column="县长信箱")
    world.open("stale-column", column="教育专栏")
    world.open("dead-link")
    world.notify()

    [alert, digest] = receiver.at("/sfj")
    assert "留言超期未回应" in alert["title"] and "新发现问题 1 个（单项否决 1 个）" in digest["title"]
    assert "**责任单位**：县司法局" in digest["message"] and "1.html" in digest["message"]
    [digest] = receiver.at("/edu")
    assert "新发现问题 1 个" in digest["title"] and "2.html" in digest["message"]
    [digest] = receiver.at("/office")
    assert "新发现问题 1 个" in digest["title"] and "3.html" in digest["message"]


def test_weekly_pdf_attached_when_it_exists(world, receiver):
    world.write(target(f"json://127.0.0.1:{receiver.port}/all", attach=True))
    pdf = world.dir / "reports" / "2026-W47" / "audit.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    world.new_run(DAY)
    world.open("dead-link")
    lines = world.notify()
    [digest] = receiver.at("/all")
    [att] = digest["attachments"]
    assert att["filename"] == "audit.pdf" and base64.b64decode(att["base64"]) == pdf.read_bytes()
    assert "见附件 audit.pdf（2026-W47 周报）" in digest["message"]
    assert any("with the weekly PDF" in line for line in lines)

    receiver.messages.clear()
    world.new_run(DAY + dt.timedelta(days=1))  # 2026-W48: no report written yet
    world.open("dead-link")
    lines = world.notify()
    [digest] = receiver.at("/all")
    assert digest["attachments"] == [] and "见附件" not in digest["message"]
    assert any("2026-W48/audit.pdf not found" in line for line in lines)


def test_failed_target_is_served_next_run_and_the_other_is_not_told_twice(world, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    down = closed_port()
    world.write(target(f"json://127.0.0.1:{receiver.port}/ok"),
                target(f"json://user:{SECRET}@127.0.0.1:{down}/late?+X-Token={SECRET}", name="值班"))
    world.new_run(DAY)
    world.open("homepage-stale", "veto")
    gone = world.open("dead-link")
    first = world.notify()
    assert len(receiver.at("/ok")) == 2  # the other target was served
    assert any("值班" in line and "FAILED" in line for line in first)
    assert any("failed" in r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)

    receiver.messages.clear()
    world.new_run(DAY + dt.timedelta(days=1))
    world.set(gone, "fixed")  # fixed before 值班 heard of it: reported fixed, not new
    world.open("blank-column")
    late = Receiver(down)
    try:
        second = world.notify()
        [alert, digest] = late.at("/late")
        assert "首页不更新" in alert["title"]  # missed yesterday, still true
        assert "新发现问题 2 个（单项否决 1 个），已整改 1 个" in digest["title"]
        [digest] = receiver.at("/ok")  # only what is new since its last message
        assert "新发现问题 1 个，已整改 1 个" in digest["title"]
        late.messages.clear()
        world.notify()
        assert late.messages == []
    finally:
        late.stop()
    shown = "\n".join(first + second) + caplog.text
    assert SECRET not in shown
    with world.store.session() as s:
        assert all(SECRET not in t.label for t in s.query(m.NotifyTarget))


def test_a_target_added_later_gets_no_backlog(world, receiver):
    hook = f"json://127.0.0.1:{receiver.port}"
    world.write(target(f"{hook}/old"))
    world.new_run(DAY)
    world.open("homepage-stale", "veto")
    world.notify()

    world.write(target(f"{hook}/old"), target(f"{hook}/new", name="新同事"))
    world.new_run(DAY + dt.timedelta(days=1))
    world.open("dead-link")
    receiver.messages.clear()
    world.notify()
    [digest] = receiver.at("/new")  # the veto of the first run is not news to it
    assert "新发现问题 1 个，" in digest["title"]

    # removed while a run notified the others, then back: those runs are not its backlog
    world.write(target(f"{hook}/old"))
    world.new_run(DAY + dt.timedelta(days=2))
    world.open("blank-column")
    world.notify()
    world.write(target(f"{hook}/old"), target(f"{hook}/new", name="新同事"))
    world.new_run(DAY + dt.timedelta(days=3))
    world.open("stale-column")
    receiver.messages.clear()
    world.notify()
    [digest] = receiver.at("/new")
    assert "新发现问题 1 个，" in digest["title"] and "栏目不更新" in digest["message"]


def test_same_name_targets_are_kept_apart(world, receiver, caplog):
    hook = f"json://127.0.0.1:{receiver.port}"
    world.write(target(f"{hook}/a", name="办公室"), target(f"{hook}/b", name="办公室"))
    world.new_run(DAY)
    world.open("dead-link")
    world.notify()
    assert len(receiver.at("/a")) == len(receiver.at("/b")) == 1
    assert "give each its own `name`" in caplog.text


# -- the whole command -------------------------------------------------------------------------


def split(messages: list[dict]) -> tuple[list[dict], list[dict]]:
    """(alerts, digests) by title."""
    alerts = [d for d in messages if d["title"].startswith("【GovWatch 单项否决】")]
    return alerts, [d for d in messages if d not in alerts]


def _demo_copy(demo_dir: Path, tmp_path: Path) -> tuple[Path, Path, int]:
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    (directory / "govwatch.db").unlink()
    sites = directory / "sites.yaml"
    text = sites.read_text("utf-8").replace("    category: interaction\n",
                                            "    category: interaction\n    owner: 县司法局\n")
    sites.write_text(text, "utf-8")
    return directory, sites, int(text.split("127.0.0.1:")[1].split("/")[0])


@pytest.mark.slow
def test_run_alerts_digests_and_never_repeats(demo_dir, tmp_path):
    directory, sites, portal_port = _demo_copy(demo_dir, tmp_path)
    receiver, down = Receiver(), closed_port()
    hook = f"json://127.0.0.1:{receiver.port}"
    with sites.open("a", encoding="utf-8") as f:
        f.write(f"notify:\n  - url: {hook}/all?+X-Token={SECRET}\n    attach: true\n"
                f"  - url: {hook}/sfj\n    owners: [县司法局]\n"
                f"  - url: json://user:{SECRET}@127.0.0.1:{down}/late\n")
    late = None
    try:
        with PortalServer(directory / "portal", port=portal_port):
            first = govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")  # exit 0 despite /late
            # a fresh database has no availability probes: site-unreachable is not judged yet
            planted = [p for p in planted_entries(directory) if p["rule"] != "site-unreachable"]
            veto_sites = {p.get("site", "示例县人民政府") for p in planted if p.get("severity") == "veto"}
            alerts, [digest] = split(receiver.at("/all"))
            assert len(alerts) == len(veto_sites)  # one alert per site
            assert "【GovWatch 单项否决】示例县人民政府：留言超期未回应 1 个" in [a["title"] for a in alerts]
            vetoes = sum(p.get("severity") == "veto" for p in planted)
            assert f"新发现问题 {len(planted)} 个（单项否决 {vetoes} 个）" in digest["title"]
            assert "示例县人民政府" in digest["message"] and "http://127.0.0.1:" in digest["message"]
            pdf = directory / "reports" / "2026-W47" / "audit.pdf"  # written by the demo
            assert base64.b64decode(digest["attachments"][0]["base64"]) == pdf.read_bytes()
            assert all(q["token"] == SECRET for q in receiver.messages if q["path"] == "/all")
            [alert], [sfj] = split(receiver.at("/sfj"))  # 县长信箱 belongs to 县司法局
            assert "留言超期未回应" in alert["title"] and "新发现问题 1 个（单项否决 1 个）" in sfj["title"]
            assert "FAILED" in first.stderr

            late, sent = Receiver(down), len(receiver.messages)
            second = govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
            assert len(receiver.messages) == sent  # nothing changed: nothing more
            alerts, [digest] = split(late.at("/late"))  # what it missed in the first run
            assert len(alerts) == len(veto_sites) and f"新发现问题 {len(planted)} 个" in digest["title"]

            shutil.copy(directory / "portal" / "uploads" / "2026" / "form.pdf",
                        directory / "portal" / "uploads" / "2026" / "notice-attachment.pdf")
            third = govwatch("run", "--config", str(sites), "--as-of", "2026-11-24")
            assert len(receiver.messages) == sent + 1
            fixed = receiver.messages[-1]["json"]
            assert "已整改 1 个" in fixed["title"] and "notice-attachment.pdf" in fixed["message"]
            assert fixed["attachments"] == []  # 2026-W48 has no report yet
            assert "audit.pdf not found" in third.stderr
            assert len(receiver.at("/sfj")) == 2 and "已整改 1 个" in late.messages[-1]["json"]["title"]
        sent = len(receiver.messages) + len(late.messages)
        again = govwatch("check", "--config", str(sites))  # `check` notifies too: nothing new here
        assert len(receiver.messages) + len(late.messages) == sent and "nothing new" in again.stderr
        for proc in (first, second, third, again):
            assert SECRET not in proc.stdout + proc.stderr  # tokens never printed
    finally:
        receiver.stop()
        if late:
            late.stop()
