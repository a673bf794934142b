"""End to end: `govwatch demo` crawls the sample portal on 127.0.0.1 and finds exactly the
planted problems; later runs fix, reopen and keep problems as the site changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, govwatch, violations_json
from crawler.browser import find_browser
from govwatch.demo.portal import ACCOUNTS
from govwatch.demo.portal import SITE_NAME as PORTAL
from govwatch.demo.server import PortalServer

pytestmark = pytest.mark.slow


def _site_url(directory: Path) -> str:
    import yaml

    return yaml.safe_load((directory / "sites.yaml").read_text("utf-8"))["sites"][0]["url"]


def planted_entries(directory: Path) -> list[dict]:
    """The planted problems this machine can find: those behind JavaScript need Chromium."""
    planted = json.loads((directory / "portal" / "_planted.json").read_text("utf-8"))
    return [p for p in planted if not p.get("needs_browser") or find_browser() is not None]


def _planted(directory: Path, site: str | None = None) -> set[tuple]:
    """(rule, url, column) of the planted problems (of one site); the portal's URLs are relative,
    the other demo site's absolute."""
    base = _site_url(directory).rstrip("/")
    return {(p["rule"], _absolute(base, p["url"]), p["column"]) for p in planted_entries(directory)
            if site is None or p.get("site", PORTAL) == site}


def _absolute(base: str, url: str) -> str:
    return url if url.startswith("http") else base + url


def _found(violations: list[dict]) -> set[tuple]:
    return {(v["rule"], v["url"], v["column"]) for v in violations}


def test_demo_finds_exactly_the_planted_problems(demo_dir):
    found = violations_json(demo_dir / "sites.yaml")
    assert _found(found) == _planted(demo_dir)
    assert len(found) == len(_planted(demo_dir))
    by_url = {v["url"]: v for v in found}
    base = _site_url(demo_dir).rstrip("/")
    for p in planted_entries(demo_dir):
        v = by_url[_absolute(base, p["url"])]
        assert v["site"] == p.get("site", PORTAL) and v["status"] == "open"
        assert v["severity"] == p.get("severity", "deduction")
        assert v["first_seen"] == v["last_seen"] == AS_OF.isoformat()
        if p["rule"] == "dead-link":
            assert v["detail"]["status"] == p["detail"]["status"]
            assert {s["url"] for s in v["detail"]["pages"]} == {_absolute(base, page) for page in p["pages"]}
            assert all(s["anchor"] for s in v["detail"]["pages"])  # anchor texts kept as evidence
            assert v["page"] in {_absolute(base, page) for page in p["pages"]}
        if p["rule"] == "missing-metadata":
            assert v["detail"]["missing"] == p["detail"]["missing"]
    home_dead = [v for v in found if v["rule"] == "dead-link" and v["detail"]["on_home_page"]]
    assert [v["url"] for v in home_dead] == [base + "/zt/2019/index.html"]


def test_demo_writes_the_week_report(demo_dir):
    pdf = demo_dir / "reports" / "2026-W47" / "audit.pdf"
    html = demo_dir / "reports" / "2026-W47" / "audit.html"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    text = html.read_text("utf-8")
    assert "示例县人民政府" in text and "死链" in text and "/zt/2019/index.html" in text
    assert "<script" not in text.lower()
    # the national verdict per site: each demo site hits one veto item
    assert text.count("不合格") >= 2
    assert "单项否决：留言超期未回应" in text and "单项否决：站点无法访问" in text


