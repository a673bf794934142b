"""injected-content: hidden 暗链, spam text and sudden new hosts, on our own pages, the demo and the real pages."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.base import Note, Violation
from checks.injected import InjectedContent, load_spam_lexicon, spam_in_text
from conftest import REALPAGES
from crawler.extract.hidden import hidden_how, hidden_outbound_links
from crawler.extract.page import analyse, parse_html
from govwatch.store.view import RunView
from govwatch.testing import RunBuilder

HOME = "http://www.sl.gov.cn/"
DAY = dt.date(2026, 11, 22)
ARTICLE = "<h1>示例县召开安全生产会议</h1><p>" + "会议要求各单位落实安全生产责任。" * 10 + "</p>"


def page(extra: str) -> str:
    return f"<html><body>{ARTICLE}{extra}<div class='foot'>示例县人民政府 主办</div></body></html>"


@pytest.mark.parametrize("markup, how", [
    ("<div style='display:none'><a href='http://x.test/'>a</a></div>", "display:none"),
    ("<div style='position:absolute; top:-9999px'><a href='http://x.test/'>a</a></div>", "off-screen"),
    ("<div style='text-indent:-2000em'><a href='http://x.test/'>a</a></div>", "off-screen"),
    ("<span style='font-size:0px'><a href='http://x.test/'>a</a></span>", "font-size:0"),
    ("<p style='color:#FFF;background:#ffffff'><a href='http://x.test/'>a</a></p>", "text coloured like its background"),
    ("<iframe src='http://x.test/' width='1' height='1'></iframe>", "tiny iframe"),
    ("<div class='menu ng-hide'><a href='http://x.test/'>a</a></div>", "class ng-hide"),
])
def test_ways_of_hiding_a_link(markup, how):
    doc = parse_html(page(markup))
    assert [h["how"] for h in hidden_outbound_links(doc, HOME + "a/1.html")] == [how]


def test_hidden_menus_of_the_site_and_visible_links_are_not_hidden_outbound_links():
    markup = ("<ul class='sub' style='display:none'><li><a href='/zwgk/'>政务公开</a></li></ul>"
              "<a href='http://www.gov.cn/'>中国政府网</a><div style='height:20px'><a href='http://x.test/'>x</a></div>")
    assert hidden_outbound_links(parse_html(page(markup)), HOME + "a/1.html") == []
    assert hidden_how(parse_html("<p style='color:#333;background:#fff'>x</p>").find(".//p")) is None


@pytest.mark.parametrize("text, found", [
    ("北京赛车pk10开奖结果 十一选五 在线投注", True),
    ("六盒彩特码 时时采 开奖直播", True),            # 谐音 spellings
    ("菠菜平台注册送彩金", True),
    ("县公安局开展专项行动，严厉打击时时彩、百家乐等网络赌博违法犯罪。", False),  # a crackdown account
    ("谨防网络诈骗：不要相信刷单返利、代开发票等信息。", False),
    ("本县菠菜种植面积扩大，菠菜价格稳定。", False),   # spinach, one term at most
    ("十一选五", False),                               # one term alone
])
def test_spam_text(text, found):
    assert bool(spam_in_text(text, load_spam_lexicon())) is found


def night(store, as_of) -> RunBuilder:
    """A run of 县 (at HOME) built into ``store``."""
    return RunBuilder(as_of, store=store).site("县", HOME, home_status=None)


def store_page(run: RunBuilder, url, html, kind="article"):
    facts = analyse(html, url)
    run.page("县", url, kind=kind, title=facts.title, text=facts.text, hidden=facts.hidden)
    for link in facts.links:
        run.link("县", url, link.url, verdict=None, anchor=link.anchor, tag=link.tag)


def run_check(store, run_id, as_of=DAY, **params):
    check = InjectedContent()
    with store.session() as s:
        found = list(check.check(RunView(s, run_id, as_of, ("县",)), check.params(params)))
    return [v for v in found if isinstance(v, Violation)], [n for n in found if isinstance(n, Note)]


def test_the_check_reports_each_sign_with_its_evidence(store):
    with night(store, DAY) as run:
        store_page(run, HOME + "a/1.html", page(
            "<div style='position:absolute;left:-3000px'><a href='http://www.hg-yule8.test/'>最新影视</a></div>"))
        store_page(run, HOME + "a/2.html", page(
            "<p>十一选五开奖结果查询，北京赛车pk10在线投注，注册送彩金。</p>"))
        store_page(run, HOME + "a/3.html", page("<a href='http://bocai88.test/'>点此进入</a>"))
        store_page(run, HOME + "a/4.html", page(
            "<div style='display:none'><a href='http://www.people.com.cn/'>人民网</a></div>"))  # hidden, harmless
        run_id = run.run_id
    found, _ = run_check(store, run_id)
    signs = {v.url: v.detail["sign"] for v in found}
    assert signs == {HOME + "a/1.html#injected-hidden-link": "hidden-link",
                     HOME + "a/2.html#injected-spam-text": "spam-text",
                     HOME + "a/3.html#injected-spam-link": "spam-link"}
    hidden = next(v for v in found if v.detail["sign"] == "hidden-link")
    assert hidden.detail["how"] == "移出可视区域（负坐标/缩进）" and hidden.detail["where"] == "div"
    assert hidden.detail["snippet"] == "最新影视" and hidden.detail["veto_candidate"] is True
    text = next(v for v in found if v.detail["sign"] == "spam-text")
    assert "十一选五" in text.detail["snippet"] and text.detail["categories"] == ["gambling", "lottery"]
    assert text.detail["lexicon_version"] == load_spam_lexicon().version


def test_a_new_host_on_many_pages_at_once(store):
    def nightly(as_of, with_new):
        with night(store, as_of) as run:
            for i in range(30):
                extra = "<a href='http://www.partner.test/'>合作单位</a>"
                if with_new:
                    extra += "<a href='http://promo.example.test/x'>优惠活动</a>"
                store_page(run, f"{HOME}a/{i}.html", page(extra))
            return run.run_id

    first = nightly(DAY - dt.timedelta(days=1), False)
    assert run_check(store, first, DAY - dt.timedelta(days=1), new_host_pages=20)[0] == []
    second = nightly(DAY, True)
    found, _ = run_check(store, second, new_host_pages=20)
    assert [(v.detail["sign"], v.detail["host"], v.detail["pages"]) for v in found] == [
        ("new-host", "promo.example.test", 30)]
    assert run_check(store, second, new_host_pages=31)[0] == []
    assert run_check(store, second, new_host_pages=20, allow_hosts=["promo.example.test"])[0] == []
    # without an earlier night there is nothing to compare with: a note, no verdict
    found, notes = run_check(store, second, DAY + dt.timedelta(days=30), new_host_pages=20)
    assert found == [] and "no earlier run" in notes[0].text


def test_parameters_are_validated():
    with pytest.raises(ValueError, match="new_host_share"):
        InjectedContent.params({"new_host_share": 2.0})


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
def test_no_hit_on_the_real_pages():
    lexicon = load_spam_lexicon()
    for path in sorted(REALPAGES.glob("*.htm*")):
        facts = analyse(path.read_bytes(), "http://www.example.gov.cn/a/1.html")
        assert spam_in_text(f"{facts.title}\n{facts.text}", lexicon) is None, path.name
        suspicious = [h for h in facts.hidden if InjectedContent._suspicious(h, lexicon, set())]
        assert suspicious == [], path.name
        assert [l.anchor for l in facts.links if lexicon.term_hits(l.anchor)] == [], path.name


def test_the_report_line_says_what_was_planted_how_and_where():
    from reports.model import ReportViolation, describe, display_url

    d = dt.date(2026, 11, 22)
    v = ReportViolation("injected-content", "县", HOME + "a/1.html#injected-hidden-link", HOME + "a/1.html", None,
                        "deduction", "open", d, d, None,
                        {"sign": "hidden-link", "how": "文字与背景同色", "where": "div#yqlj", "snippet": "最新影视",
                         "host": "www.hg-yule8.test", "veto_candidate": True, "lexicon_version": "2026.12"},
                        True, 0)
    line = describe(v)
    assert "隐藏方式：文字与背景同色" in line and "位置：div#yqlj" in line and "内容片段：最新影视" in line
    assert "sign" not in line and display_url(v.url) == HOME + "a/1.html"


def test_term_hits_are_the_screens_matches_leftmost_longest():
    """The Aho-Corasick scan gives what the regex screen gives: leftmost, longest, no overlap,
    as written (case kept), also where terms run into each other."""
    lexicon = load_spam_lexicon()
    terms = sorted(lexicon.terms)
    texts = ["".join(terms), "通知".join(terms), " ".join(t.upper() for t in terms), "没有任何可疑内容的普通政务文本"]
    for text in texts:
        assert lexicon.term_hits(text) == [(m.start(), m.group()) for m in lexicon.screen.finditer(text)]
    assert lexicon.term_hits(texts[0])  # the check can fail: there is something to find
