"""`govwatch serve`: the workbench over real HTTP on 127.0.0.1 (uvicorn in a thread), on a
store built by the demo's real crawl. Login and roles, CSRF, session expiry, hostile crawled
text, answering, re-check of a link against a real local server, reports, exports, speed."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import statistics
import threading
import time

import httpx
import pytest
import uvicorn

from checks.registry import message
from conftest import AS_OF, govwatch
from govwatch.config import load_config
from govwatch.store import models as m
from govwatch.store.db import Store
from httpserver import LocalServer, Request, Response
from workbench import people
from workbench.app import create_app
from workbench.auth import LoginLimiter

PORTAL = "示例县人民政府"
ARCHIVE_SITE = "示例县档案馆"  # the demo's second site; its owner unit is 示例县档案馆
PASSWORD = "correct horse battery"
HOSTILE = '"><img src=x onerror=alert(1)><script>alert("pwn")</script>'


class Server:
    """The workbench app served by uvicorn on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "workbench did not start"
            time.sleep(0.02)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


def login(server: Server, name: str, password: str = PASSWORD) -> httpx.Client:
    c = server.client()
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": name, "password": password, "csrf": token})
    assert r.status_code == 303, r.text
    return c


def post(c: httpx.Client, path: str, page: str, **data) -> httpx.Response:
    """A form POST with the CSRF token of the page it is on, as a browser sends it."""
    return c.post(path, data={"csrf": csrf_of(c.get(page).text), **data})


@pytest.fixture(scope="module")
def bench(demo_dir, tmp_path_factory):
    """A copy of the demo's store with users, one hostile problem, and the served workbench."""
    d = tmp_path_factory.mktemp("bench") / "demo"
    shutil.copytree(demo_dir, d)
    config = load_config(d / "sites.yaml")
    store = Store(config.database)
    with store.session() as s, s.begin():
        people.add(s, "admin", "admin", PASSWORD)
        people.add(s, "office", "office", PASSWORD)
        people.add(s, "archive", "department", PASSWORD, owner="示例县档案馆")
        run_id = s.query(m.Run).order_by(m.Run.id.desc()).first().id
        s.add(m.Violation(key="hostile", rule="dead-link", site=PORTAL, url="javascript:alert(1)//" + HOSTILE,
                          page="http://127.0.0.1/x.html", column=HOSTILE, severity="deduction", status="open",
                          first_seen=AS_OF, last_seen=AS_OF, first_run_id=run_id, last_run_id=run_id,
                          detail={"status": 404, "pages": [{"url": "javascript:alert(2)", "anchor": HOSTILE}],
                                  "quote": HOSTILE}))
    server = Server(create_app(config, store, secret="test", limiter=LoginLimiter(attempts=3, window=60)))
    yield {"dir": d, "config": config, "store": store, "server": server}
    server.stop()
    store.close()


