"""Rendering of the weekly report: escaping of hostile crawled text, static HTML, a Chinese
PDF with embedded CJK fonts that fetches nothing, and the XLSX/CSV/JSON exports."""
from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

# Let the suite run from a checkout without `pip install -e .` (tests/ has no conftest yet).
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reports.model import (ReportViolation, RuleInfo, SiteState, SiteSummary, WeeklyReport, WeekPoint,
                           describe)
from reports.render import html_to_pdf, render_html, wbr, wbr_text, write_html, write_pdf
from reports.tabular import report_dict, sheet_title, write_csv, write_json, write_report, write_xlsx

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")

LONG_URL = "http://www.example.gov.cn/col/col1229/art/2026/" + "a1b2c3d4" * 30 + ".html?id=1"
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/","点击")'
IMG_TITLE = '"><img src=http://127.0.0.1:9/x.png>'

RULES = (
    RuleInfo("site-unreachable", "网站无法访问", "国办发〔2017〕47号 单项否决", "veto", "首页连续无法访问"),
    RuleInfo("dead-link", "死链", "国办秘函〔2019〕19号 链接可用性", "deduction", "链接指向的页面无法打开"),
    RuleInfo("stale-column", "栏目不更新", "国办秘函〔2019〕19号 内容更新", "deduction", "栏目超过时限未更新",
             {"news_days": 14, "categories": ["news", "notice"]}),
    RuleInfo("blank-column", "空白栏目", "国办秘函〔2019〕19号 内容更新", "veto", "栏目从未发布信息"),
    RuleInfo("missing-metadata", "元数据缺失", "GB/T 政务公开元数据", "deduction", "公文缺少元数据"),
    RuleInfo("link-timeout", "链接超时", "GovWatch", "warning", "链接多次超时"),
)


def v(rule, site, url, *, page=None, column=None, severity="deduction", status="open",
      first=date(2026, 11, 18), last=date(2026, 11, 22), fixed_on=None, detail=None, new=True,
      days=4, owner=None) -> ReportViolation:
    return ReportViolation(rule, site, url, page, column, severity, status, first, last,
                           fixed_on, detail or {}, new, days, owner)


def sample_report(port: int = 9) -> WeeklyReport:
    hostile = f'"><img src=http://127.0.0.1:{port}/x.png>'
    a, b, c = "甲县人民政府网站", "乙市教育局网站", "丙区人民政府网站"
    open_ = (
        v("dead-link", a, "http://www.jx.gov.cn/missing.html", column="通知公告",
          page="http://www.jx.gov.cn/tzgg/index.html",
          detail={"status": 404, "pages": [
              {"url": "http://www.jx.gov.cn/tzgg/index.html", "anchor": SCRIPT},
              {"url": "http://www.jx.gov.cn/", "anchor": "关于印发《某某方案》的通知"}]}),
        v("dead-link", a, "http://www.jx.gov.cn/f.doc", column=FORMULA,
          detail={"status": 404, "pages": [{"url": "http://www.jx.gov.cn/", "anchor": "附件"}]}),
        v("dead-link", a, LONG_URL, page="http://www.jx.gov.cn/", new=False, days=40,
          first=date(2026, 10, 13), detail={"status": "dns", "pages": [
              {"url": f"http://www.jx.gov.cn/p{i}.html", "anchor": f"链接{i}"} for i in range(14)]}),
        v("missing-metadata", a, "http://www.jx.gov.cn/zcwj/t20261101_1.html", column="政策文件",
          page="http://www.jx.gov.cn/zcwj/index.html", detail={"missing": ["发文字号", "索引号"],
                                                               "title": IMG_TITLE}),
        v("stale-column", b, "http://jyj.yc.gov.cn/tzgg/", column="通知公告", new=False, days=60,
          first=date(2026, 9, 23), detail={"newest": "2026-04-01", "days": 200,
                                           "limit_days": 183, "category": "notice"}),
        v("blank-column", b, "http://jyj.yc.gov.cn/ghjh/", column="规划计划", severity="veto",
          detail={"category": "plan"}, owner="办公室"),
        v("missing-metadata", b, "javascript:alert(1)", column=hostile,
          detail={"missing": ["成文日期"], "title": hostile}),
    )
    fixed = (
        v("dead-link", a, "http://www.jx.gov.cn/old.pdf", status="fixed",
          first=date(2026, 11, 2), fixed_on=date(2026, 11, 20), new=False, days=18,
          detail={"status": 410}),
    )
    prev = date(2026, 11, 15)
    sites = (
        SiteSummary(a, "http://www.jx.gov.cn/", "甲县政务公开办", date(2026, 11, 22), 212, 1840, 31,
                    4, 3, 1, {"dead-link": 3, "missing-metadata": 1}, verdict="合格", score=92.5,
                    previous=SiteState("2026-W46", prev, "合格", 96.0, 2)),
        SiteSummary(b, "http://jyj.yc.gov.cn/", None, date(2026, 11, 22), 88, 640, 12, 3, 2, 0,
                    {"stale-column": 1, "blank-column": 1, "missing-metadata": 1}, verdict="不合格",
                    vetoes=("blank-column",), previous=SiteState("2026-W46", prev, "不合格", None, 5)),
        SiteSummary(c, "http://www.bq.gov.cn/", None, None, 0, 0, 0, 0, 0, 0, {}, status="未能访问",
                    verdict="未判定"),
    )
    return WeeklyReport(
        week="2026-W47", week_start=date(2026, 11, 16), week_end=date(2026, 11, 22),
        generated_at=datetime(2026, 11, 23, 8, 30), as_of=date(2026, 11, 22), run_id=17,
        organisation="某某市人民政府办公室", sites=sites, open=open_, fixed=fixed, rules=RULES,
        previous_week="2026-W46", trend=sample_trend(a, b), pass_mark=60,
        owners=("甲县政务公开办", "办公室", "丁局"))


