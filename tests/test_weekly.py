"""The weekly report built from a store with runs in two weeks: the comparison with the previous
week, per-owner sections, the 8-week trend with gaps, verdict counts, and the PDF/XLSX/HTML an
office forwards (Chinese text, page numbers, a non-blank first page, hostile content inert)."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from govwatch.config import load_config  # noqa: E402
from govwatch.store import models as m  # noqa: E402
from govwatch.store.db import Store  # noqa: E402
from reports import charts  # noqa: E402
from reports.model import WeekPoint  # noqa: E402
from reports.render import render_html, write_pdf  # noqa: E402
from reports.tabular import report_dict, write_xlsx  # noqa: E402
from reports.weekly import build_weekly  # noqa: E402
from test_report_render import Listener, listener  # noqa: E402,F401  (the fixture)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")

A, B = "甲县人民政府", "乙县教育局"
C = '丙区"><svg onload=alert(1)>'  # a hostile name from a careless sites file, shown in the SVG legend
SITES = """\
database: sqlite:///t.db
sites:
- name: 甲县人民政府
  url: http://www.jx.gov.cn/
  owner: 甲县政务公开办
  columns:
  - {name: 通知公告, url: /tzgg/, category: notice, owner: 县政府办公室}
  - {name: 政策文件, url: /zcwj/, category: policy, owner: 县司法局}
- name: 乙县教育局
  url: http://jyj.jx.gov.cn/
  owner: 县教育局
- name: '丙区"><svg onload=alert(1)>'
  url: http://www.bq.gov.cn/