def test_every_page_needs_a_login(bench):
    c = bench["server"].client()
    for path in ("/", "/reports", "/problems", "/problems/1", "/people", "/problems/export.csv",
                 "/reports/2026-W47/audit.pdf"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert c.post("/problems/1/answer", data={"kind": "false-alarm", "reason": "x"}).status_code == 401
    login_page = c.get("/login")
    assert login_page.status_code == 200
    cookie = login_page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "frame-ancestors 'none'" in login_page.headers["content-security-policy"]


def test_wrong_passwords_are_refused_then_rate_limited(bench):
    with bench["store"].session() as s, s.begin():
        people.add(s, "target", "office", PASSWORD)
    c = bench["server"].client()
    for _ in range(3):
        r = c.post("/login", data={"name": "target", "password": "wrong!", "csrf": csrf_of(c.get("/login").text)})
        assert r.status_code == 401 and "不正确" in r.text
    r = c.post("/login", data={"name": "target", "password": PASSWORD, "csrf": csrf_of(c.get("/login").text)})
    assert r.status_code == 429  # even the right password, until the window passes
    assert c.get("/").status_code == 303
    login(bench["server"], "office")  # others still log in from the same address
    with bench["store"].session() as s:
        assert s.query(m.AuditEntry).filter_by(action="login-failed", user="target").count() == 3
        assert s.query(m.AuditEntry).filter_by(action="login-blocked", user="target").count() == 1
    r = c.post("/login", data={"name": "office", "password": PASSWORD})  # no CSRF token
    assert r.status_code == 403


def test_this_week_shows_verdicts_scores_runs_and_check_notes(bench):
    c = login(bench["server"], "admin")
    html = c.get("/").text
    assert PORTAL in html and ARCHIVE_SITE in html and "不合格" in html
    assert "单项否决" in html and "运行 " in html and "用时" in html
    with bench["store"].session() as s:
        note = s.query(m.CheckNote).first()
    if note is not None:
        assert note.rule in html


def test_problem_list_filters_and_pages(bench):
    c = login(bench["server"], "office")
    all_open = c.get("/problems").text
    total = int(re.search(r"共 (\d+) 个", all_open)[1])
    assert total > 5
    dead = c.get("/problems", params={"rule": "dead-link", "site": PORTAL}).text
    n_dead = int(re.search(r"共 (\d+) 个", dead)[1])
    assert 0 < n_dead < total and "死链" in dead
    assert int(re.search(r"共 (\d+) 个", c.get("/problems", params={"severity": "veto"}).text)[1]) >= 2
    assert "共 0 个" in c.get("/problems", params={"since": "2030-01-01"}).text
    bad = c.get("/problems", params={"since": "yesterday", "status": "bogus"})
    assert bad.status_code == 200 and "日期格式" in bad.text and "未知状态" in bad.text
    page2 = c.get("/problems", params={"status": "all", "page": 2}).text
    assert "第 2 / " in page2
    csv = c.get("/problems/export.csv", params={"rule": "dead-link", "site": PORTAL})
    assert csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == n_dead + 1  # header
    xlsx = c.get("/problems/export.xlsx", params={"rule": "dead-link"})
    assert xlsx.content[:2] == b"PK"
    assert c.get("/problems/export.pdf").status_code == 404


def test_problems_say_the_rules_sentence_as_the_report_does(bench):
    """The list, the problem page and the exports ask the registry for the sentence, as the weekly
    report and the notifications do (checks.registry.message)."""
    c = login(bench["server"], "office")
    with bench["store"].session() as s:
        shown = {v.rule: (v.id, message(v.rule, v.detail)) for v in s.query(m.Violation).filter(
            m.Violation.rule.in_(("stale-column", "missing-metadata", "site-unreachable")))}
    assert set(shown) == {"stale-column", "missing-metadata", "site-unreachable"}
    for rule, (vid, sentence) in shown.items():
        assert sentence and "_" not in sentence  # the rule's words, no evidence key
        assert sentence in c.get(f"/problems/{vid}").text
        assert sentence in c.get("/problems", params={"rule": rule}).text
        assert sentence in c.get("/problems/export.csv", params={"rule": rule}).content.decode("utf-8-sig")


def test_hostile_crawled_text_is_escaped_everywhere(bench):
    c = login(bench["server"], "office")
    with bench["store"].session() as s:
        vid = s.query(m.Violation).filter_by(key="hostile").one().id
    pages = [c.get("/problems", params={"rule": "dead-link"}).text, c.get(f"/problems/{vid}").text]
    csv = c.get("/problems/export.csv", params={"rule": "dead-link"}).content.decode("utf-8-sig")
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
        assert 'href="javascript:' not in html.lower()
    assert "\n=" not in csv and ",=" not in csv


def test_csrf_token_is_required_on_every_form(bench):
    c = login(bench["server"], "office")
    with bench["store"].session() as s:
        vid = s.query(m.Violation).filter_by(rule="dead-link", site=PORTAL, status="open").first().id
    assert c.post(f"/problems/{vid}/answer", data={"kind": "false-alarm", "reason": "x"}).status_code == 403
    other = login(bench["server"], "admin")
    foreign = csrf_of(other.get("/").text)  # a valid token, but of another session
    assert c.post(f"/problems/{vid}/answer", data={"kind": "false-alarm", "reason": "x", "csrf": foreign}).status_code == 403
    assert c.post("/logout", data={}).status_code == 403
    with bench["store"].session() as s:
        assert s.query(m.Answer).filter_by(violation_id=vid).count() == 0


def test_acknowledge_leaves_the_open_list_enters_the_report_appendix_and_is_reversible(bench):
    c = login(bench["server"], "office")
    with bench["store"].session() as s:
        v = s.query(m.Violation).filter_by(rule="dead-link", site=PORTAL, status="open").order_by(m.Violation.id).first()
        vid, url = v.id, v.url
    r = post(c, f"/problems/{vid}/answer", f"/problems/{vid}", kind="false-alarm", reason="外部系统链接，人工确认可用")
    assert r.status_code == 303
    detail = c.get(f"/problems/{vid}").text
    assert "已保存答复" in detail and "误报" in detail and "外部系统链接" in detail and "office" in detail
    assert f'href="/problems/{vid}"' not in c.get("/problems", params={"rule": "dead-link"}).text
    assert f'href="/problems/{vid}"' in c.get("/problems", params={"status": "acknowledged"}).text

    r = post(c, "/reports/rebuild", "/reports", week="2026-W47")
    assert r.status_code == 303
    report = json.loads(c.get("/reports/2026-W47/audit.json").content)
    assert [a["url"] for a in report["answered"]] == [url]
    assert url not in {x["url"] for x in report["violations"]}
    assert "附录一" in c.get("/reports/2026-W47/audit.html").text
    assert c.get("/reports/2026-W47/audit.pdf").content.startswith(b"%PDF")
    assert "2026-W47" in c.get("/reports").text

    r = post(c, f"/problems/{vid}/revoke", f"/problems/{vid}")
    assert "撤销答复" in c.get(f"/problems/{vid}").text
    assert f'href="/problems/{vid}"' in c.get("/problems", params={"rule": "dead-link"}).text
    exempt = post(c, f"/problems/{vid}/answer", f"/problems/{vid}", kind="exemption", reason="专题保留",
                  expires="2000-01-01")
    assert exempt.status_code == 303 and "in the past" in c.get(f"/problems/{vid}").text
    post(c, f"/problems/{vid}/answer", f"/problems/{vid}", kind="exemption", reason="专题保留", expires="2099-12-31")
    assert f'href="/problems/{vid}"' in c.get("/problems", params={"status": "exempt"}).text
    post(c, f"/problems/{vid}/revoke", f"/problems/{vid}")


def test_a_department_sees_and_answers_only_its_units_problems(bench):
    c = login(bench["server"], "archive")
    with bench["store"].session() as s:
        mine = [v.id for v in s.query(m.Violation).filter_by(site=ARCHIVE_SITE, status="open")]
        other = s.query(m.Violation).filter_by(site=PORTAL, status="open").first().id
        answered_before = s.query(m.Answer).filter_by(violation_id=other).count()
    html = c.get("/problems", params={"status": "all"}).text
    assert int(re.search(r"共 (\d+) 个", html)[1]) == len(mine) > 0
    assert PORTAL not in html.split("<tbody>")[1]
    assert c.get(f"/problems/{other}").status_code == 404
    r = post(c, f"/problems/{other}/answer", f"/problems/{mine[0]}", kind="false-alarm", reason="x")
    assert r.status_code == 404
    assert c.get("/reports").status_code == 403 and c.get("/people").status_code == 403
    csv = c.get("/problems/export.csv", params={"status": "all"}).content.decode("utf-8-sig")
    assert PORTAL not in csv and len(csv.strip().splitlines()) == len(mine) + 1
    with bench["store"].session() as s:
        assert s.query(m.Answer).filter_by(violation_id=other).count() == answered_before


def test_admin_manages_users_and_a_new_password_ends_old_sessions(bench):
    admin = login(bench["server"], "admin")
    r = post(admin, "/people/add", "/people", name="edu", role="department", owner="县教育局", password=PASSWORD)
    assert r.status_code == 303 and "edu" in admin.get("/people").text
    edu = login(bench["server"], "edu")
    assert edu.get("/").status_code == 200
    post(admin, "/people/passwd", "/people", name="edu", password="another long one")
    assert edu.get("/").status_code == 303  # its session ended
    login(bench["server"], "edu", "another long one")
    post(admin, "/people/remove", "/people", name="edu")
    assert "edu" not in admin.get("/people").text.split("<tbody>")[1].split("</tbody>")[0]
    assert "user-remove" in admin.get("/people").text  # the audit log
    assert login(bench["server"], "office").get("/people").status_code == 403


def test_sessions_expire(bench):
    app = create_app(bench["config"], bench["store"], secret="test", session_seconds=1)
    server = Server(app)
    try:
        c = login(server, "office")
        assert c.get("/").status_code == 200
        time.sleep(2.2)
        r = c.get("/")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    finally:
        server.stop()


METADATA = ('<table class="xxgk"><tr><td>索引号：</td><td>1</td><td>发文机关：</td><td>示例县人民政府</td></tr>'
            '<tr><td>发文字号：</td><td>示政发〔2026〕1号</td><td>成文日期：</td><td>2026-10-01</td></tr>'
            '<tr><td>发布日期：</td><td>2026-10-02</td></tr></table>')


class Target(LocalServer):
    """A link target whose answer the test changes: 404 until fixed."""

    PAGE = "<html><head><title>通知</title></head><body><p>正文内容</p></body></html>"

    def __init__(self):
        self.fixed = False
        super().__init__(default=Response(404, self.PAGE))
        self.route("/policy.html", self._policy)
        self.route("/doc.html", lambda req: Response(200 if self.fixed else 404, self.PAGE))

    def _policy(self, request: Request) -> str:  # always there; its metadata block only once fixed
        block = METADATA if self.fixed else '<table class="xxgk"><tr><td>索引号：</td><td>1</td></tr></table>'
        return f"<html><head><title>关于印发办法的通知</title></head><body>{block}<p>正文</p></body></html>"


def test_recheck_a_link_still_dead_then_fixed(bench):
    target = Target()
    base = f"http://127.0.0.1:{target.server_address[1]}"
    try:
        with bench["store"].session() as s, s.begin():
            run_id = s.query(m.Run).order_by(m.Run.id.desc()).first().id
            ids = []
            for key, rule, url, detail in (
                    ("recheck", "dead-link", base + "/doc.html", {"status": 404}),
                    ("recheck-meta", "missing-metadata", base + "/policy.html",
                     {"missing": ["发文机关", "发文字号", "成文日期", "发布日期"]})):
                v = m.Violation(key=key, rule=rule, site=PORTAL, url=url, page=None, column=None,
                                severity="deduction", status="open", first_seen=AS_OF, last_seen=AS_OF,
                                first_run_id=run_id, last_run_id=run_id, detail=detail)
                s.add(v)
                s.flush()
                ids.append(v.id)
        vid, meta = ids
        c = login(bench["server"], "office")
        post(c, f"/problems/{vid}/recheck", f"/problems/{vid}")
        page = c.get(f"/problems/{vid}").text
        assert "复查结果：dead（HTTP 404），问题仍存在" in page
        post(c, f"/problems/{meta}/recheck", f"/problems/{meta}")
        assert "复查结果：missing-metadata（HTTP 200），问题仍存在" in c.get(f"/problems/{meta}").text
        target.fixed = True
        post(c, f"/problems/{vid}/recheck", f"/problems/{vid}")
        page = c.get(f"/problems/{vid}").text
        assert "问题已整改" in page and "已整改" in page
        post(c, f"/problems/{meta}/recheck", f"/problems/{meta}")
        assert "问题已整改" in c.get(f"/problems/{meta}").text
        with bench["store"].session() as s:
            v = s.get(m.Violation, vid)
            assert v.status == "fixed" and v.detail["recheck"]["verdict"] == "ok"
            assert s.query(m.ViolationEvent).filter_by(violation_id=vid, event="fixed").count() == 1
            assert s.get(m.Violation, meta).status == "fixed"
            assert s.query(m.AuditEntry).filter_by(action="recheck").count() == 4
        # a rule that needs a whole column read says so instead of pretending
        with bench["store"].session() as s:
            stale = s.query(m.Violation).filter_by(rule="stale-column").first().id
        post(c, f"/problems/{stale}/recheck", f"/problems/{stale}")
        assert "下次夜间监测时复查" in c.get(f"/problems/{stale}").text
    finally:
        target.stop()


def test_serve_command_starts_and_says_how_to_add_users(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import closed_port

    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {name: 县, url: 'http://127.0.0.1:9/'}\n", encoding="utf-8")
    bad = govwatch("serve", "--config", str(sites), "--port", "70000", check=False)
    assert bad.returncode == 2
    missing = govwatch("serve", "--config", str(tmp_path / "nope.yaml"), check=False)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    port = closed_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--config", str(sites), "--port", str(port)],
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "GOVWATCH_SECRET_KEY": ""})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert (tmp_path / ".govwatch-secret").stat().st_mode & 0o077 == 0  # the session key: owner only
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "no workbench users yet" in err and "govwatch user add" in err