def sample_trend(a: str, b: str) -> tuple[WeekPoint, ...]:
    """Eight weeks ending 2026-W47; W41 and W44 had no run."""
    points = []
    for i, monday in enumerate(date(2026, 9, 28) + timedelta(weeks=k) for k in range(8)):
        week = f"2026-W{40 + i}"
        if i in (1, 4):
            points.append(WeekPoint(week, monday))
            continue
        points.append(WeekPoint(week, monday, monday + timedelta(days=6),
                                open_by_severity={"veto": 1, "deduction": 2 + i},
                                open_by_site={a: 1 + i, b: 2},
                                score_by_site={a: 100 - 2 * i, b: None},
                                verdict_by_site={a: "合格", b: "不合格"}))
    return tuple(points)


def empty_report() -> WeeklyReport:
    return WeeklyReport(week="2026-W47", week_start=date(2026, 11, 16),
                        week_end=date(2026, 11, 22), generated_at=datetime(2026, 11, 23, 8, 30),
                        as_of=None, run_id=None, rules=RULES)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


class _Attrs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


# -- model ---------------------------------------------------------------------------------

def test_model_grouping_and_descriptions():
    r = sample_report()
    assert [x.rule for x in r.new][0] == "blank-column"  # veto first
    assert {x.url for x in r.carried_over} == {LONG_URL, "http://jyj.yc.gov.cn/tzgg/"}
    groups = r.open_by_site_and_rule()
    assert list(groups) == ["甲县人民政府网站", "乙市教育局网站", "丙区人民政府网站"]
    assert list(groups["甲县人民政府网站"]) == ["dead-link", "missing-metadata"]
    assert groups["丙区人民政府网站"] == {}
    assert r.rule("dead-link").title == "死链" and r.rule("nope") is None
    assert r.totals == {"sites": 3, "open": 7, "new": 5, "fixed": 1, "veto": 1}
    d = {x.rule: describe(x) for x in r.open if x.site == "乙市教育局网站"}
    assert d["stale-column"] == "最新信息 2026-04-01，已 200 天未更新（要求 183 天内）"
    assert d["blank-column"] == "栏目从未发布信息"
    assert describe(r.open[0]) == "状态码 404"
    assert describe(r.open[3]).startswith("缺少：发文字号、索引号")