def test_demo_directory_is_reused(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    (directory / "notes.txt").write_text("mine", "utf-8")
    port = _site_url(directory)
    govwatch("demo", "--dir", str(directory), "--as-of", AS_OF.isoformat())
    assert _site_url(directory) == port  # the portal keeps its fixed port
    assert (directory / "notes.txt").read_text("utf-8") == "mine"  # not GovWatch's file: untouched
    # a second audit of the same day sees the same problems, not new ones
    assert _found(violations_json(directory / "sites.yaml")) == _planted(directory)


def test_fix_reopen_and_unreachable_site(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = directory / "sites.yaml"
    port = int(_site_url(directory).rsplit(":", 1)[1].strip("/"))
    attachment = directory / "portal" / "uploads" / "2026" / "notice-attachment.pdf"
    target = _site_url(directory) + "uploads/2026/notice-attachment.pdf"
    with PortalServer(directory / "portal", port=port):
        # the department uploads the missing attachment: the next run marks it fixed
        shutil.copy(directory / "portal" / "uploads" / "2026" / "form.pdf", attachment)
        govwatch("run", "--config", str(sites), "--as-of", "2026-11-23")
        fixed = {v["url"]: v for v in violations_json(sites, "--status", "fixed")}
        assert set(fixed) == {target}
        assert fixed[target]["fixed_on"] == "2026-11-23"
        still_open = [v for v in violations_json(sites) if v["site"] == PORTAL]
        assert len(still_open) == len(_planted(directory, PORTAL)) - 1
        assert all(v["last_seen"] == "2026-11-23" for v in still_open)
        # it disappears again: the same violation is reopened, not a new one
        # a good link is checked again on its rotation night (crawl.revisit_days), or with --full
        attachment.unlink()
        govwatch("run", "--config", str(sites), "--as-of", "2026-11-24", "--full")
        reopened = {v["url"]: v for v in violations_json(sites)}[target]
        assert reopened["first_seen"] == AS_OF.isoformat() and reopened["detail"]["reopened"] == 1
    # the portal is down: nothing is fixed, nothing is seen, the run still completes
    govwatch("run", "--config", str(sites), "--as-of", "2026-11-25")
    after = violations_json(sites)
    # the accounts' feeds are served by the portal's server too: now they cannot be read
    down = {v["site"] for v in after if v["rule"] == "account-unreachable"}
    assert down == {a["name"] for a in ACCOUNTS}
    after = [v for v in after if v["rule"] != "account-unreachable"]
    assert _found(after) == _planted(directory)
    assert {v["last_seen"] for v in after if v["site"] == PORTAL} == {"2026-11-24"}
    assert violations_json(sites, "--status", "fixed") == []


def test_outputs_of_violations_and_report(demo_dir, tmp_path):
    sites = demo_dir / "sites.yaml"
    csv = govwatch("violations", "--config", str(sites), "--format", "csv").stdout
    assert csv.startswith("\ufeff") and "dead-link" in csv
    table = govwatch("violations", "--config", str(sites)).stdout
    assert "stale-column" in table and "通知公告" in table
    for fmt in ("json", "csv", "xlsx", "html"):
        out = tmp_path / "x" / f"r.{fmt}"
        govwatch("report", "--config", str(sites), "--week", "2026-W47", "--format", fmt, "--out", str(out))
        assert out.stat().st_size > 100
    data = json.loads((tmp_path / "x" / "r.json").read_text("utf-8"))
    assert {v["rule"] for v in data["violations"]} == {p[0] for p in _planted(demo_dir)}
    bad = govwatch("report", "--config", str(sites), "--week", "2026-47", check=False)
    assert bad.returncode == 2 and "ISO week" in bad.stderr


def test_every_column_read_with_its_cms(demo_dir):
    """TRS script pagers, the Hanweb datastore + dataproxy.jsp and the JavaScript list: every
    list page and every article of each column is reached, and newest dates are right."""
    import sqlite3

    from govwatch.demo.portal import build_portal

    base = _site_url(demo_dir).rstrip("/")
    with sqlite3.connect(demo_dir / "govwatch.db") as conn:
        run = conn.execute("select max(id) from runs where status = 'checked'").fetchone()[0]
        columns = {row[0]: row[1:] for row in conn.execute(
            "select url, kind, item_count, newest_date from columns where run_id = ?", (run,))}
        pages = {row[0] for row in conn.execute("select url from pages where run_id = ?", (run,))}
        items = {row[0] for row in conn.execute(
            "select i.url from column_items i join columns c on c.id = i.column_id where c.run_id = ?", (run,))}
    for column in build_portal(AS_OF).columns:
        if column.get("cms") == "js" and find_browser() is None:
            assert columns[base + column["url"]][0] == "unread"
            continue
        kind, count, newest = columns[base + column["url"]]
        assert count == column["items"], column["name"]
        assert newest == column["newest"], column["name"]
        assert kind == ("static" if column["category"] == "static" else "list"), column["name"]
    article_urls = {u for u in items if "/art/" in u or "/t20" in u}
    assert article_urls and article_urls <= pages  # every listed article was crawled


def test_rechecking_later_finds_the_home_page_and_news_stale(demo_dir, tmp_path):
    """The same crawl judged a month later: the home page and the news columns have gone stale."""
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    govwatch("check", "--config", str(directory / "sites.yaml"), "--as-of", "2026-12-20")
    found = {(v["rule"], v["column"]) for v in violations_json(directory / "sites.yaml")}
    assert ("homepage-stale", None) in found
    assert {("stale-column", "要闻动态"), ("stale-column", "工作动态"), ("stale-column", "部门动态")} <= found
    home = [v for v in violations_json(directory / "sites.yaml") if v["rule"] == "homepage-stale"][0]
    assert home["severity"] == "veto" and home["detail"]["newest"] == "2026-11-21"
    # half a year on, six dated columns are stale: the veto line of 栏目不更新 is crossed
    govwatch("check", "--config", str(directory / "sites.yaml"), "--as-of", "2027-05-25")
    later = violations_json(directory / "sites.yaml")
    veto = [v for v in later if v["rule"] == "too-many-stale-columns"]
    assert len(veto) == 1 and veto[0]["severity"] == "veto" and veto[0]["detail"]["stale_dated"] >= 5
    # last year's 年报 is now looked for; the 2025 one, still missing, is not "fixed" by that
    reports = {v["url"].rsplit("#", 1)[1] for v in later if v["rule"] == "annual-report-overdue"}
    assert reports == {"annual-report-2025", "annual-report-2026"}
    assert not [v for v in violations_json(directory / "sites.yaml", "--status", "fixed")
                if v["rule"] == "annual-report-overdue"]
