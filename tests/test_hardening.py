"""Fault injection: a bad night must never clear real problems or invent new ones (issue 16).

Each test crawls a real local portal (govwatch.demo.server) with the installed command."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import closed_port, govwatch, violations_json
from govwatch.demo.server import PortalServer
from hardsite import last_visit, page, runs, sites_file, write_home, write_site
from httpserver import LocalServer, Request, Response

pytestmark = pytest.mark.slow

BAD_HREFS = ("http://www.xx.gov.cn：8080/", "http://www.xx.gov.cn:99999/", "http://www.xx.gov.cn:8O8O/", "http://[::1")


def _problems(sites: str, *skip: str) -> set[tuple[str, str]]:
    return {(v["rule"], v["url"]) for v in violations_json(sites) if v["rule"] not in skip}


def test_a_malformed_href_is_one_warning_never_a_lost_page(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = _problems(sites)
        pages = last_visit(tmp_path)["pages"]
        assert ("stale-column", f"{server.url}zcwj/") in before
        write_home(root, "".join(f'<a href="{h}">坏链接{i}</a>' for i, h in enumerate(BAD_HREFS)))
        govwatch("run", "--config", sites, "--as-of", "2026-11-24")
    visit = last_visit(tmp_path)
    assert visit["pages"] == pages and visit["completed"]
    assert _problems(sites, "malformed-link") == before  # nothing fixed, nothing invented
    found = {v["url"]: v for v in violations_json(sites) if v["rule"] == "malformed-link"}
    assert set(found) == set(BAD_HREFS)
    for v in found.values():
        assert v["severity"] == "warning" and v["page"] == server.url and v["detail"]["note"]


def test_a_failed_write_fails_the_run_which_is_never_checked(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = violations_json(sites)
        # the disk fills up halfway through the next night
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            conn.execute("create trigger disk_full before insert on links when (select count(*) from links "
                         "where run_id = new.run_id) >= 10 begin select raise(abort, 'database or disk is full'); end")
        proc = govwatch("run", "--config", sites, "--as-of", "2026-11-24", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "database or disk is full" in proc.stderr and "will not be checked" in proc.stderr
    assert "Traceback" not in proc.stderr
    (last_id, status) = runs(tmp_path)[-1]
    assert status == "failed"
    assert violations_json(sites) == before  # nothing opened, fixed or moved on
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        assert conn.execute("select count(*) from site_scores where run_id = ?", (last_id,)).fetchone()[0] == 0
    # and it cannot be checked by hand either (issue 16, item 4)
    refused = govwatch("check", "--config", sites, "--run", str(last_id), check=False)
    assert refused.returncode == 2 and f"run {last_id} is failed" in refused.stderr


def test_check_refuses_an_aborted_or_missing_run(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    before = violations_json(sites)
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:  # as a killed run leaves it, found by the next
        conn.execute("insert into runs (as_of, started_at, status, sites, stats) values ('2026-11-24', '2026-11-24 01:00:00', 'aborted', '[\"县\"]', '{}')")
        aborted = conn.execute("select max(id) from runs").fetchone()[0]
    for run_id, said in ((aborted, f"run {aborted} is aborted"), (999, "there is no run 999")):
        proc = govwatch("check", "--config", sites, "--run", str(run_id), check=False)
        assert proc.returncode == 2 and said in proc.stderr and "Traceback" not in proc.stderr
    assert violations_json(sites) == before


def test_max_pages_caps_the_pages_parsed_and_says_so(tmp_path):
    root = tmp_path / "portal"
    write_site(root, articles=20)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url, ", max_pages: 3")
        out = govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    visit = last_visit(tmp_path)
    cover = visit["coverage"]
    assert visit["pages"] == cover["read"] == 3  # home, and two of the three columns
    assert cover["limits"]["max_pages"] > 0 and not cover["complete"]
    assert "(max_pages)" in out.stderr
    # the column it could not read is unread, never blank
    assert not [v for v in violations_json(sites) if v["rule"] == "blank-column"]
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        assert ("unread", "not read tonight: max_pages reached") in conn.execute("select kind, error from columns").fetchall()


IPV6_PAGE = "<html><head><title>IPv6</title></head><body>只在 IPv6 上应答的页面</body></html>"


def test_ipv6_links_are_fetched_not_dead(tmp_path):
    v6 = LocalServer("::1", default=Response(404, IPV6_PAGE), routes={"/ok.html": IPV6_PAGE})
    good, gone = f"{v6.url}ok.html", f"{v6.url}gone.html"
    root = tmp_path / "portal"
    write_site(root, home_extra=f'<a href="{good}">IPv6</a><a href="{gone}">IPv6 gone</a>')
    try:
        with PortalServer(root) as server:
            sites = sites_file(tmp_path, server.url)
            govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    finally:
        v6.stop()
    dead = {v["url"] for v in violations_json(sites) if v["rule"] == "dead-link"}
    assert gone in dead and good not in dead
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        assert conn.execute("select verdict from link_checks where url = ?", (good,)).fetchone() == ("ok",)


def test_console_says_one_line_per_problem_and_no_traceback(tmp_path):
    closed = closed_port()
    root = tmp_path / "portal"
    write_site(root, home_extra=f'<a href="http://127.0.0.1:{closed}/x.html">拒绝连接</a>')
    with PortalServer(root) as server:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"""database: sqlite:///govwatch.db