"""
NOW = dt.datetime(2026, 11, 23, 8, 30)
D = dt.date


def _hostile(port: int) -> dict:
    return {"status": 404, "title": f"<img src=http://127.0.0.1:{port}/t.png>", "pages": [
        {"url": "http://www.jx.gov.cn/", "anchor": "<script>alert(1)</script>"},
        {"url": "javascript:alert(2)", "anchor": '"><img src=x onerror=alert(3)>'},
        {"url": "file:///etc/passwd", "anchor": f"http://127.0.0.1:{port}/x.png"}]}


class World:
    """A store with runs in W45 (11-05) and W47 (11-18 all sites, 11-20 甲 only); none in W46."""

    def __init__(self, tmp_path: Path, port: int = 9):
        (tmp_path / "sites.yaml").write_text(SITES, "utf-8")
        self.config = load_config(tmp_path / "sites.yaml")
        self.store = Store(self.config.database)
        with self.store.session() as s, s.begin():
            sites = {n: m.Site(name=n, url=u) for n, u in
                     ((A, "http://www.jx.gov.cn/"), (B, "http://jyj.jx.gov.cn/"), (C, "http://www.bq.gov.cn/"))}
            s.add_all(sites.values())
            r1, r2, r3 = (m.Run(as_of=d, status="checked", sites=names) for d, names in
                          ((D(2026, 11, 5), [A, B]), (D(2026, 11, 18), [A, B, C]), (D(2026, 11, 20), [A])))
            s.add_all([r1, r2, r3, m.Run(as_of=D(2026, 11, 21), status="aborted", sites=[A, B])])
            s.flush()
            for run, names in ((r1, [A, B]), (r2, [A, B, C]), (r3, [A])):
                for n in names:
                    s.add(m.SiteVisit(run_id=run.id, site_id=sites[n].id, reached=n != C, completed=n != C,
                                      pages=10, links=50))
            # the run's own columns: 政策文件 as configured, a discovered column without an owner
            for name, url, owner in (("通知公告", "http://www.jx.gov.cn/tzgg/", "县政府办公室"),
                                     ("政策文件", "http://www.jx.gov.cn/zcwj/", "县司法局"),
                                     ("工作动态", "http://www.jx.gov.cn/gzdt/", None)):
                s.add(m.Column(run_id=r3.id, site_id=sites[A].id, name=name, url=url, category="notice",
                               source="config" if owner else "nav", owner=owner))
            for run, site, verdict, score, vetoes in (
                    (r1, A, "合格", 90.0, []), (r1, B, "合格", 100.0, []),
                    (r2, A, "合格", 85.0, []), (r2, B, "不合格", None, ["blank-column"]),
                    (r2, C, "未判定", None, []), (r3, A, "合格", 88.0, [])):
                s.add(m.SiteScore(run_id=run.id, site=site, verdict=verdict, score=score, vetoes=vetoes))

            def violation(rule, site, url, severity="deduction", column=None, detail=None, events=()):
                v = m.Violation(key=f"{rule}{site}{url}", rule=rule, site=site, url=url, page=None, column=column,
                                severity=severity, first_seen=events[0][0].as_of, last_seen=events[-1][0].as_of,
                                first_run_id=events[0][0].id, last_run_id=events[-1][0].id, detail=detail or {},
                                status="fixed" if events[-1][1] == "fixed" else "open")
                s.add(v)
                s.flush()
                for run, event in events:
                    s.add(m.ViolationEvent(violation_id=v.id, run_id=run.id, event=event, as_of=run.as_of))

            violation("dead-link", A, "http://www.jx.gov.cn/old.pdf", events=[(r1, "opened")],
                      detail={"status": 404, "pages": [{"url": "http://www.jx.gov.cn/gzdt/1.html", "anchor": "附件"}]})
            violation("stale-column", A, "http://www.jx.gov.cn/tzgg/", column="通知公告",
                      events=[(r1, "opened"), (r2, "fixed")], detail={"newest": "2026-04-01", "days": 220})
            violation("dead-link", A, "http://www.jx.gov.cn/gone.html", column="工作动态",
                      events=[(r1, "opened")], detail={"status": 410})
            violation("missing-metadata", A, "http://www.jx.gov.cn/zcwj/1.html", column="政策文件",
                      events=[(r3, "opened")], detail={"missing": ["发文字号"]})
            violation("dead-link", A, "javascript:alert(1)", events=[(r3, "opened")], detail=_hostile(port))
            violation("blank-column", B, "http://jyj.jx.gov.cn/ghjh/", severity="veto", column="规划计划",
                      events=[(r2, "opened")])
            for url in ("http://jyj.jx.gov.cn/a.pdf", "http://jyj.jx.gov.cn/b.pdf"):
                violation("dead-link", B, url, events=[(r1, "opened"), (r2, "fixed")], detail={"status": 404})
            # a site no longer in the sites file: not carried into the report
            gone = m.Site(name="已撤销网站", url="http://old.gov.cn/")
            s.add(gone)
            s.flush()
            violation("dead-link", "已撤销网站", "http://old.gov.cn/x", events=[(r1, "opened")])

    def report(self, week: str = "2026-W47"):
        return build_weekly(self.store, self.config, week, now=NOW)


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


# -- the model -------------------------------------------------------------------------------

def test_week_shows_each_sites_last_run_and_the_change_from_last_week(world):
    r = world.report()
    assert (r.as_of, r.run_id, r.previous_week) == (D(2026, 11, 20), 3, "2026-W46")
    sites = {s.name: s for s in r.sites}
    assert list(sites) == [A, B, C]  # sites file order; 乙 and 丙 from the 11-18 run
    a, b, c = sites[A], sites[B], sites[C]
    assert (a.as_of, b.as_of) == (D(2026, 11, 20), D(2026, 11, 18))
    assert (a.verdict, a.score, b.verdict, b.vetoes, c.verdict, c.status) == (
        "合格", 88.0, "不合格", ("blank-column",), "未判定", "未能访问")
    # W46 had no run: the previous week shows the 11-05 run
    assert (a.previous.as_of, a.previous.verdict, a.previous.score, a.previous.open) == (D(2026, 11, 5), "合格", 90, 3)
    assert (a.open, a.open_change_label) == (4, "↑1")
    assert (b.previous.open, b.open, b.open_change_label) == (2, 1, "↓1")
    assert c.previous is None and c.open_change_label == "首次监测"
    assert r.verdict_counts == {"合格": 1, "不合格": 1, "未判定": 1} and r.pass_rate == 0.5
    assert r.previous_open == 5 and r.previous_verdict_counts == {"合格": 2, "不合格": 0, "未判定": 0}
    assert {v.url for v in r.new} == {"http://www.jx.gov.cn/zcwj/1.html", "javascript:alert(1)",
                                      "http://jyj.jx.gov.cn/ghjh/"}
    assert {v.url for v in r.fixed} == {"http://www.jx.gov.cn/tzgg/", "http://jyj.jx.gov.cn/a.pdf",
                                        "http://jyj.jx.gov.cn/b.pdf"}
    assert "已撤销网站" not in {v.site for v in r.open}
    assert r.generated_at == NOW


def test_owner_is_the_columns_then_the_sites(world):
    r = world.report()
    owner = {v.url: v.owner for v in r.open + r.fixed}
    assert owner["http://www.jx.gov.cn/zcwj/1.html"] == "县司法局"  # the column's owner
    assert owner["http://www.jx.gov.cn/tzgg/"] == "县政府办公室"
    assert owner["http://www.jx.gov.cn/gone.html"] == "甲县政务公开办"  # discovered column: the site's
    assert owner["http://jyj.jx.gov.cn/ghjh/"] == "县教育局"
    assert r.owners == ("甲县政务公开办", "县教育局", "县政府办公室", "县司法局")
    sections = r.open_by_owner()
    assert {o: len(vs) for o, vs in sections.items()} == {"甲县政务公开办": 3, "县教育局": 1, "县司法局": 1}
    assert r.owners_without_problems == ["县政府办公室"]  # its stale column was fixed


def test_trend_has_eight_weeks_with_gaps(world):
    trend = world.report().trend
    assert [p.week for p in trend] == [f"2026-W{n}" for n in range(40, 48)]
    assert [p.week for p in trend if not p.gap] == ["2026-W45", "2026-W47"]
    assert all(p.open is None and not p.open_by_site for p in trend if p.gap)  # gaps, not zeros
    w45, w47 = trend[5], trend[7]
    assert w45.open == 5 and dict(w45.open_by_site) == {A: 3, B: 2}
    assert dict(w47.open_by_severity) == {"deduction": 4, "veto": 1}
    assert dict(w47.open_by_site) == {A: 4, B: 1, C: 0}
    assert dict(w47.score_by_site) == {A: 88.0, B: None, C: None}
    assert w47.verdict_count("不合格") == 1 and w45.verdict_count("合格") == 2


def test_week_without_a_run_carries_the_last_one_forward(world):
    r = world.report("2026-W48")
    assert r.as_of == D(2026, 11, 20) and r.carried_forward
    assert not r.new and not r.fixed  # nothing happened in W48
    assert all(s.open_change == 0 for s in r.sites)
    assert r.trend[-1].gap and not r.trend[-2].gap
    empty = world.report("2026-W40")
    assert empty.as_of is None and not empty.sites and all(p.gap for p in empty.trend)
    assert "本周无监测记录" in render_html(empty)


def test_json_has_verdicts_previous_week_and_trend(world):
    doc = json.loads(json.dumps(report_dict(world.report())))
    assert doc["verdict_counts"] == {"合格": 1, "不合格": 1, "未判定": 1}
    a = doc["sites"][0]
    assert a["previous"] == {"week": "2026-W46", "as_of": "2026-11-05", "verdict": "合格", "score": 90.0, "open": 3}
    assert a["open_change"] == 1
    assert len(doc["trend"]) == 8 and doc["trend"][0]["as_of"] is None and doc["trend"][0]["open"] is None
    assert doc["trend"][-1]["open_by_site"][A] == 4
    assert doc["owners"]["县司法局"] == 1
    stale = next(x for x in doc["rules"] if x["id"] == "stale-column")
    assert stale["parameters"]["news_days"] == 14


# -- what the office receives ------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_html_escapes_hostile_content_everywhere(world):
    html = render_html(world.report())
    low = html.lower()
    assert "<script" not in low and "<img" not in low and "<svg onload" not in low
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;svg onload=alert(1)&gt;" in html  # the site name, in the table and in the chart legend
    tags = _Tags()
    tags.feed(html)
    for tag, attrs in tags.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert tag not in ("script", "img", "iframe", "object", "embed", "link", "image", "use", "foreignobject")
        if "href" in attrs:
            assert attrs["href"].startswith(("http://", "https://", "#")), attrs
    assert html.count("<svg") == 2
    # the charts' text uses the page's CJK font
    assert all("Noto Sans CJK SC" in svg.split(">", 1)[0] for svg in html.split("<svg")[1:])


def test_appendix_shows_the_parameters_in_effect(world, tmp_path):
    # the sites file's rules: as `check` applied them (the demo sets min_probes: 21), a rule switched off
    (tmp_path / "sites.yaml").write_text(SITES + """\