def test_problem_list_answers_fast_with_100000_problems(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n" + "".join(
        f"  - {{name: 站{i}, url: 'http://s{i}.gov.cn/', owner: 单位{i % 5}}}\n" for i in range(20)), encoding="utf-8")
    config = load_config(sites)
    store = Store(config.database)
    with store.session() as s, s.begin():
        run = m.Run(as_of=AS_OF, status="checked", sites=[f"站{i}" for i in range(20)])
        s.add(run)
        s.flush()
        rules = ("dead-link", "stale-column", "missing-metadata", "wording-error")
        rows = [dict(key=f"k{n}", rule=rules[n % 4], site=f"站{n % 20}", url=f"http://s{n % 20}.gov.cn/{n}.html",
                     page=None, column=f"栏目{n % 7}", severity=("veto", "deduction", "warning")[n % 3],
                     status="open" if n % 4 else "fixed", first_seen=AS_OF - dt.timedelta(days=n % 300),
                     last_seen=AS_OF, fixed_on=None, reopened=0, first_run_id=run.id, last_run_id=run.id,
                     detail={"status": 404}) for n in range(100_000)]
        s.execute(m.Violation.__table__.insert(), rows)
        people.add(s, "office", "office", PASSWORD)
        people.add(s, "dept", "department", PASSWORD, owner="单位3")
    server = Server(create_app(config, store, secret="test"))
    try:
        timings = {}
        for who in ("office", "dept"):
            c = login(server, who)
            for params in ({}, {"rule": "dead-link", "owner": "单位2", "page": 40}, {"status": "fixed", "site": "站7"}):
                c.get("/problems", params=params)  # warm
                took = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    r = c.get("/problems", params=params)
                    took.append(time.perf_counter() - t0)
                    assert r.status_code == 200 and "共 " in r.text
                timings[(who, tuple(params))] = statistics.median(took)
        print("problem list timings (s):", {k: round(v, 3) for k, v in timings.items()})
        assert max(timings.values()) < 0.3, timings
    finally:
        server.stop()
        store.close()