sites:
  - {{name: 县, url: "{server.url}"}}
  - {{name: 关站, url: "http://127.0.0.1:{closed}/"}}
crawl: {{delay: 0, concurrency: 4}}
""", "utf-8")
        proc = govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
    err = proc.stderr
    assert "Traceback" not in err and "Deprecat" not in err and "Warning" not in err, err
    # the run's notes (rules that could not judge the unreached site) follow the summary, indented
    lines = [line for line in err.splitlines() if not line.startswith("  ")]
    assert len([line for line in lines if "关站" in line]) == 1, err
    assert len(lines) <= 5, err  # crawled, not reached, checked, (notes:)
    assert ("dead-link", f"http://127.0.0.1:{closed}/x.html") in _problems(str(sites))


def _wait_for(predicate, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _stopped_by_sigterm(proc: subprocess.Popen, seconds: float = 15) -> tuple[float, str]:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("SIGTERM did not stop govwatch") from None
    return time.monotonic() - started, err


def test_sigterm_during_the_crawl_stops_it_and_leaves_the_run_aborted(tmp_path):
    root = tmp_path / "portal"
    write_site(root, articles=30)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = violations_json(sites)
        slow = sites_file(tmp_path, server.url, ", total_concurrency: 1").replace("delay: 0,", "delay: 0.3,")
        Path(slow).write_text(Path(slow).read_text("utf-8").replace("delay: 0,", "delay: 0.3,"), "utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", slow, "--as-of", "2026-11-24",
                                 "--full"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        hits = sum(server.hits.values())
        _wait_for(lambda: sum(server.hits.values()) > hits + 5)
        took, err = _stopped_by_sigterm(proc)
    assert proc.returncode == 1 and "stopped by SIGTERM" in err and "Traceback" not in err, err
    assert took < 10
    assert runs(tmp_path)[-1][1] == "aborted"
    assert violations_json(sites) == before


def _trickling_hook() -> LocalServer:
    """A webhook that never finishes its answer: one header line every half second."""
    hook = LocalServer()
    hook.called = threading.Event()

    def trickle(request: Request) -> Response:
        hook.called.set()
        lines = [b"HTTP/1.1 200 OK\r\n", *(f"X-Wait-{i}: 1\r\n".encode() for i in range(240))]
        return Response(raw=True, chunks=lines, pause=0.5)

    return hook.route("/*", trickle, methods=("POST",))


def test_sigterm_after_the_crawl_stops_govwatch_promptly(tmp_path):
    hook = _trickling_hook()
    root = tmp_path / "portal"
    write_site(root)
    try:
        with PortalServer(root) as server:
            sites = sites_file(tmp_path, server.url, top=f"notify:\n  - url: json://127.0.0.1:{hook.port}/hook\n")
            proc = subprocess.Popen([sys.executable, "-m", "crawler", "run", "--config", sites, "--as-of", "2026-11-23"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert hook.called.wait(120), "no notification was sent"
            took, err = _stopped_by_sigterm(proc)
    finally:
        hook.stop()
    assert proc.returncode == 1 and "stopped by SIGTERM" in err and "Traceback" not in err, err
    assert took < 10


def test_secrets_come_from_the_environment_and_are_never_shown_or_stored(tmp_path):
    token = "Tk9f3hG7qPzX2mLw"
    hook = LocalServer().route("/*", None, methods=("POST",))
    root = tmp_path / "portal"
    write_site(root)
    try:
        with PortalServer(root) as server:
            notify = f"notify:\n  - url: json://${{HOOK_TOKEN}}@127.0.0.1:{hook.port}/hook\n"
            sites = sites_file(tmp_path, server.url, top=notify)
            text = Path(sites).read_text("utf-8")
            assert token not in text
            missing = govwatch("run", "--config", sites, "--as-of", "2026-11-23", check=False)
            assert missing.returncode == 2 and "sites.yaml:3: notify[0].url: environment variable HOOK_TOKEN is not set" \
                in missing.stderr, missing.stderr
            out = govwatch("run", "--config", sites, "--as-of", "2026-11-23", env={"HOOK_TOKEN": token})
    finally:
        hook.stop()
    auth = [r.headers.get("Authorization") or "" for r in hook.requests if r.method == "POST"]
    assert auth, "the webhook got nothing"  # the token went where it belongs
    assert token not in out.stdout + out.stderr and "json://***@127.0.0.1" in out.stderr
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        ref = f"*{chr(96 + i)}"
        levels.append(f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join([ref] * 10)}]")
    path = tmp_path / "sites.yaml"
    path.write_text("\n".join(levels) + "\nsites: *i\n", "utf-8")
    started = time.monotonic()
    proc = govwatch("violations", "--config", str(path), check=False, timeout=60)
    assert proc.returncode == 2 and "expands to more than" in proc.stderr, proc.stderr
    assert time.monotonic() - started < 30


MAINTENANCE = ('<html><head><meta charset="utf-8"><title>系统维护中</title></head><body>'
               '<p>系统维护中，请稍后访问。</p><p>2026-11-24</p></body></html>')


def test_a_maintenance_home_page_is_a_site_not_reached_and_fixes_nothing(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = violations_json(sites)
        assert ("stale-column", f"{server.url}zcwj/") in _problems(sites)
        home = (root / "index.html").read_text("utf-8")
        (root / "index.html").write_text(MAINTENANCE, "utf-8")
        out = govwatch("run", "--config", sites, "--as-of", "2026-11-24")
        (root / "index.html").write_text(home, "utf-8")  # the next night the site is back
        govwatch("run", "--config", sites, "--as-of", "2026-11-25")
        after = violations_json(sites)
    assert "not reached (not the site: 维护中)" in out.stderr, out.stderr
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        night2 = conn.execute("select reached, completed from site_visits where run_id = 2").fetchone()
        events = conn.execute("select event from violation_events where run_id = 2").fetchall()
    assert night2 == (0, 0) and events == []  # nothing fixed, nothing opened
    assert {(v["rule"], v["url"], v["status"]) for v in after} == {(v["rule"], v["url"], v["status"]) for v in before}


def test_a_collapsed_night_fixes_nothing_opens_nothing_and_says_why(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = violations_json(sites)
        # the CMS publishes every list empty for a night (inside the normal template)
        lists = {c: (root / c / "index.html").read_text("utf-8") for c in ("tzgg", "gzdt", "zcwj")}
        for column in lists:
            (root / column / "index.html").write_text(page("栏目", '<ul class="list"></ul><p>暂无信息</p>'), "utf-8")
        out = govwatch("run", "--config", sites, "--as-of", "2026-11-24")
        held = violations_json(sites)
        govwatch("report", "--config", sites, "--week", "2026-W48", "--format", "html", "--out", str(tmp_path / "r.html"))
        # a second night as small is the site's new shape: judged (the empty lists are blank)
        govwatch("run", "--config", sites, "--as-of", "2026-11-25")
        assert last_visit(tmp_path)["completed"]
        assert {v["url"] for v in violations_json(sites) if v["rule"] == "blank-column"} == {
            f"{server.url}{c}/" for c in lists}
    assert "coverage collapsed: pages audited fell from" in out.stderr, out.stderr
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        completed, cover = conn.execute("select completed, coverage from site_visits where run_id = 2").fetchone()
    assert not completed and json.loads(cover)["hold"].startswith("coverage collapsed")
    assert {(v["rule"], v["url"], v["status"]) for v in held} == {(v["rule"], v["url"], v["status"]) for v in before}
    assert not [v for v in held if v["rule"] == "blank-column"]
    assert "覆盖面较上次骤减" in (tmp_path / "r.html").read_text("utf-8")


def test_a_public_sites_links_to_private_addresses_are_a_warning_not_a_request(tmp_path):
    root, inner = tmp_path / "portal", tmp_path / "inner"
    inner.mkdir()
    (inner / "x.html").write_text(page("内网", "<p>内网页面</p>"), "utf-8")
    proxy = _Proxy()
    try:
        with PortalServer(inner) as intranet:
            port = intranet.port
            private = (f"http://127.0.0.1:{port}/x.html", "http://169.254.169.254/latest/meta-data/",
                       "http://[::1]:9/x", f"http://localhost:{port}/x.html")  # the last one by its name
            write_site(root, home_extra="".join(f'<a href="{u}">内网{i}</a>' for i, u in enumerate(private)))
            with PortalServer(root) as server:
                # a public site, as the test can have one: a name only the proxy knows
                proxy.portal = server.url
                sites = sites_file(tmp_path, "http://www.example-county.gov.cn/",
                                   f", proxy: '{proxy.url.rstrip('/')}'")
                govwatch("run", "--config", sites, "--as-of", "2026-11-23")
                assert intranet.hits == {}
                found = {v["url"] for v in violations_json(sites) if v["rule"] == "link-private-address"}
                assert found == set(private)
                # the sites file may allow them
                Path(sites).write_text(Path(sites).read_text("utf-8").replace("robots: false", "robots: false, "
                                                                              "private_addresses: true"), "utf-8")
                govwatch("run", "--config", sites, "--as-of", "2026-11-24")
                assert intranet.hits.get("/x.html")
    finally:
        proxy.stop()


def test_bad_database_urls_and_empty_weeks_are_said_plainly(tmp_path):
    for url, said in (("notadb://x", "'notadb' is not a database kind"),
                      ("postgresql+nosuchdriver://u@h/db", "is not a database kind")):
        path = tmp_path / "sites.yaml"
        path.write_text(f'database: {url}\nsites:\n  - {{name: a, url: "http://127.0.0.1:9/"}}\n', "utf-8")
        proc = govwatch("violations", "--config", str(path), check=False)
        assert proc.returncode == 2 and "sites.yaml:1: database:" in proc.stderr and said in proc.stderr, proc.stderr
    path.write_text('sites:\n  - {name: a, url: "http://127.0.0.1:9/"}\n', "utf-8")
    proc = govwatch("report", "--config", str(path), "--week", "2020-W01", "--format", "json",
                    "--out", str(tmp_path / "r.json"))
    assert "no run in or before 2020-W01" in proc.stderr


def test_fail_on_gives_monitoring_an_exit_code(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23", "--fail-on", "veto,degraded,incomplete")
        late = govwatch("run", "--config", sites, "--as-of", "2026-12-31", "--fail-on", "veto", check=False)
        assert late.returncode == 3 and "fail-on veto: 县 (" in late.stderr and "homepage-stale" in late.stderr
        bad = govwatch("run", "--config", sites, "--fail-on", "sometimes", check=False)
        assert bad.returncode == 2 and "sometimes" in bad.stderr
        Path(sites).write_text(Path(sites).read_text("utf-8").replace("robots: false", "robots: false, max_pages: 3"),
                               "utf-8")
        cut = govwatch("run", "--config", sites, "--as-of", "2026-11-24", "--fail-on", "incomplete", check=False)
        assert cut.returncode == 3 and "fail-on incomplete: 县" in cut.stderr


# a genuine 200 MiB PDF: its headers say so, its body starts like one and goes on (until the
# checker hangs up after the first bytes, as it should)
BIG_FILE = Response(content_type="application/pdf", length=200 * 1024 * 1024,
                    chunks=[b"%PDF-1.7\n" + b"0" * (256 * 1024)] * 800)


def test_a_large_genuine_attachment_is_ok_not_an_error(tmp_path):
    big = LocalServer(default=BIG_FILE)
    url = f"{big.url}files/atlas.pdf"
    root = tmp_path / "portal"
    write_site(root, home_extra=f'<a href="{url}">全县地图（200MB）</a>')
    try:
        with PortalServer(root) as server:
            sites = sites_file(tmp_path, server.url)
            govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    finally:
        big.stop()
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        assert conn.execute("select verdict from link_checks where url = ?", (url,)).fetchone() == ("ok",)
    assert not [v for v in violations_json(sites) if v["url"] == url]


def test_db_prune_drops_old_nights_rows_but_not_what_later_nights_carry(tmp_path):
    root = tmp_path / "portal"
    write_site(root, articles=10)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        for day in ("2026-11-01", "2026-11-02", "2026-11-20"):
            govwatch("run", "--config", sites, "--as-of", day)
        before = violations_json(sites, "--status", "all")
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            first_links = conn.execute("select count(*) from links where run_id = 1").fetchone()[0]
        out = govwatch("db", "prune", "--config", sites, "--keep-days", "7")
        assert "pruned 2 run(s) before 2026-11-13" in out.stdout
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            left = conn.execute("select count(*) from links where run_id = 1").fetchone()[0]
            carried = conn.execute("select count(*) from url_memory where read_run_id = 1").fetchone()[0]
        assert left < first_links and (left > 0) == (carried > 0)
        assert violations_json(sites, "--status", "all") == before
        # the next night still sees the whole site and finds the same problems
        govwatch("run", "--config", sites, "--as-of", "2026-11-21")
    assert {(v["rule"], v["url"]) for v in violations_json(sites)} == {(v["rule"], v["url"]) for v in before
                                                                        if v["status"] == "open"}


class _Proxy(LocalServer):
    """A forward proxy that alone knows www.example-county.gov.cn: it is the local portal."""

    def __init__(self) -> None:
        self.portal = ""
        super().__init__(default=self._forward)

    @property
    def seen(self) -> list[str]:
        """The URLs asked for."""
        return [r.target for r in self.requests]

    def _forward(self, request: Request) -> Response:
        target = request.target.replace("http://www.example-county.gov.cn", self.portal.rstrip("/"), 1)
        try:
            with urllib.request.urlopen(target, timeout=10) as resp:
                status, body, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "text/html")
        except urllib.error.HTTPError as exc:
            status, body, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "text/html")
        return Response(status, body, content_type=ctype)


def test_crawl_proxy_carries_every_request(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    proxy = _Proxy()
    try:
        with PortalServer(root) as server:
            proxy.portal = server.url
            sites = sites_file(tmp_path, "http://www.example-county.gov.cn/",
                               f", proxy: '{proxy.url.rstrip('/')}'")
            govwatch("run", "--config", sites, "--as-of", "2026-11-23")
    finally:
        proxy.stop()
    assert "http://www.example-county.gov.cn/zcwj/" in proxy.seen
    assert ("stale-column", "http://www.example-county.gov.cn/zcwj/") in _problems(sites)
    assert last_visit(tmp_path)["pages"] > 10


def test_a_deeply_nested_or_huge_sites_file_is_bad_input(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("sites: " + "[" * 50000 + "]" * 50000 + "\n", "utf-8")
    proc = govwatch("violations", "--config", str(path), check=False)
    assert proc.returncode == 2 and "nested too deeply" in proc.stderr and "Traceback" not in proc.stderr
    with path.open("w") as f:
        f.write("# " + "x" * (17 << 20) + "\n")
    proc = govwatch("violations", "--config", str(path), check=False)
    assert proc.returncode == 2 and "not a sites file" in proc.stderr


def test_not_the_site_reads_what_the_page_says_not_its_footer():
    from crawler.verdicts import not_the_site

    assert not_the_site("系统维护中", "系统维护中，请稍后访问。", 0) == "not the site: 维护中"
    assert not_the_site("Domain", "This domain is for sale", 2) == "not the site: domain is for sale"
    assert not_the_site("", "请稍候", 0, b"<script>document.cookie='acw_sc__v2=1'</script>") == "not the site: a bot challenge"
    # a script-written home page's few words: its footer names who maintains the site
    assert not_the_site("示例县人民政府", "主办：示例县人民政府办公室 网站维护：县大数据中心 技术支持：某公司", 3) is None
    # a real home page's notice of planned maintenance is news, not a maintenance page
    assert not_the_site("示例县人民政府", "关于系统维护中暂停服务的通知 " + "要闻" * 1000, 80) is None


SLOW_CHECK = """
import sys, time
from govwatch import jobs
from govwatch.cli import main

real = jobs.check
def slow_check(*args, **kwargs):  # the fault: a check step that takes its time
    print("checking", flush=True)
    time.sleep(120)
    return real(*args, **kwargs)
jobs.check = slow_check
sys.argv = ["govwatch", *sys.argv[1:]]
main()
"""


def test_sigterm_during_the_check_step_stops_and_leaves_the_run_aborted(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        before = violations_json(sites)
        proc = subprocess.Popen([sys.executable, "-c", SLOW_CHECK, "run", "--config", sites, "--as-of", "2026-11-24"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "checking"
        took, err = _stopped_by_sigterm(proc)
    assert proc.returncode == 1 and "stopped by SIGTERM" in err and "Traceback" not in err, err
    assert took < 10
    assert runs(tmp_path)[-1][1] == "aborted"
    assert violations_json(sites) == before