# -- HTML ----------------------------------------------------------------------------------

def test_html_escapes_hostile_text_and_is_static():
    html = render_html(sample_report())
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html.lower()
    assert "&#34;&gt;&lt;img src=http://127.0.0.1:9/x.png&gt;" in html
    assert 'href="javascript:' not in html  # a non-http subject is text, not a link
    assert LONG_URL.replace("&", "&amp;") in html
    p = _Attrs()
    p.feed(html)
    for tag, attrs in p.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed")
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for k in ("src", "srcset", "data", "action", "poster"):
            assert k not in attrs, (tag, attrs)
        if "href" in attrs:  # links to crawled http(s) pages, or to this document's own sections
            assert tag == "a" and attrs["href"].startswith(("http://", "https://", "#"))
            if attrs["href"].startswith("#"):
                assert f'id="{attrs["href"][1:]}"' in html
    style = html[html.index("<style>"):html.index("</style>")]
    assert "url(" not in style and "@import" not in style


def test_html_sections_in_chinese():
    html = render_html(sample_report())
    for text in ("政府网站监测周报", "某某市人民政府办公室", "2026年第47周", "2026年11月16日至2026年11月22日",
                 "（2026-W47）", "生成时间", "2026-11-23 08:30", "监测日期", "一、总体情况",
                 "合格 1 个，不合格 1 个，未判定 1 个，合格率 50.0%", "二、近八周趋势", "三、本周新发现问题",
                 "四、仍未整改问题", "五、本周已整改问题", "六、问题明细（按问题类型）", "七、各责任单位问题清单",
                 "附录　规则说明", "死链　扣分　共 3 个", "状态码 404", "缺少：发文字号、索引号",
                 "最新信息 2026-04-01，已 200 天未更新（要求 183 天内）", "栏目从未发布信息",
                 "单项否决", "扣分", "提示", "国办秘函〔2019〕19号 链接可用性", "未能访问",
                 "监测发现后 40 天", "……另有 4 个页面", "关于印发《某某方案》的通知",
                 # week-on-week: 2 -> 4 open (up 2), 5 -> 3 (down 2), a site new this week
                 "2 → 4", "↑2", "5 → 3", "↓2", "首次监测", "92.5", "单项否决：空白栏目",
                 "共有未整改问题 7 个（其中单项否决 1 个），与上周持平",
                 # appendix parameters, owners without problems
                 "news_days = 14；categories = news、notice", "以下责任单位本周无未整改问题：甲县政务公开办、丁局",
                 "（一）办公室", "（二）未指定责任单位", "60 分及以上合格", "参数（本配置）"):
        assert text in html, text
    assert html.count("<svg") == 2 and "无监测" in html
    assert "运行编号" not in html and "已持续" not in html
    # a problem found this week says nothing about how long monitoring has known it
    assert "监测发现后 4 天" not in html


def test_empty_sections_say_so(tmp_path):
    html = write_html(empty_report(), tmp_path / "a" / "b.html").read_text("utf-8")
    for text in ("本周无新发现问题。", "无本周以前遗留的未整改问题。", "本周无已整改问题。",
                 "本周无监测网站。", "本周无监测记录", "本周无未整改问题。"):
        assert text in html, text


# -- what a reader sees: evidence lines, URLs, rule ids, trend ------------------------------

WORDING = {"wrong": "秸杆", "right": "秸秆", "kind": "typo", "level": "normal",
           "sentence": "会议要求各乡镇严禁露天焚烧秸杆，推进综合利用。", "count": 1, "title": "秋冬季秸秆禁烧工作部署会",
           "published": "2026-11-21", "lexicon": "govwatch-typos", "lexicon_version": "2025.1",
           "source": "2018–2019年政府网站检查通报案例（铜川、齐齐哈尔、衡阳），国名错误", "scope": "page"}
WORDING_URL = "http://www.jx.gov.cn/xwdt/202610/t20261031_1036.html#wording-28b702fa"
ANNUAL_URL = "http://www.jx.gov.cn/#annual-report-2025"