rules:
  site-unreachable:
    min_probes: 21
  stale-column:
    news_days: 7
  link-timeout:
    enabled: false
""", "utf-8")
    r = build_weekly(world.store, load_config(tmp_path / "sites.yaml"), "2026-W47", now=NOW)
    unreachable = r.rule("site-unreachable")
    assert unreachable.parameters["min_probes"] == 21 and unreachable.defaults["min_probes"] == 140
    assert unreachable.changed == ("min_probes",) and unreachable.enabled
    assert not r.rule("link-timeout").enabled and r.rule("dead-link").enabled
    html = render_html(r)
    appendix = html.split('id="appendix"')[1]
    assert "参数（本配置）" in appendix and "默认参数" not in html
    assert "min_probes = 21（默认 140）" in appendix and "news_days = 7（默认 14）" in appendix
    row = next(tr for tr in appendix.split("<tr>") if "link-timeout" in tr)
    assert "已停用" in row and "enabled" not in row
    doc = report_dict(r)
    rule = next(x for x in doc["rules"] if x["id"] == "site-unreachable")
    assert rule["parameters"]["min_probes"] == 21 and rule["default_parameters"]["min_probes"] == 140
    # without overrides: the defaults, nothing marked
    plain = world.report()
    assert plain.rule("site-unreachable").parameters["min_probes"] == 140 and not plain.rule("site-unreachable").changed


def test_trend_needs_two_weeks_with_data(world):
    one = world.report("2026-W45")  # the first week with a run: nothing to compare yet
    assert one.trend_weeks == 1 and not one.has_trend
    html = render_html(one)
    assert "<svg" not in html and "趋势图表自有监测结果的第二周起显示" in html
    two = world.report()
    assert two.trend_weeks == 2 and two.has_trend and render_html(two).count("<svg") == 2


def test_score_chart_puts_vetoes_in_their_own_band_and_spreads_close_markers():
    weeks = [WeekPoint("2026-W46", D(2026, 11, 9), D(2026, 11, 15), {}, {"甲": 0, "乙": 0},
                       {"甲": 100.0, "乙": 97.9}, {"甲": "合格", "乙": "合格"}),
             WeekPoint("2026-W47", D(2026, 11, 16), D(2026, 11, 20), {"veto": 1}, {"甲": 0, "乙": 1},
                       {"甲": 100.0, "乙": None}, {"甲": "合格", "乙": "不合格"})]
    svg = str(charts.score_chart(weeks, ["甲", "乙"], 60))
    assert ">否决</text>" in svg
    # the veto cross sits in the band above the plot, not on the zero line
    cross = re.search(r'<path d="M([\d.]+) ([\d.]+)L', svg)
    assert cross and float(cross[2]) < charts.SCORE_TOP
    zero = charts._Frame(2, top=charts.SCORE_TOP, height=charts.HEIGHT + charts.SCORE_TOP - charts.TOP).y(0, 100)
    assert float(cross[2]) < zero - 100
    # 100 and 97.9 in W46: side by side, not on top of each other
    circle = re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    square = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="6.3" height="6.3" fill="#c2410c"', svg)
    assert circle and square
    assert abs(float(circle[1]) - (float(square[1]) + 3.15)) >= charts.MARKER_GAP
    assert charts.spread([(0, 50.0), (1, 53.0), (2, 120.0)]) == {0: -5.0, 1: 5.0, 2: 0.0}


def test_charts_escape_labels_and_draw_gaps():
    weeks = [WeekPoint("2026-W46", D(2026, 11, 9)),
             WeekPoint("2026-W47", D(2026, 11, 16), D(2026, 11, 20), {"veto": 1}, {"<b>x</b>": 1},
                       {"<b>x</b>": None}, {"<b>x</b>": "不合格"})]
    bars = str(charts.open_problems_chart(weeks))
    lines = str(charts.score_chart(weeks, ["<b>x</b>"], 60))
    assert "无监测" in bars and "无监测" in lines
    assert "<b>" not in lines and "&lt;b&gt;x&lt;/b&gt;" in lines
    assert "<path" in lines  # the veto cross
    assert charts.nice_top(63) == (80, 20) and charts.nice_top(0) == (5, 1)


@needs_poppler
def test_pdf_for_the_office(tmp_path, listener):
    world = World(tmp_path, port=listener.port)
    pdf = write_pdf(world.report(), tmp_path / "out" / "audit.pdf")
    layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                            capture_output=True, text=True).stdout
    pages = layout.split("\f")
    cover = re.sub(r"\s+", "", pages[0])
    for text in ("政府网站监测周报", "2026年第47周", "2026年11月16日至2026年11月22日", "监测日期2026年11月20日",
                 "生成时间2026-11-2308:30", "合格1个，不合格1个，未判定1个", "目录"):
        assert text in cover, text
    flat = re.sub(r"\s+", "", layout)
    for text in ("一、总体情况", "政府网站检查结论", "3→4", "↑1", "↓1", "首次监测", "单项否决：空白栏目",
                 "二、近八周趋势", "无监测", "六、问题明细", "空白栏目单项否决共1个", "七、各责任单位问题清单",
                 "县司法局", "发文字号", "附录规则说明", "news_days=14", "参数（本配置）"):
        assert text in flat, text
    # leaders read Chinese: rule ids only in the appendix
    body = flat.split("附录规则说明")[-2]
    for rule in ("dead-link", "blank-column", "missing-metadata", "stale-column"):
        assert rule not in body and rule in flat.split("附录规则说明")[-1], rule
    assert "运行编号" not in flat and "已持续" not in flat
    # a heading or its 依据 line never ends a page: it stays with the first rows of its table
    for page in pages:
        lines = [ln.strip() for ln in page.splitlines() if ln.strip() and not re.match(r"第\s*\d+\s*页", ln.strip())]
        if lines:
            assert not lines[-1].startswith("依据：") and not re.match(r"^（[一二三四五六七八九十]+）", lines[-1]), lines[-3:]
    # hostile text is printed as text (table cells wrap it, hence the pieces)
    for text in ("<script>alert(1", "javascript:alert(2)", "file:///etc/passwd", "<img src=x"):
        assert text in layout, text
    # (pdftotext keeps or drops the footer's spaces as its layout heuristics see fit)
    numbers = re.findall(r"第\s*(\d+)\s*页\s*/\s*共\s*(\d+)\s*页", layout)
    total = len(pages) - (pages[-1].strip() == "")
    assert numbers[0] == ("1", str(total)) and numbers[-1] == (str(total), str(total))
    # each table's header row is repeated on the pages it continues on
    assert sum(p.count("问题类型") for p in pages) >= 3
    assert listener.hits == 0  # nothing fetched: not the img in a title, not file:///, not the anchor URL

    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert _ink(png) > 0.01  # a real cover, not a blank page


def _ink(png: Path) -> float:
    """Share of non-white pixels of a PNG (8-bit RGB/RGBA/grey), decoded with zlib alone."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, colour = body[8], body[9]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw, stride = zlib.decompress(idat), width * bpp
    prev, dark = bytearray(stride), 0
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the PNG row filters
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        dark += sum(1 for x in range(0, stride, bpp) if line[x] < 200)
        prev = line
    return dark / (width * height)


