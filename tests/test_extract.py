"""Extractors on our own snippets and on the real pages in ../shared/realpages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import REALPAGES
from crawler.extract.columns import categorize
from crawler.extract.dates import date_from_url, parse_date
from crawler.extract.links import normalize_url
from crawler.extract.page import analyse


@pytest.mark.parametrize("text, expected", [
    ("2023-07-21", dt.date(2023, 7, 21)),
    ("发布时间：2023年7月1日 10:00", dt.date(2023, 7, 1)),
    ("2023年5月1日", dt.date(2023, 5, 1)),  # htmldate's known mistake: 2023-01-01
    ("2018- 08- 21 19: 39", dt.date(2018, 8, 21)),
    ("2020/09/03", dt.date(2020, 9, 3)),
    ("2017.05.24", dt.date(2017, 5, 24)),
    ("2023-13-40 then 2023-02-03", dt.date(2023, 2, 3)),
    ("no date here 12345", None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_date_from_url():
    assert date_from_url("http://a.gov.cn/xw/202307/t20230721_123.html") == dt.date(2023, 7, 21)
    assert date_from_url("http://a.gov.cn/art/2023/7/1/art_1_2.html") == dt.date(2023, 7, 1)
    assert date_from_url("http://a.gov.cn/col/col1/index.html") is None


@pytest.mark.parametrize("href, expected", [
    ("../b.html#top", "http://a.gov.cn/b.html"),
    ("#top", None), ("mailto:x@a.gov.cn", None), ("javascript:void(0)", None), ("tel:123", None),
    ("HTTP://A.GOV.CN/x?y=1", "http://a.gov.cn/x?y=1"),
    ("/中文.html", "http://a.gov.cn/%E4%B8%AD%E6%96%87.html"),
])
def test_normalize_url(href, expected):
    assert normalize_url(href, "http://a.gov.cn/c/d.html") == expected


@pytest.mark.parametrize("name, category", [
    ("要闻动态", "news"), ("通知公告", "notice"), ("政策文件", "policy"), ("政策解读", "interpretation"),
    ("人事信息", "personnel"), ("规划计划", "plan"), ("机构职能", "static"), ("领导信息", "static"),
    ("县长信箱", "interaction"), ("专题专栏", "other"),
])
def test_categorize(name, category):
    assert categorize(name) == category


def test_maketime_is_not_the_publication_date():
    html = """<html><head><meta name="Maketime" content="2026-11-22 03:00:00">
    <meta name="PubDate" content="2024-03-05 10:00"></head><body><h1>标题</h1><p>正文</p></body></html>"""
    facts = analyse(html.encode(), "http://a.gov.cn/x/index.html")
    assert facts.published == dt.date(2024, 3, 5)
    assert facts.published_source == "meta:pubdate"


def test_metadata_table_with_empty_cell_and_label_variants():
    html = """<html><body><table class="xxgk"><tr><th>索 引 号：</th><td>11360900MB1234567X/2026-00012</td>
    <th>文　　号：</th><td> </td></tr><tr><th>发布机构：</th><td>示例县人民政府</td>
    <th>发文日期：</th><td>2026年10月08日</td></tr><tr><th>发布日期：</th><td>2026-10-09</td>
    <th>组配分类：</th><td>政策文件</td></tr></table><p>来源：本文</p></body></html>"""
    meta = analyse(html.encode(), "http://a.gov.cn/a.html").metadata
    assert meta == {"索引号": "11360900MB1234567X/2026-00012", "发文机关": "示例县人民政府",
                    "成文日期": "2026-10-08", "发布日期": "2026-10-09", "组配分类": "政策文件"}


def test_list_page_items_and_pagination_skip_navigation():
    html = """<html><body><div class="nav"><ul><li><a href="/a/">要闻 2026-01-01</a></li></ul></div>
    <ul class="list"><li><a href="t20261101_1.html">一</a><span>2026-11-01</span></li>
    <li><a href="t20261020_2.html">二</a><span>2026-10-20</span></li>
    <li><span>[置顶]</span><a href="t20200101_3.html">旧</a><span>2020-01-01</span></li></ul>
    <div class="page"><a href="index.html">首页</a><a href="index_1.html">2</a><a href="index_1.html">下一页</a>
    <a href="/other/index_9.html">9</a></div></body></html>"""
    facts = analyse(html.encode(), "http://a.gov.cn/xw/index.html")
    assert facts.kind == "list"
    assert [i.url.rsplit("/", 1)[1] for i in facts.listing.items] == ["t20261101_1.html", "t20261020_2.html", "t20200101_3.html"]
    assert [i.pinned for i in facts.listing.items] == [False, False, True]
    assert facts.listing.pages == ("http://a.gov.cn/xw/index_1.html",)  # other folders are not this list


def test_empty_list_is_recognised():
    html = """<html><body><ul class="list"><li class="empty">暂无信息</li></ul></body></html>"""
    facts = analyse(html.encode(), "http://a.gov.cn/ghjh/")
    assert facts.listing.items == () and facts.listing.empty_marker and facts.kind == "list"


# Real pages: what a reader of each page sees as its publication date, and its whole 信息公开
# block (every field, nothing more; checked by hand against the pages).
REAL = {
    "govcn-zhengce-content-fragment.html": (dt.date(2018, 12, 27), {
        "索引号": "000014349/2018-00221", "主题分类": "综合政务\\政务公开", "发文机关": "国务院办公厅",
        "成文日期": "2018-12-07", "标题": "国务院办公厅关于推进政务新媒体健康有序发展的意见",
        "发文字号": "国办发〔2018〕123号", "发布日期": "2018-12-27"}),
    "jiangxi-hanweb-xxgk-zcwj-article.html": (dt.date(2020, 2, 13), {
        "索引号": "014500815/2020-01655", "发文机关": "省政府办公厅", "发文字号": "赣府厅发〔2020〕4号",
        "主题分类": "科技、教育", "组配分类": "政策文件", "成文日期": "2020-02-05"}),
    "jiangxi-hanweb-xxgk-renmian-article.html": (dt.date(2020, 3, 3), {
        "索引号": "014500815/2020-02781", "发文机关": "江西省人民政府", "发文字号": "赣府字〔2020〕8号",
        "主题分类": "劳动、人事、监察", "组配分类": "领导干部任免", "成文日期": "2020-02-27"}),
    "wanzai-jx-jiyue-xxgk-article.html": (None, {
        "索引号": "014742224A/2023-0043406", "生成日期": "2023-05-11", "公开方式": "主动公开",
        "公开时限": "常年公开", "公开范围": "面向全社会", "责任部门": "万载县统计局"}),
    "yichun-jx-jiyue-article.html": (dt.date(2023, 5, 16), {
        "索引号": "014717475N/2023-0040295", "发文机关": "宜春市统计局", "成文日期": "2023-04-18",
        "公开方式": "主动公开", "公开时限": "常年公开", "公开范围": "面向全社会", "主题分类": "统计公报"}),
    "jiangxi-hanweb-jiedu-article.html": (dt.date(2020, 2, 13), {}),
    "shanxi-gov-trs-article.html": (dt.date(2019, 9, 18), {}),
    "npc-gongbao-ucap-article.html": (dt.date(2007, 8, 20), {}),
    "wenzhou-hanweb-article-2017.html": (dt.date(2016, 11, 25), {}),
    "cmse-trs-article.html": (dt.date(2012, 6, 24), {}),
}


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
@pytest.mark.parametrize("name", sorted(REAL))
def test_real_pages(name):
    published, expected_meta = REAL[name]
    facts = analyse((REALPAGES / name).read_bytes(), "http://www.example.gov.cn/a/b.html")
    if published is not None:
        assert facts.published == published
    assert facts.metadata == expected_meta


def test_breadcrumb_gives_the_article_column():
    from crawler.extract.columns import breadcrumb_columns
    from crawler.extract.page import parse_html

    html = """<html><body><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a>
    &gt; <a href="/zwgk/tzgg/">通知公告</a></div><div class="content"><a href="/other.html">其他</a></div></body></html>"""
    crumbs = breadcrumb_columns(parse_html(html), "http://a.gov.cn/zwgk/tzgg/202611/t20261101_1.html")
    assert [(c.name, c.url) for c in crumbs] == [("政务公开", "http://a.gov.cn/zwgk/"),
                                                 ("通知公告", "http://a.gov.cn/zwgk/tzgg/")]


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
def test_trs_script_pager_on_a_real_list_page():
    facts = analyse((REALPAGES / "ordos-egb-trs-list-page.html").read_bytes(), "http://www.ordos.gov.cn/xxgk/nb/index.html")
    assert facts.kind == "list" and len(facts.listing.items) == 10
    assert "http://www.ordos.gov.cn/xxgk/nb/index_1.html" in facts.listing.pages


def test_hanweb_datastore_and_dataproxy_paging():
    html = """<html><body><div id="5678"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=1&path=/&columnid=1234&unitid=5678&permissiontype=0"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href='/art/2026/11/17/art_1234_1.html' title='甲'>甲</a><span>2026-11-17</span></li>]]></record></recordset></datastore></script></div>
    <script>$('#5678').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', totalRecord:45, perPage:15,
    ajaxParam:{col:1,appid:1,webid:1,path:'/',columnid:1234,sourceContentType:1,unitid:5678,permissiontype:0}});</script></body></html>"""
    facts = analyse(html.encode(), "http://a.gov.cn/col/col1234/index.html")
    assert [(i.url, i.date) for i in facts.listing.items] == [("http://a.gov.cn/art/2026/11/17/art_1234_1.html", dt.date(2026, 11, 17))]
    requests = facts.hanweb.requests(50)
    assert [r[1] for r in requests] == ["GET", "GET"] and "page=3" in requests[1][0] and "columnid=1234" in requests[1][0]
    from dataclasses import replace

    posts = replace(facts.hanweb, next_group=None).requests(50)
    assert posts[0][0].endswith("startrecord=16&endrecord=30&perpage=15") and posts[0][2]["columnid"] == "1234"


def test_gbk_page_with_a_wrong_charset():
    html = "<html><head><meta charset='utf-8'><title>政务公开</title></head><body><p>发布日期：2026-01-02</p></body></html>"
    facts = analyse(html.encode("gbk"), "http://a.gov.cn/x.html", encoding="utf-8")
    assert facts.title == "政务公开" and facts.published == dt.date(2026, 1, 2)


# ---- one text walker in document order (issue 14) -------------------------------------------

def test_text_walkers_keep_document_order():
    from crawler.extract import feeds, identity, messages
    from crawler.extract.page import parse_html, visible_text
    from crawler.extract.text import walk_text

    markup = "<div><p>A<b>B</b>C</p>D<i>E</i>F</div>G<!-- note -->H<script>var x</script>I"
    doc = parse_html(f"<html><body>{markup}</body></html>")
    assert visible_text(doc) == "ABCDEFGHI"
    body = doc.find("body")
    assert walk_text(body) == "ABCDEFGHI"
    # the feeds' walker: a line per block, same order
    assert feeds._body(body, "http://x.test/")[0] == "ABC\nDEF\nGHI"
    # identity: a break after every block, a space after inline elements
    assert identity._text(body) == "AB C\nDE F\nGH\nI\n"
    # messages: the title link's own text is left out, its tail kept
    row = parse_html("<html><body><p>1<a href='/m'>TITLE<b>X</b></a>2<span>3</span>4</p></body></html>").find(".//p")
    assert messages._text(row, row.find("a")).split() == ["1", "234"]


# ---- header dates and metadata on unseen layouts (issue 15); our own snippets -----------------

MENU = "<ul class='mega'>" + "".join(f"<li><a href='/c{i}/'>栏目{i}的名称很长一些</a></li>" for i in range(400)) + "</ul>"
BODY = "<div class='content'><p>" + "正文段落，内容与日期无关。" * 30 + "</p><p>2019年1月2日印发的文件也在正文里。</p></div>"
FOOT = "<div class='footer'>版权所有 2011-2025 示例县人民政府 更新时间：2025-01-01</div>"


def page(header: str, *, title="示例县召开春季农业生产工作会议", head="", menu="", body=BODY) -> str:
    return (f"<html><head><title>{title}_示例县</title>{head}</head><body>{menu}"
            f"<div class='crumb'>首页 > 新闻 > {title}</div><h1>{title}</h1>{header}{body}{FOOT}</body></html>")


@pytest.mark.parametrize("header, day", [
    ("<ul class='info'><li> 2021年03月16日 10时05分 </li><li>来源: 示例县农业农村局</li></ul>", "2021-03-16"),
    ("<div><span id='pubtime'>2021-03-17 08:00</span><span id='source'>来源：县融媒体中心</span></div>", "2021-03-17"),
    ("<div class='post_source'>2021-03-18 00:00 来源：县政府办</div>", "2021-03-18"),
    ("<div class='src'>来源：示例日报 &nbsp; 2021-03-19 08:13:00</div>", "2021-03-19"),
    ("<div class='by'>县融媒体中心 2021-03-20 18:14:21</div>", "2021-03-20"),
    ("<div class='by'>发布时间：2021- 03- 21 19: 39</div>", "2021-03-21"),
    ("<div class='by'>更新时间：2021-03-22</div>", "2021-03-22"),
])
def test_header_dates_without_or_with_new_labels(header, day):
    facts = analyse(page(header), "http://www.sl.gov.cn/xw/123.html")
    assert (facts.published.isoformat(), facts.kind) == (day, "article")


def test_date_inside_the_title_and_labelled_date_past_a_long_menu():
    title_date = page("", title="示例县防汛工作通报").replace(
        "<h1>示例县防汛工作通报</h1>", "<h1>示例县防汛工作通报<small id='ivs_date'>( 2021-03-23)</small></h1>")
    assert analyse(title_date, "http://www.sl.gov.cn/a/1.html").published.isoformat() == "2021-03-23"
    far = page("<p class='info'>发布日期：2021-03-24</p>", menu=MENU)
    assert analyse(far, "http://www.sl.gov.cn/a/2.html").published.isoformat() == "2021-03-24"


def test_body_and_footer_dates_are_never_the_publication_date():
    facts = analyse(page("<div class='by'>示例县融媒体中心</div>"), "http://www.sl.gov.cn/a/3.html")
    assert facts.published is None
    # the article layout alone (a heading and paragraphs) makes it an article, not a page
    assert facts.kind == "article"


def test_a_pubdate_meta_equal_to_the_generation_time_is_distrusted():
    head = ("<meta name='PubDate' content='2024-06-30 10:00:00'>"
            "<meta name='others' content='页面生成时间 2024-06-30 10:00:00'>")
    url = "http://www.sl.gov.cn/xxgk/202403/abc.shtml"
    shown = page("<div>发布时间：2024-03-05</div>", head=head)
    assert analyse(shown, url).published.isoformat() == "2024-03-05"  # the visible date wins
    hidden = analyse(page("", head=head), url)
    assert hidden.published is None  # regenerated in June, published in March: not known
    agrees = analyse(page("", head=head), "http://www.sl.gov.cn/xxgk/202406/abc.shtml")
    assert (agrees.published.isoformat(), agrees.published_source) == ("2024-06-30", "meta:pubdate")
    trusted = analyse(page("", head=head.replace("页面生成时间 2024-06-30", "页面生成时间 2024-07-09")), url)
    assert trusted.published.isoformat() == "2024-06-30"


def meta_of(body: str) -> dict:
    return analyse(f"<html><body><h1>示例标题</h1>{body}</body></html>", "http://www.sl.gov.cn/a/1.html").metadata


PROSE = "<p>" + "示例县推进政务公开工作，内容与信息公开目录无关。" * 12 + "</p>"


def test_a_header_row_table_is_read_by_column_and_unknown_labels_stay_labels():
    body = ("<table class='xxgk'><tr><th>索取号</th><th>发布时间</th><th>发布机构</th><th>文件编号</th></tr>"
            "<tr><td>SL-2021-7</td><td>2021年4月1日</td><td>示例县政府办</td><td>示政发〔2021〕3号</td></tr></table>")
    assert meta_of(body + PROSE) == {"索取号": "SL-2021-7", "发布日期": "2021-04-01", "发文机关": "示例县政府办",
                                     "文件编号": "示政发〔2021〕3号"}


def test_a_block_grown_over_the_article_reads_no_body_lines_as_fields():
    body = ("<div class='article'><table><tr><td>索引号：</td><td>SL-2021-8</td></tr></table>" + PROSE
            + "<p>主办单位：示例县人民政府</p><p>咨询电话：0795-1234567</p><p>浏览次数：</p>" + PROSE + PROSE
            + "<div class='tail'>发布日期：2021-04-03</div></div>")
    assert meta_of(body) == {"索引号": "SL-2021-8", "发布日期": "2021-04-03"}


def test_hidden_blocks_are_not_metadata_and_shown_fields_are_kept():
    hidden = ("<div class='ng-hide'><table><tr><td>索引号：</td><td>OLD-1</td></tr>"
              "<tr><td>发文机关：</td><td>旧机关</td></tr></table></div>")
    styled = hidden.replace("class='ng-hide'", "style='display: none'")
    shown = ("<table><tr><td>索引号：</td><td>SL-2</td><td>发文机关：</td><td>示例县政府</td></tr>"
             "<tr><td>政策咨询部门：</td><td>县发改委</td><td>政策咨询电话：</td><td>0795-7654321</td></tr></table>")
    assert meta_of(hidden + PROSE) == {}
    assert meta_of(styled + shown + PROSE) == {"索引号": "SL-2", "发文机关": "示例县政府", "政策咨询部门": "县发改委",
                                                "政策咨询电话": "0795-7654321"}


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
def test_realpages_accuracy_benchmark():
    """bench/realpages_accuracy.py on ../shared/realpages: every date and field the pages show,
    and not one wrong value (a wrong value is a false violation)."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "bench" / "realpages_accuracy.py"
    spec = importlib.util.spec_from_file_location("realpages_accuracy", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    expected = json.loads((path.parent / "realpages_expected.json").read_text("utf-8"))
    result = bench.measure(REALPAGES, expected)
    assert [r for r in result["pages"] if r["problems"]] == []
    assert result["dates_right"] == result["dates_total"] >= 13
    assert result["fields_right"] == result["fields_total"] >= 34
    assert result["wrong_values"] == result["kinds_wrong"] == 0