def report_with_fragments() -> WeeklyReport:
    r = sample_report()
    extra = (
        v("wording-error", "甲县人民政府网站", WORDING_URL, page=WORDING_URL.split("#")[0], detail=WORDING),
        v("annual-report-overdue", "甲县人民政府网站", ANNUAL_URL, page="http://www.jx.gov.cn/",
          detail={"year": 2025, "deadline": "2026-03-31", "kind": "government", "problem": "missing"}),
    )
    rules = r.rules + (RuleInfo("wording-error", "错别字与严重表述错误", "国办秘函〔2019〕19号", "deduction"),
                       RuleInfo("annual-report-overdue", "政府信息公开工作年度报告未按时发布", "条例第四十九条",
                                "deduction"))
    return dataclasses.replace(r, open=r.open + extra, rules=rules)


def test_evidence_lines_read_as_plain_chinese():
    r = report_with_fragments()
    wording = describe(next(x for x in r.open if x.rule == "wording-error"))
    # the lexicon's provenance names other cities: not in the one-liner; nor a count of 1
    for hidden in ("出处", "铜川", "govwatch-typos", "2025.1", "数量", "source", "lexicon"):
        assert hidden not in wording, hidden
    assert "。；" not in wording and "原句：会议要求各乡镇严禁露天焚烧秸杆，推进综合利用；" in wording
    assert "数量：3" in describe(v("wording-error", "甲", "http://a/#wording-1", detail={**WORDING, "count": 3}))
    annual = next(x for x in r.open if x.rule == "annual-report-overdue")
    assert describe(annual) == "未找到2025年度报告；截止日期：2026-03-31"
    assert describe(v("expired-but-valid", "甲", "http://a/1.html", detail={
        "有效性": "有效", "ended": "2026-11-17", "basis": "废止日期"})) == "有效性：有效；失效日期：2026-11-17；失效依据：废止日期"
    assert describe(v("account-stale", "甲", "http://a/feed", detail={
        "newest": "2026-11-02", "days": 20, "limit_days": 14, "posts": 3})) == (
        "最新信息 2026-11-02，已 20 天未更新（要求 14 天内）；抓取帖文（条）：3")
    # the check's own words for the window, when it gives them
    assert describe(v("stale-column", "甲", "http://a/tzgg/", detail={
        "newest": "2026-05-06", "days": 200, "limit_days": 184, "window": "6个月", "category": "notice"})) == (
        "最新信息 2026-05-06，已 200 天未更新（要求 6个月 内更新）")
    for period, shown in (("2026-Q3", "2026年第三季度"), ("2026-10", "2026年10月"), ("2025", "2025年")):
        line = describe(v("schedule-overdue", "甲", "http://a/rsxx/", detail={
            "schedule": "quarterly", "period": period, "deadline": "2026-09-30", "newest": "2026-01-26"}))
        assert f"周期：{shown}；" in line and "更新周期：每季度" in line, line
    # all of it is still in the exports
    doc = report_dict(r)
    detail = next(x for x in doc["violations"] if x["rule"] == "wording-error")["detail"]
    assert detail["source"] == WORDING["source"] and detail["lexicon_version"] == "2025.1"


def test_shown_urls_drop_internal_fragments_and_wrap_at_separators():
    r = report_with_fragments()
    html = render_html(r)
    assert "#wording-" not in html and "#annual-report-" not in html
    assert "未找到2025年度报告" in html
    assert 'href="http://www.jx.gov.cn/xwdt/202610/t20261031_1036.html"' in html
    # <wbr> after / ? & = _ -, never inside a word; the escaping still holds
    assert ("http:/<wbr>/<wbr>www.jx.gov.cn/<wbr>xwdt/<wbr>202610/<wbr>t20261031_<wbr>1036.html</a>" in html)
    assert wbr("http://a.cn/x_y-z.htm?a=1&b=<2>") == (
        "http:/<wbr>/<wbr>a.cn/<wbr>x_<wbr>y-<wbr>z.htm?<wbr>a=<wbr>1&amp;<wbr>b=<wbr>&lt;2&gt;")
    assert wbr_text("例：http://a.cn/x-y，日期 2026-11-22") == "例：http:/<wbr>/<wbr>a.cn/<wbr>x-<wbr>y，日期 2026-11-22"
    assert "word-break: break-all" not in html and "overflow-wrap: anywhere" in html
    # the violation key keeps the fragment: the exports carry it
    assert ANNUAL_URL in {x["url"] for x in report_dict(r)["violations"]}


