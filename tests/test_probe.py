"""`govwatch probe` against a real local server, and the availability checks over a real store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from checks.availability import SiteUnreachable, SiteUnreachableEarlyWarning
from checks.base import Note
from govwatch.config import CrawlConfig, load_config
from govwatch.lock import RunLock
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.store.view import RunView
from govwatch.testing import RunBuilder
from conftest import closed_port, govwatch
from httpserver import LocalServer, Response, redirect

UA = "GovWatchTest/1 (probe)"
SLOW = 6.0  # seconds the slow pages take; the test's probe limit is 3 s (roomy on a loaded CI machine)


PAGE = "<html><head><title>示例县人民政府</title></head><body>首页</body></html>"


def probe_server(tls: Path | None = None) -> LocalServer:
    """A home page at every path but these."""
    return LocalServer(tls=tls, default=Response(body=PAGE), routes={
        "/redirect": redirect("/fast"),
        "/slow": Response(body=PAGE, delay=SLOW),  # nothing at all until after the limit
        "/busy": Response(503, PAGE),
        "/challenge": Response(412, PAGE),
        # headers at once, the page itself after the limit
        "/trickle": Response(chunks=[b"<p>" + b"x" * 100 + b"</p>"] * 4, pause=SLOW / 4),
    })


def bad_certificate(path: Path) -> Path:
    """Self-signed, expired, and for another host: all certificate problems, none of availability."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other.example.org")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=60))
            .not_valid_after(now - dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path



@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    plain, tls = probe_server(), probe_server(tls=bad_certificate(tmp_path_factory.mktemp("tls") / "cert.pem"))
    yield plain, tls
    for server in (plain, tls):
        server.stop()


def sites_file(tmp_path: Path, plain: LocalServer, tls: LocalServer, canary: str | None = None) -> Path:
    base = plain.base
    text = f"""
crawl:
  probe_timeout: 3.0
  user_agent: "{UA}"
{f'  canary: "{canary}"' if canary else ''}
sites:
  - {{name: 快站, url: "http://{base}/fast"}}
  - {{name: 慢站, url: "http://{base}/slow"}}
  - {{name: 慢站放宽, url: "http://{base}/slow", crawl: {{probe_timeout: 10}}}}
  - {{name: 断续, url: "http://{base}/trickle"}}
  - {{name: 忙站, url: "http://{base}/busy"}}
  - {{name: 挑战, url: "http://{base}/challenge"}}
  - {{name: 跳转, url: "http://{base}/redirect"}}
  - {{name: 拒绝, url: "http://127.0.0.1:{closed_port()}/"}}
  - {{name: 坏证书, url: "https://{tls.base}/fast"}}
"""
    path = tmp_path / "sites.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def probe_rows(path: Path) -> dict[str, list[m.Probe]]:
    store = Store(load_config(path).database)
    with store.session() as s:
        out: dict[str, list[m.Probe]] = {}
        for probe, name in s.execute(select(m.Probe, m.Site.name).join(m.Site).order_by(m.Probe.id)):
            out.setdefault(name, []).append(probe)
        return out


# -- govwatch probe ------------------------------------------------------------------------------


def test_default_limit_is_15_seconds():
    assert CrawlConfig().probe_timeout == 15.0


def test_probe_records_each_site_and_exits_0_while_a_crawl_holds_the_lock(tmp_path, servers):
    plain, tls = servers
    path = sites_file(tmp_path, plain, tls, canary=f"http://{plain.base}/fast")
    started = m.utcnow()
    with RunLock(load_config(path).database):  # the nightly crawl is running
        proc = govwatch("probe", "--config", str(path), check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = {line.split("\t")[0]: line.split("\t") for line in proc.stdout.splitlines()}
    assert {name: fields[1] for name, fields in lines.items()} == {
        "快站": "ok", "慢站": "failed", "慢站放宽": "ok", "断续": "failed", "忙站": "failed", "挑战": "ok", "跳转": "ok",
        "拒绝": "failed", "坏证书": "ok"}
    assert all(fields[2].endswith("s") for fields in lines.values())

    rows = probe_rows(path)
    assert {name: len(r) for name, r in rows.items()} == {name: 1 for name in lines}  # sites rows were created
    got = {name: (r[0].ok, r[0].status, r[0].error) for name, r in rows.items()}
    assert got == {
        "快站": (True, 200, None),
        "慢站": (False, None, "timeout"),  # no response within the limit
        "慢站放宽": (True, 200, None),  # the site's own crawl.probe_timeout
        "断续": (False, None, "timeout"),  # headers in time, the page itself not
        "忙站": (False, 503, None),
        "挑战": (True, 412, "blocked"),  # a bot challenge answered at once: up for readers
        "跳转": (True, 200, None),  # redirect followed
        "拒绝": (False, None, "refused"),
        "坏证书": (True, 200, None),  # certificate problems are not unavailability
    }
    seconds = {name: r[0].seconds for name, r in rows.items()}
    assert seconds["快站"] < 3.0 and 3.0 <= seconds["慢站"] < SLOW and 3.0 <= seconds["断续"] < SLOW
    assert SLOW <= seconds["慢站放宽"] < 10
    assert all(started - dt.timedelta(seconds=1) <= r[0].at <= m.utcnow() for r in rows.values())  # UTC
    assert {r.headers.get("User-Agent") for r in plain.requests} == {UA}


def test_probe_one_site_appends_and_bad_input_exits_2(tmp_path, servers):
    plain, tls = servers
    path = sites_file(tmp_path, plain, tls)
    for _ in range(2):
        assert govwatch("probe", "--config", str(path), "--site", "快站", timeout=60).stdout.startswith("快站\tok\t")
    assert {name: len(r) for name, r in probe_rows(path).items()} == {"快站": 2}

    unknown = govwatch("probe", "--config", str(path), "--site", "无此站", check=False)
    assert unknown.returncode == 2 and "unknown site" in unknown.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("crawl: {probe_timeout: 0}\nsites: [{name: a, url: 'http://127.0.0.1/'}]\n", encoding="utf-8")
    proc = govwatch("probe", "--config", str(bad), check=False)
    assert proc.returncode == 2 and "probe_timeout" in proc.stderr


def test_a_failing_canary_records_nothing(tmp_path, servers):
    plain, tls = servers
    path = sites_file(tmp_path, plain, tls, canary=f"http://127.0.0.1:{closed_port()}/")
    proc = govwatch("probe", "--config", str(path), "--site", "拒绝", check=False, timeout=60)
    assert proc.returncode == 1 and "canary" in proc.stderr
    assert probe_rows(path) == {}


# -- the checks ----------------------------------------------------------------------------------

AS_OF = dt.date(2026, 11, 22)
# Asia/Shanghai is UTC+8: the 7 local days 2026-11-16..22 are 2026-11-15T16:00Z..2026-11-22T16:00Z
WINDOW_START = dt.datetime(2026, 11, 15, 16, 0)
WEEK = dt.timedelta(days=7)


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path}/t.db")


def add_probes(store, probes, site="县", url="http://x.gov.cn/"):
    """probes: (at UTC, ok, status, error)."""
    with store.session() as s, s.begin():
        row = s.scalar(select(m.Site).where(m.Site.name == site)) or m.Site(name=site, url=url)
        s.add(row)
        s.flush()
        s.add_all(m.Probe(site_id=row.id, at=at, ok=ok, status=status, error=error, seconds=1.0)
                  for at, ok, status, error in probes)


def spread(total, failed, start=WINDOW_START, span=WEEK, error="timeout"):
    """`total` probes evenly over the span, the first `failed` of them failed."""
    step = span / total
    return [(start + i * step, i >= failed, None, None if i >= failed else error) for i in range(total)]


def make_run(store, as_of=AS_OF, sites=("县",)):
    with RunBuilder(as_of, store=store) as run:
        for name in sites:
            run.site(name, "http://x.gov.cn/", home_status=None)
    return run.run_id


def run_check(store, check, as_of=AS_OF, sites=("县",), **params):
    run_id = make_run(store, as_of, sites)
    with store.session() as s:
        view = RunView(s, run_id, as_of, tuple(sites), timezone="Asia/Shanghai")
        return list(check.check(view, check.params(params)))


@pytest.mark.parametrize("total, failed, veto, warning", [
    (140, 7, True, False),  # exactly 5% is a veto
    (1000, 49, False, True),  # 4.9% is not, but warns
    (200, 6, False, True),  # exactly 3% warns
    (1000, 29, False, False),  # 2.9%: nothing
    (140, 140, True, False),
])
def test_ratio_boundaries(store, total, failed, veto, warning):
    add_probes(store, spread(total, failed))
    found = run_check(store, SiteUnreachable())
    assert [v.rule for v in found] == (["site-unreachable"] if veto else [])
    assert [v.rule for v in run_check(store, SiteUnreachableEarlyWarning())] == (
        ["site-unreachable-early-warning"] if warning else [])
    if veto:
        v = found[0]
        assert (v.site, v.url, v.detail["probes"], v.detail["failed"]) == ("县", "http://x.gov.cn/", total, failed)
        assert v.detail["ratio"] == round(failed / total, 4) and v.detail["days"] == 7
        json.dumps(v.detail)


def test_ratio_is_a_parameter(store):
    add_probes(store, spread(200, 6))  # 3%
    assert run_check(store, SiteUnreachable(), max_failure_ratio=0.03)
    assert not run_check(store, SiteUnreachableEarlyWarning(), warning_ratio=0.04)


def test_too_few_probes_is_a_note_not_a_verdict(store):
    add_probes(store, spread(139, 139))
    found = run_check(store, SiteUnreachable())
    assert len(found) == 1 and isinstance(found[0], Note)
    assert "139" in found[0].text and found[0].site == "县" and found[0].subject == "http://x.gov.cn/"
    assert run_check(store, SiteUnreachableEarlyWarning()) == []
    assert [v.rule for v in run_check(store, SiteUnreachable(), min_probes=100)] == ["site-unreachable"]


def test_window_is_seven_local_days_in_the_sites_timezone(store):
    late = dt.datetime(2026, 11, 21, 17, 0)  # 2026-11-22 01:00 in Shanghai
    early = dt.datetime(2026, 11, 14, 17, 0)  # 2026-11-15 01:00 in Shanghai
    overlap = spread(139, 6, start=dt.datetime(2026, 11, 15, 16, 0), span=dt.timedelta(days=6))
    add_probes(store, [*overlap, (late, False, 502, None), (early, True, 200, None)])
    # as of the 22nd: the 16th..22nd, with the late failure and without the early probe: 7/140
    veto = run_check(store, SiteUnreachable())
    assert [(v.detail["probes"], v.detail["failed"]) for v in veto] == [(140, 7)]
    assert veto[0].detail["last_failure"] == "2026-11-22T01:00:00+08:00"
    assert veto[0].detail["since"] == "2026-11-16" and veto[0].detail["until"] == "2026-11-22"
    assert veto[0].detail["errors"] == {"timeout": 6, "HTTP 502": 1}
    # as of the 21st: the 15th..21st, with the early probe, without the late failure: 6/140
    assert run_check(store, SiteUnreachable(), as_of=dt.date(2026, 11, 21)) == []
    assert [v.detail["failed"] for v in run_check(store, SiteUnreachableEarlyWarning(), as_of=dt.date(2026, 11, 21))] == [6]


def test_window_edges(store):
    edge_in = [(WINDOW_START, False, None, "dns"), (WINDOW_START + WEEK - dt.timedelta(seconds=1), False, None, "dns")]
    edge_out = [(WINDOW_START - dt.timedelta(seconds=1), False, None, "reset"), (WINDOW_START + WEEK, False, None, "reset")]
    add_probes(store, [*spread(138, 0, start=WINDOW_START + dt.timedelta(minutes=1), span=WEEK - dt.timedelta(minutes=2)),
                       *edge_in, *edge_out])
    found = run_check(store, SiteUnreachable(), max_failure_ratio=0.01)
    assert [(v.detail["probes"], v.detail["failed"], v.detail["errors"]) for v in found] == [(140, 2, {"dns": 2})]
    assert found[0].detail["first_failure"] == "2026-11-16T00:00:00+08:00"


def test_only_sites_of_the_run(store):
    add_probes(store, spread(140, 140), site="未爬取", url="http://y.gov.cn/")  # probed, not in this run
    add_probes(store, spread(140, 0))
    found = run_check(store, SiteUnreachable())
    assert found == []


def test_rechecked_needs_enough_probes(store):
    from govwatch.store.view import PreviousViolation

    previous = PreviousViolation("k", "site-unreachable", "县", "http://x.gov.cn/", None, None, "open", {})
    add_probes(store, spread(139, 0))
    check = SiteUnreachable()
    run_id = make_run(store)
    with store.session() as s:
        view = RunView(s, run_id, AS_OF, ("县",), timezone="Asia/Shanghai")
        assert check.rechecked(view, previous) is False
        # the parameters in effect for the run (the sites file's), not the defaults
        view = RunView(s, run_id, AS_OF, ("县",), timezone="Asia/Shanghai",
                       rule_params={"site-unreachable": check.params({"min_probes": 139})})
        assert check.rechecked(view, previous) is True
        assert SiteUnreachableEarlyWarning().rechecked(view, previous) is False  # default min_probes 140


def test_through_the_check_job(tmp_path):
    """The veto opens a violation with severity veto; too few probes leave a stored note."""
    from govwatch import jobs

    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n  - {name: 县, url: 'http://x.gov.cn/'}\n  - {name: 乡, url: 'http://z.gov.cn/'}\n",
                    encoding="utf-8")
    config = load_config(path)
    store = Store(config.database)
    add_probes(store, spread(140, 7))
    add_probes(store, spread(10, 0), site="乡", url="http://z.gov.cn/")
    run_id = make_run(store, sites=("县", "乡"))
    registry = {c.id: c for c in (SiteUnreachable, SiteUnreachableEarlyWarning)}
    result = jobs.check(config, store, run_id, AS_OF, registry=registry)
    assert result.counts == {"site-unreachable": 1, "site-unreachable-early-warning": 0}
    with store.session() as s:
        v = s.scalars(select(m.Violation)).one()
        assert (v.rule, v.site, v.severity, v.url) == ("site-unreachable", "县", "veto", "http://x.gov.cn/")
        notes = s.scalars(select(m.CheckNote)).all()
        assert [(n.rule, n.site) for n in notes] == [("site-unreachable", "乡")]


def test_described_for_the_checks_command():
    for cls in (SiteUnreachable, SiteUnreachableEarlyWarning):
        d = cls.describe()
        assert d["title"] and d["source"] and "## Parameters" in d["doc"] and "## Known problems" in d["doc"]
    assert SiteUnreachable.describe()["parameters"] == {"days": 7, "max_failure_ratio": 0.05, "min_probes": 140}
    assert SiteUnreachable.severity == "veto" and SiteUnreachableEarlyWarning.severity == "warning"