def test_xlsx_summary_rule_sheets_and_owner_column(world, tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(write_xlsx(world.report(), tmp_path / "audit.xlsx"))
    assert wb.sheetnames[0] == "汇总" and wb.sheetnames[-1] == "近八周趋势"
    assert {"死链", "空白栏目", "信息公开元数据缺失", "栏目不更新"} <= set(wb.sheetnames)
    summary = wb["汇总"]
    header = [c.value for c in summary[1]]
    a = dict(zip(header, [c.value for c in summary[2]]))
    assert (a["网站"], a["责任单位"], a["检查结论"], a["得分"]) == (A, "甲县政务公开办", "合格", 88)
    assert (a["上周结论"], a["上周得分"], a["上周未整改"], a["未整改"], a["较上周"]) == ("合格", 90, 3, 4, "↑1")
    sheet = wb["信息公开元数据缺失"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert row["责任单位"] == "县司法局" and row["问题地址"] == "http://www.jx.gov.cn/zcwj/1.html"
    trend = wb["近八周趋势"]
    assert trend.max_row == 9 and trend["C2"].value == "无监测"


@needs_poppler
def test_long_tables_repeat_their_header_on_every_page(world, tmp_path):
    import dataclasses

    r = world.report()
    many = tuple(dataclasses.replace(r.open[0], url=f"http://www.jx.gov.cn/dup/{i}.html", new=True) for i in range(90))
    pdf = write_pdf(dataclasses.replace(r, open=r.open + many), tmp_path / "long.pdf")
    pages = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    with_rows = [p for p in pages if "/dup/" in p]
    assert len(with_rows) >= 6  # the new-problems and per-rule tables run over several pages
    for page in with_rows:
        assert re.search(r"序号\s+网站", page), page[:400]