@needs_poppler
def test_pdf_text_has_no_internal_fragments(tmp_path):
    pdf = write_pdf(report_with_fragments(), tmp_path / "audit.pdf")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "#wording" not in squash(text) and "#annual-report" not in squash(text)
    assert "未找到2025年度报告" in squash(text)
    assert "\u200b" not in text  # <wbr> is a break opportunity, not a character of the URL


def test_rule_ids_only_in_the_appendix():
    r = report_with_fragments()
    html = render_html(r)
    body, appendix = html.split('id="appendix"')
    for rule in r.rules:
        assert rule.id not in body, rule.id
        assert rule.id in appendix, rule.id
    assert "规则编号" not in html


def test_appendix_marks_changed_and_disabled_rules():
    r = sample_report()
    rules = tuple(dataclasses.replace(x, parameters={"min_probes": 21, "days": 7},
                                      defaults={"min_probes": 140, "days": 7})
                  if x.id == "site-unreachable" else dataclasses.replace(x, enabled=x.id != "link-timeout")
                  for x in r.rules)
    html = render_html(dataclasses.replace(r, rules=rules))
    appendix = html.split('id="appendix"')[1]
    assert "min_probes = 21（默认 140）；days = 7<" in appendix
    row = next(tr for tr in appendix.split("<tr>") if "link-timeout" in tr)
    assert "已停用" in row and appendix.count("已停用") == 2  # the row and the footnote


def test_trend_starts_with_the_second_week_of_data():
    r = sample_report()
    one = tuple(p if p.week == "2026-W47" else WeekPoint(p.week, p.week_start) for p in r.trend)
    html = render_html(dataclasses.replace(r, trend=one))
    assert "<svg" not in html and "grid trend" not in html
    assert "二、近八周趋势" in html and "趋势图表自有监测结果的第二周起显示" in html
    html = render_html(r)
    assert html.count("<svg") == 2 and "grid trend" in html and "第二周起显示" not in html


def test_first_monitoring_and_accounts_are_said_as_shown():
    r = sample_report()
    first = tuple(dataclasses.replace(s, previous=None) for s in r.sites)
    html = render_html(dataclasses.replace(r, sites=first))
    note = html.split("得分：100 分减去扣分项扣分", 1)[1].split("</p>", 1)[0]
    assert "↑/↓" not in note and "首次监测：" in note and "60 分及以上合格" in note
    assert "<th>网站</th>" in html and "网站/账号" not in html
    account = SiteSummary("甲县发布", "https://mp.weixin.qq.com/x", None, date(2026, 11, 22), 0, 0, 0, 0, 0, 0,
                          {}, kind="account", platform="wechat")
    html = render_html(dataclasses.replace(r, sites=r.sites + (account,)))
    assert "<th>网站/账号</th>" in html and "<th>网站</th>" not in html
    note = html.split("得分：100 分减去扣分项扣分", 1)[1].split("</p>", 1)[0]
    assert "↑/↓" in note and "首次监测：" in note


def test_new_badge_stays_on_the_row_number_line():
    r = sample_report()
    many = tuple(dataclasses.replace(r.open[0], url=f"http://www.jx.gov.cn/dup/{i}.html") for i in range(12))
    html = render_html(dataclasses.replace(r, open=r.open + many))
    assert '<td class="num seq">12 <span class="tag">新</span></td>' in html
    style = html[html.index("<style>"):html.index("</style>")]
    assert re.search(r"td\.seq \{[^}]*white-space: nowrap", style)


