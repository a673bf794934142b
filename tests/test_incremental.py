"""Incremental nights: night 2 of an unchanged site costs a fraction of night 1 and gives the
same violations; a fixed link shows the next morning; a changed page is re-read; --full reads
everything; a night budget leaves the rest for the next night and says so."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import govwatch, violations_json
from govwatch.demo.server import PortalServer

pytestmark = pytest.mark.slow

ARTICLES = 40  # per column


def _page(title: str, body: str) -> str:
    nav = '<div class="nav"><a href="/">首页</a><a href="/tzgg/">通知公告</a><a href="/gzdt/">工作动态</a></div>'
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{nav}'
            f'<h1>{title}</h1>{body}<div class="footer">示例县人民政府 主办</div></body></html>')


def write_site(root, day: str = "2026-11-2", articles: int = ARTICLES) -> None:
    """A small portal: two columns of articles, every tenth article links a missing file."""
    (root / "tzgg").mkdir(parents=True)
    (root / "gzdt").mkdir()
    (root / "files").mkdir()
    for column, label in (("tzgg", "通知"), ("gzdt", "动态")):
        rows = []
        for i in range(articles):
            date = f"{day}{i % 10}"
            attachment = f'<a href="/files/{column}-{i}.pdf">附件</a>'
            if i % 10 != 3:
                (root / "files" / f"{column}-{i}.pdf").write_bytes(b"%PDF-1.4 demo")
            body = f"<p>发布日期：{date}</p><p>关于第{i}项工作的{label}正文内容。</p>{attachment}"
            (root / column / f"{i}.html").write_text(_page(f"关于第{i}项工作的{label}", body), "utf-8")
            rows.append(f'<li><a href="/{column}/{i}.html">关于第{i}项工作的{label}</a><span>{date}</span></li>')
        (root / column / "index.html").write_text(_page(label, f'<ul class="list">{"".join(rows)}</ul>'), "utf-8")
    (root / "index.html").write_text(_page("示例县人民政府", "<p>2026-11-20 首页</p>"), "utf-8")


def sites_file(tmp_path, url: str, crawl: str = "") -> str:
    path = tmp_path / "sites.yaml"
    path.write_text(f"""database: sqlite:///govwatch.db
sites:
  - name: 县
    url: {url}
crawl: {{delay: 0, concurrency: 4, robots: false{crawl}}}
""", "utf-8")
    return str(path)


def night(server: PortalServer, sites: str, as_of: str, *extra: str) -> int:
    before = sum(server.hits.values())
    govwatch("run", "--config", sites, "--as-of", as_of, *extra)
    return sum(server.hits.values()) - before


def coverage(tmp_path) -> dict:
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        return json.loads(conn.execute("select coverage from site_visits order by id desc limit 1").fetchone()[0])


def _problems(sites: str) -> set[tuple[str, str]]:
    return {(v["rule"], v["url"]) for v in violations_json(sites)}


def test_night_two_costs_a_fraction_and_finds_the_same(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        first = night(server, sites, "2026-11-23")
        cover1 = coverage(tmp_path)
        problems = _problems(sites)
        second = night(server, sites, "2026-11-24")
        cover2 = coverage(tmp_path)
        assert _problems(sites) == problems
        assert {v["last_seen"] for v in violations_json(sites) if v["rule"] == "dead-link"} == {"2026-11-24"}
        # the missing attachments were asked for again (twice each: a 404 is confirmed), the good
        # ones only on their rotation night
        assert server.hits["/files/tzgg-3.pdf"] == 4
        assert server.hits["/files/tzgg-0.pdf"] <= 2
    assert ("dead-link", f"{server.url}files/gzdt-13.pdf") in problems
    assert cover1["read"] >= 2 * ARTICLES and cover1["carried"] == 0 and cover1["complete"]
    assert cover2["carried"] >= ARTICLES and cover2["audited"] == cover1["audited"] and cover2["complete"]
    assert second <= 0.4 * first, (first, second)


def test_a_fix_shows_the_next_morning_and_a_changed_page_is_reread(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url, ", revisit_days: 1")
        night(server, sites, "2026-11-23")
        # a department uploads the missing file, and another edits an article to drop its link
        (root / "files" / "tzgg-3.pdf").write_bytes(b"%PDF-1.4 uploaded")
        page = root / "gzdt" / "13.html"
        page.write_text(page.read_text("utf-8").replace('<a href="/files/gzdt-13.pdf">附件</a>', ""), "utf-8")
        night(server, sites, "2026-11-24")
        cover = coverage(tmp_path)
    fixed = {v["url"] for v in violations_json(sites, "--status", "fixed")}
    assert f"{server.url}files/tzgg-3.pdf" in fixed
    assert f"{server.url}files/gzdt-13.pdf" in fixed  # its only page was re-read (ETag changed)
    # everything was due (revisit_days: 1): unchanged pages answered 304, one page was read again
    assert cover["revalidated"] >= 2 * ARTICLES - 1 and cover["carried"] == 0


def test_full_rereads_everything(tmp_path):
    root = tmp_path / "portal"
    write_site(root)
    with PortalServer(root) as server:
        sites = sites_file(tmp_path, server.url)
        first = night(server, sites, "2026-11-23")
        full = night(server, sites, "2026-11-24", "--full")
    assert full == first
    assert coverage(tmp_path)["carried"] == 0


def test_a_night_budget_leaves_the_rest_for_the_next_night(tmp_path):
    root = tmp_path / "portal"
    write_site(root, articles=15)
    with PortalServer(root) as server:
        # requests already handed to the downloader still go out after the budget: with
        # total_concurrency 1 that is one, and the budget can be measured in seconds
        sites = sites_file(tmp_path, server.url, ", time_budget: 4, total_concurrency: 1")
        path = tmp_path / "sites.yaml"
        path.write_text(path.read_text("utf-8").replace("delay: 0,", "delay: 0.1,").replace("concurrency: 4", "concurrency: 1"),
                        "utf-8")
        out = govwatch("run", "--config", sites, "--as-of", "2026-11-23")
        first = coverage(tmp_path)
        assert not first["complete"] and first["left"] > 0 and first["limits"]["time_budget"] > 0
        assert "continues next night" in out.stderr
        with sqlite3.connect(tmp_path / "govwatch.db") as conn:
            assert conn.execute("select completed from site_visits order by id desc limit 1").fetchone()[0] == 0
        # the office sees it: coverage in the report beside the verdict, and in the JSON
        govwatch("report", "--config", sites, "--week", "2026-W48", "--format", "html", "--out", str(tmp_path / "r.html"))
        govwatch("report", "--config", sites, "--week", "2026-W48", "--format", "json", "--out", str(tmp_path / "r.json"))
        html = (tmp_path / "r.html").read_text("utf-8")
        assert f"已检查页面 {first['audited']} / 已发现 {first['discovered']}" in html and "次日继续" in html
        (site,) = json.loads((tmp_path / "r.json").read_text("utf-8"))["sites"]
        assert site["coverage"]["complete"] is False and site["status"] == "未完成抓取"
        nights = [first]
        for day in range(24, 31):
            govwatch("run", "--config", sites, "--as-of", f"2026-11-{day}")
            nights.append(coverage(tmp_path))
            if nights[-1]["complete"]:
                break
    audited = [n["audited"] for n in nights]
    assert audited == sorted(audited) and audited[-1] > audited[0]  # each night goes further
    assert nights[-1]["complete"], [(n["audited"], n["read"], n["revalidated"], n["carried"], n["left"]) for n in nights]