def test_no_forced_breaks_but_the_owner_pages():
    html = render_html(sample_report())
    # only 七 starts a page (one owner per page, to forward each alone); headings keep with tables
    assert html.count('class="page-break"') == 1 and '<h2 id="owners" class="page-break">' in html
    style = html[html.index("<style>"):html.index("</style>")]
    assert ".lead, .keep { break-after: avoid; }" in style
    no_owners = render_html(dataclasses.replace(sample_report(), owners=()))
    assert 'class="page-break"' not in no_owners


# -- PDF -----------------------------------------------------------------------------------

class Listener:
    """A TCP listener that counts connections: any hit means the renderer fetched."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._t.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    li = Listener()
    yield li
    li.close()


@needs_poppler
def test_pdf_is_chinese_paged_embedded_and_offline(tmp_path, listener):
    pdf = write_pdf(sample_report(listener.port), tmp_path / "deep" / "audit.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = squash(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                                 capture_output=True, text=True).stdout)
    for s in ("政府网站监测周报", "2026-W47", "一、总体情况", "二、近八周趋势", "三、本周新发现问题",
              "四、仍未整改问题", "五、本周已整改问题", "六、问题明细", "七、各责任单位问题清单", "规则说明",
              "http://www.jx.gov.cn/missing.html", "第1页", "状态码404", "<script>alert(1)</script>"):
        assert s in text, s
    assert re.search(r"第1页/共(\d+)页", text)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout
    cjk = [ln for ln in fonts.splitlines() if "CJK" in ln]
    assert cjk and all(" yes " in ln for ln in cjk), fonts  # embedded
    assert listener.hits == 0


def test_pdf_fetcher_refuses_network_and_files(tmp_path, listener, caplog):
    # Raw (unescaped) hostile markup, as if the template had let it through: the fetcher is
    # the second line of defence.
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css">'
            f'<link rel="stylesheet" href="{secret.as_uri()}">'
            f'<style>@import url("http://127.0.0.1:{listener.port}/i.css");'
            f'body {{ background: url(http://127.0.0.1:{listener.port}/bg.png) }}</style></head>'
            f'<body><p>测试</p><img src="http://127.0.0.1:{listener.port}/x.png" alt="图">'
            f'<img src="https://127.0.0.1:{listener.port}/y.png"></body></html>')
    caplog.set_level("DEBUG")
    out = html_to_pdf(html, tmp_path / "x.pdf")
    assert out.stat().st_size > 0
    assert listener.hits == 0
    assert not [r for r in caplog.records if "disallowed protocol" in r.getMessage()]


@needs_poppler
def test_pdf_page_one_png(tmp_path):
    pdf = write_pdf(sample_report(), tmp_path / "audit.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "p")], check=True)
    pngs = list(tmp_path.glob("p*.png"))
    assert pngs and pngs[0].stat().st_size > 5000


# -- tabular -------------------------------------------------------------------------------

def test_xlsx_sheets_and_cells(tmp_path):
    from openpyxl import load_workbook

    r = sample_report()
    path = write_xlsx(r, tmp_path / "x" / "audit.xlsx")
    wb = load_workbook(path)
    # registry order, then the trend
    assert wb.sheetnames == ["汇总", "死链", "栏目不更新", "空白栏目", "元数据缺失", "近八周趋势"]
    s = wb["汇总"]
    assert s.freeze_panes == "A2" and s["A1"].font.b
    header = [c.value for c in s[1]]
    assert header[:14] == ["网站", "网址", "责任单位", "监测日期", "状态", "类型", "检查结论", "得分",
                           "单项否决项", "上周结论", "上周得分", "上周未整改", "未整改", "较上周"]
    row = dict(zip(header, [c.value for c in s[2]]))
    assert row["网站"] == "甲县人民政府网站" and row["页面数"] == 212 and row["检查结论"] == "合格"
    assert (row["得分"], row["上周得分"], row["上周未整改"], row["未整改"], row["较上周"]) == (92.5, 96, 2, 4, "↑2")
    row = dict(zip(header, [c.value for c in s[3]]))
    assert row["单项否决项"] == "空白栏目" and row["较上周"] == "↓2"
    assert s["E4"].value == "未能访问" and s["F4"].value == "政府网站" and s["J4"].value == "首次监测"
    t = wb["近八周趋势"]
    weeks = {t.cell(row=i, column=1).value: [c.value for c in t[i]] for i in range(2, t.max_row + 1)}
    assert len(weeks) == 8 and weeks["2026-W41"][2] == "无监测" and weeks["2026-W41"][3] is None
    assert weeks["2026-W47"][3] == 10  # 1 veto + 9 deductions
    d = wb["死链"]
    assert d["A1"].font.b and d.freeze_panes == "A2"
    urls = [d.cell(row=i, column=3).value for i in range(2, d.max_row + 1)]
    assert LONG_URL in urls and "http://www.jx.gov.cn/old.pdf" in urls
    assert all(d.cell(row=i, column=3).data_type == "s" for i in range(2, d.max_row + 1))
    anchors = [d.cell(row=i, column=5).value for i in range(2, d.max_row + 1)]
    assert any(a and SCRIPT in a for a in anchors)
    assert d.column_dimensions["C"].width <= 60
    m = wb["元数据缺失"]
    assert any(m.cell(row=i, column=12).value.startswith("缺少：成文日期")
               for i in range(2, m.max_row + 1))
    # Crawled text that looks like a formula stays text.
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value == FORMULA for c in cells)


def test_sheet_titles_are_legal():
    taken = {"汇总"}
    assert sheet_title("链接/跳转[错误]:*?\\", taken) == "链接_跳转_错误_____"
    assert sheet_title("汇总", taken) == "汇总(2)"
    long = sheet_title("很" * 40, taken)
    assert len(long) == 31 and len(sheet_title("很" * 40, taken)) == 31


def test_csv_bom_and_parse(tmp_path):
    path = write_csv(sample_report(), tmp_path / "audit.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[0][:10] == ["规则", "规则编号", "网站", "栏目", "问题地址", "发现页面", "状态",
                            "首次发现", "最近发现", "说明"]
    assert len(rows) == 1 + 8
    dead = [r for r in rows[1:] if r[4] == "http://www.jx.gov.cn/missing.html"][0]
    assert dead[0] == "死链" and dead[6] == "未整改" and dead[7] == "2026-11-18"
    assert dead[5].splitlines() == ["http://www.jx.gov.cn/tzgg/index.html", "http://www.jx.gov.cn/"]
    assert any(r[6] == "已整改" for r in rows[1:])
    assert "'" + FORMULA in [r[3] for r in rows]  # no formula for Excel/WPS


def test_json_round_trip(tmp_path):
    r = sample_report()
    path = write_json(r, tmp_path / "audit.json")
    raw = path.read_text("utf-8")
    assert "死链" in raw  # ensure_ascii=False
    doc = json.loads(raw)
    assert doc["week"] == "2026-W47" and doc["as_of"] == "2026-11-22"
    assert doc["generated_at"] == "2026-11-23T08:30:00"
    assert len(doc["sites"]) == 3 and len(doc["violations"]) == 8
    keys = {"rule", "site", "url", "page", "column", "severity", "status", "first_seen",
            "last_seen", "detail"}
    assert all(keys <= set(x) for x in doc["violations"])
    mm = [x for x in doc["violations"] if x["rule"] == "missing-metadata"][0]
    assert mm["detail"]["missing"] == ["发文字号", "索引号"] and mm["first_seen"] == "2026-11-18"
    fixed = [x for x in doc["violations"] if x["status"] == "fixed"]
    assert fixed[0]["fixed_on"] == "2026-11-20" and fixed[0]["detail"] == {"status": 410}


def test_write_report_dispatch(tmp_path):
    r = sample_report()
    for fmt in ("html", "xlsx", "json", "csv"):
        out = write_report(r, fmt, tmp_path / "w" / f"audit.{fmt}")
        assert out.exists() and out.stat().st_size > 0
    with pytest.raises(ValueError):
        write_report(r, "docx", tmp_path / "audit.docx")
