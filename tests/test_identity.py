"""Site identity: the footer extractor on hand-written footers in the shapes real sites use,
and the missing-site-identity check over a run built in a real SQLite store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from checks.base import Note, Violation
from checks.identity import MissingSiteIdentity
from conftest import REALPAGES
from crawler.extract.identity import site_identity
from crawler.extract.page import analyse, parse_html
from govwatch.store.db import Store
from govwatch.store.view import PreviousViolation, RunView
from govwatch.testing import RunBuilder

AS_OF = dt.date(2026, 11, 22)
HOME = "http://www.demo-county.gov.cn/"
CODE = "3611000007"


def page(footer: str, head: str = "", body: str = "") -> str:
    return (f"<html><head><title>某县人民政府</title>{head}</head><body>"
            f"<div class='main'>{body}<ul><li><a href='/xw/1.html'>要闻</a></li></ul></div>"
            f"<div class='footer'>{footer}</div></body></html>")


# A complete footer in the 江西 集约化 shape: text items, the badge as a link to bszs.conac.cn,
# the 找错 entry as the platform's script plus the image it renders.
GOOD_FOOTER = (
    "<p>主办单位：某县人民政府办公室　承办单位：某县大数据中心</p>"
    f"<p><a href='https://beian.miit.gov.cn/'>赣ICP备20001234号-1</a>　政府网站标识码：{CODE}　"
    "<a href='http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=36112202000077'>"
    "<img src='/img/ga.png'>赣公网安备 36112202000077号</a></p>"
    "<span id='_ideConac'><a href='https://bszs.conac.cn/sitename?method=show&amp;id=ABCDEF0123' target='_blank'>"
    "<img id='imgConac' src='/img/red.png'></a></span>"
    f"<script id='_jiucuo_' sitecode='{CODE}' src='https://zfwzgl.www.gov.cn/exposure/jiucuo.js'></script>"
    f"<span id='_span_jiucuo'><img onclick=\"Link('{CODE}')\" src='/img/jiucuo.png' alt='政府网站找错'></span>"
)
GOOD_HEAD = (f"<meta name='SiteName' content='某县人民政府'><meta name='SiteDomain' content='www.demo-county.gov.cn'>"
             f"<meta name='SiteIDCode' content='{CODE}'>")


# ------------------------------------------------------------------------ the extractor


def test_complete_footer():
    found = site_identity(page(GOOD_FOOTER, GOOD_HEAD), HOME)
    assert found["site_code"] == CODE and found["site_code_label"] == "政府网站标识码"
    assert found["site_code_source"] == "label"
    assert found["icp"] == "赣ICP备20001234号-1"
    assert found["police"] == "赣公网安备 36112202000077号"
    assert found["police_link_code"] == "36112202000077"
    assert found["badge"] == {"found": True, "src": "https://bszs.conac.cn/sitename?method=show&id=ABCDEF0123",
                              "how": "link"}
    assert found["jiucuo"]["found"] and found["jiucuo"]["site_code"] == CODE and found["jiucuo"]["platform"]
    assert found["sponsor"] == "某县人民政府办公室"  # ends where the next label begins
    assert found["meta"] == {"SiteName": "某县人民政府", "SiteDomain": "www.demo-county.gov.cn", "SiteIDCode": CODE}
    json.dumps(found)  # stored as JSON


@pytest.mark.parametrize("footer, code, raw, label", [
    ("<p>网站标识码：3611000007</p>", "3611000007", "3611000007", "网站标识码"),
    ("<p>网站识别码: 3611000007 </p>", "3611000007", "3611000007", "网站识别码"),
    ("<p>政府网站标识码：3611 000007</p>", "3611000007", "3611 000007", "政府网站标识码"),
    ("<p>网站标识码bm01000001　京ICP备05000001号</p>", "bm01000001", "bm01000001", "网站标识码"),
    ("<p>标识码：<span>3611000007</span></p>", "3611000007", "3611000007", "标识码"),
    ("<p>网站标识码：361100007</p>", "361100007", "361100007", "网站标识码"),  # kept as written: the check judges
    # the code next to the 公网安备 number: its groups are not glued onto the code
    ("<p>网站标识码：3611000007 36112202000077号</p>", "3611000007", "3611000007", "网站标识码"),
    ("<p>网站标识码：</p><p>赣ICP备20001234号</p>", None, "", "网站标识码"),  # labelled, but empty
])
def test_site_code_label_variants(footer, code, raw, label):
    found = site_identity(page(footer), HOME)
    assert (found["site_code"], found["site_code_raw"], found["site_code_label"]) == (code, raw, label)


def test_code_only_in_the_jiucuo_link():
    footer = ("<p>赣ICP备20001234号</p><a href='https://zfwzgl.www.gov.cn/exposure/jiucuo.html?"
              f"site_code={CODE}&amp;url=http%3A%2F%2Fwww.demo-county.gov.cn%2F'><img src='/img/jc.png'></a>")
    found = site_identity(page(footer), HOME)
    assert found["site_code"] == CODE and found["site_code_source"] == "jiucuo" and found["site_code_label"] is None
    assert found["jiucuo"]["how"] == "link" and found["jiucuo"]["platform"]
    assert found["jiucuo"]["href"].startswith("https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=")


def test_jiucuo_script_survives_analyse():
    """The spider passes analyse()'s tree, whose script bodies are emptied: attributes remain."""
    facts = analyse(page(GOOD_FOOTER, GOOD_HEAD).encode(), HOME, is_home=True)
    found = site_identity(facts.doc, HOME)
    assert found["jiucuo"]["site_code"] == CODE and found["jiucuo"]["how"] in ("script", "image")
    assert found["badge"]["found"] and found["site_code"] == CODE


def test_jiucuo_by_its_words_only():
    found = site_identity(page("<a href='/zhaocuo.html'>我为政府网站找错</a><p>赣ICP备20001234号</p>"), HOME)
    assert found["jiucuo"] == {"found": True, "href": "http://www.demo-county.gov.cn/zhaocuo.html", "site_code": None,
                               "how": "link", "platform": False}
    assert site_identity(page("<p>我为政府网站找错</p>"), HOME)["jiucuo"]["how"] == "text"


def test_document_write_footer():
    footer = ("<script type='text/javascript'>document.write('<p>主办单位：某县人民政府办公室</p>' + "
              f"'<p>网站标识码：{CODE}<a href=\"https://beian.miit.gov.cn/\">赣ICP备20001234号</a>' + "
              "'赣公网安备 36112202000077号</p>');\n"
              "document.write(unescape(\"%3Cspan id='_ideConac'%3E%3C/span%3E%3Cscript "
              "src='https://dcs.conac.cn/js/36/111/0000/1/CA361110000.js' type='text/javascript'%3E%3C/script%3E\"));"
              "</script>")
    found = site_identity(page(footer), HOME)
    assert found["site_code"] == CODE and found["icp"] == "赣ICP备20001234号"
    assert found["police"] == "赣公网安备 36112202000077号" and found["sponsor"] == "某县人民政府办公室"
    assert found["badge"] == {"found": True, "src": "https://dcs.conac.cn/js/36/111/0000/1/CA361110000.js",
                              "how": "script"}


def test_innerhtml_footer_with_js_escapes():
    footer = ("<div id='ft'></div><script>document.getElementById('ft').innerHTML = "
              "\"\\u7f51\\u7ad9\\u6807\\u8bc6\\u7801\\uff1a3611000007\";</script>")  # 网站标识码：
    assert site_identity(page(footer), HOME)["site_code"] == CODE


@pytest.mark.parametrize("footer, how", [
    ("<a href='http://bszs.conac.cn/sitename?method=show&amp;id=1'><img src='/i/red.png'></a>", "link"),
    ("<script src='http://dcs.conac.cn/js/36/111/0000/1/CA1.js'></script><span id='_ideConac'></span>", "script"),
    ("<img src='/i/dz.png' alt='党政机关网站标识'>", "image"),
    ("<span id='_ideConac'><img src='/i/red.png'></span>", "image"),
    ("<a href='https://wzsh.scopsr.gov.cn/'>标识</a>", "link"),
])
def test_badge_shapes(footer, how):
    badge = site_identity(page(footer), HOME)["badge"]
    assert badge["found"] and badge["how"] == how


def test_badge_placeholder_without_a_script_is_not_a_badge():
    assert site_identity(page("<span id='_ideConac'></span>"), HOME)["badge"] == {
        "found": False, "src": None, "how": "placeholder"}


def test_missing_items_and_values_kept_as_written():
    bare = site_identity(page("<p>版权所有：某县人民政府</p>"), HOME)
    assert [bare[k] for k in ("site_code", "icp", "police", "police_link", "sponsor")] == [None] * 5
    assert not bare["badge"]["found"] and not bare["jiucuo"]["found"]
    odd = site_identity(page("<p>备案号：ICP备20001234号 赣ICP备 20001234</p><p>赣公网安备 3611220200007号</p>"
                             "<p>主办：某县人民政府</p>"), HOME)
    assert odd["icp"] == "赣ICP备 20001234"  # the last one, the footer's: without 号
    assert odd["police"] == "赣公网安备 3611220200007号"  # 13 digits
    assert odd["sponsor"] == "某县人民政府"
    assert site_identity(page("<p>ICP备20001234号</p>"), HOME)["icp"] == "ICP备20001234号"


def test_lowercase_meta_names_are_canonical():
    head = "<meta name='sitename' content='某县人民政府'><meta name='siteidcode' content=''>"
    assert site_identity(page("", head), HOME)["meta"] == {"SiteName": "某县人民政府", "SiteIDCode": ""}


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
def test_real_footers():
    shanxi = site_identity((REALPAGES / "shanxi-gov-trs-article.html").read_bytes(), "http://www.shanxi.gov.cn/")
    assert shanxi["site_code"] == "1400000045" and shanxi["icp"] == "晋ICP备12000773号"
    assert shanxi["badge"]["how"] == "link" and shanxi["jiucuo"]["site_code"] == "1400000045"
    ordos = site_identity((REALPAGES / "ordos-egb-trs-list-page.html").read_bytes(), "http://x.gov.cn/")
    assert ordos["icp"] == "蒙ICP备13001412号-2" and ordos["police_link_code"] == "15062102000168"
    assert ordos["badge"]["found"] and ordos["jiucuo"]["platform"]


# ------------------------------------------------------------------------ the check


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path}/t.db")


SITE_META = {"SiteName": "某县人民政府", "SiteDomain": "www.demo-county.gov.cn", "SiteIDCode": CODE}


def good_identity(**changes) -> dict:
    identity = {
        "url": HOME, "site_code": CODE, "site_code_raw": CODE, "site_code_label": "网站标识码",
        "site_code_source": "label", "icp": "赣ICP备20001234号", "police": "赣公网安备 36112202000077号",
        "police_link": "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=36112202000077",
        "police_link_code": "36112202000077",
        "badge": {"found": True, "src": "https://bszs.conac.cn/sitename?method=show&id=1", "how": "link"},
        "jiucuo": {"found": True, "href": "https://zfwzgl.www.gov.cn/exposure/jiucuo.js", "site_code": CODE,
                   "how": "script", "platform": True},
        "sponsor": "某县人民政府办公室", "meta": dict(SITE_META),
    }
    identity.update(changes)
    return identity


def good_pages(articles: int = 3) -> list[tuple[str, str, dict]]:
    pages = [(HOME, "home", dict(SITE_META)),
             (HOME + "xw/index.html", "list", {**SITE_META, "ColumnName": "要闻动态"}),
             (HOME + "404.html", "error", {})]  # error pages are never judged
    for i in range(articles):
        pages.append((f"{HOME}xw/{i}.html", "article",
                      {**SITE_META, "ColumnName": "要闻动态", "ArticleTitle": f"标题{i}", "PubDate": "2026-11-20 09:00",
                       "ContentSource": "某县融媒体中心"}))
    return pages


def make_run(store, identity, pages=(), reached=True, completed=True) -> int:
    with RunBuilder(AS_OF, store=store) as run:
        run.site("县", HOME, reached=reached, completed=completed, home_status=None, identity=identity)
        for url, kind, meta in pages:
            run.page("县", url, kind=kind, status=404 if kind == "error" else 200, meta=meta)
    return run.run_id


def run_check(store, run_id, **params) -> list:
    check = MissingSiteIdentity()
    with store.session() as s:
        return list(check.check(RunView(s, run_id, AS_OF, ("县",)), check.params(params)))


def one(store, identity, pages=None, **params) -> Violation:
    found = run_check(store, make_run(store, identity, good_pages() if pages is None else pages), **params)
    assert len(found) == 1 and isinstance(found[0], Violation), found
    assert found[0].url == HOME and found[0].rule == "missing-site-identity"
    json.dumps(found[0].detail)
    return found[0]


def test_a_correct_site_passes(store):
    assert run_check(store, make_run(store, good_identity(), good_pages())) == []
    # boundaries of the formats: a 部委 code, an ICP with its -n, a 公网安备 known only by its link
    other = good_identity(site_code="bm01000001", icp="京ICP备05000001号-2", police=None,
                          meta={**SITE_META, "SiteIDCode": "bm01000001"},
                          jiucuo={"found": True, "href": None, "site_code": "bm01000001", "how": "script",
                                  "platform": True})
    pages = [(u, k, {**mt, "SiteIDCode": "bm01000001"} if mt else mt) for u, k, mt in good_pages()]
    assert run_check(store, make_run(store, other, pages)) == []


def test_extractor_output_of_a_correct_footer_passes(store):
    identity = site_identity(page(GOOD_FOOTER, GOOD_HEAD), HOME)
    assert run_check(store, make_run(store, identity, good_pages())) == []


@pytest.mark.parametrize("change, label", [
    ({"site_code": None, "site_code_raw": None, "site_code_label": None, "site_code_source": None,
      "jiucuo": {"found": True, "href": None, "site_code": None, "how": "text", "platform": False}}, "网站标识码"),
    ({"icp": None}, "ICP备案号"),
    ({"police": None, "police_link": None, "police_link_code": None}, "公安机关备案号（公网安备）"),
    ({"badge": {"found": False, "src": None, "how": "placeholder"}}, "党政机关网站标识"),
    ({"jiucuo": {"found": False, "href": None, "site_code": None, "how": None, "platform": False}},
     "“我为政府网站找错”入口"),
])
def test_each_missing_item(store, change, label):
    found = one(store, good_identity(**change))
    assert found.detail["missing"] == [label]
    assert found.detail["problems"] == []


@pytest.mark.parametrize("change, item, fault", [
    ({"site_code": "361100007", "site_code_raw": "361100007"}, "site_code", "9 位数字"),
    ({"site_code": "bm0100001", "site_code_raw": "bm0100001"}, "site_code", "bm 后为 7 位"),
    ({"icp": "赣ICP备20001234"}, "icp", "缺少“号”"),
    ({"icp": "ICP备20001234号"}, "icp", "缺少省份简称"),
    ({"police": "赣公网安备 3611220200007号", "police_link_code": "3611220200007"}, "police", "13 位"),
    ({"police": "赣公网安备 36112202000077"}, "police", "缺少“号”"),
])
def test_malformed_items(store, change, item, fault):
    identity = good_identity(**change)
    code = identity["site_code"]
    pages = [(u, k, {**mt, "SiteIDCode": code} if mt else mt) for u, k, mt in good_pages()]
    identity["meta"]["SiteIDCode"] = code
    identity["jiucuo"]["site_code"] = code  # the same code everywhere: only its form is wrong
    found = one(store, identity, pages)
    assert found.detail["missing"] == []
    assert found.detail["items"][item]["status"] == "malformed"
    assert any(fault in f for f in found.detail["items"][item]["faults"])
    (problem,) = found.detail["problems"]
    assert fault in problem and str(change[item]) in problem and "应为" in problem


def test_site_id_code_meta_differs_from_footer(store):
    pages = good_pages()
    pages[0] = (HOME, "home", {**SITE_META, "SiteIDCode": "360000000000000"})  # a CMS default left in place
    pages[3] = (pages[3][0], "article", {**pages[3][2], "SiteIDCode": "360000000000000"})
    found = one(store, good_identity(), pages)
    mismatch = found.detail["tags"]["SiteIDCode@mismatch"]
    assert mismatch["pages"] == 2 and mismatch["values"] == ["360000000000000"] and mismatch["footer"] == CODE
    assert mismatch["examples"] == [HOME, pages[3][0]]
    assert found.detail["missing"] == [] and len(found.detail["problems"]) == 1


def test_site_id_code_malformed_when_the_footer_has_none(store):
    identity = good_identity(site_code=None, site_code_raw=None, site_code_label=None, site_code_source=None)
    pages = [(u, k, {**mt, "SiteIDCode": "360000000000000"} if mt else mt) for u, k, mt in good_pages()]
    found = one(store, identity, pages)
    assert found.detail["missing"] == ["网站标识码"]
    assert found.detail["tags"]["SiteIDCode@mismatch"]["pages"] == 5  # home, list, 3 articles


def test_tags_missing_on_some_article_pages(store):
    pages = good_pages(articles=8)
    for i in (3, 4, 5, 6, 7):  # articles 0-4: 5 without ContentSource
        url, kind, meta = pages[i]
        pages[i] = (url, kind, {k: v for k, v in meta.items() if k != "ContentSource"})
    url, kind, meta = pages[8]
    pages[8] = (url, kind, {**meta, "ArticleTitle": " "})  # present but empty
    url, kind, meta = pages[1]
    pages[1] = (url, kind, {k: v for k, v in meta.items() if k != "ColumnName"})  # the list page
    url, kind, meta = pages[9]
    pages[9] = (url, kind, {k: v for k, v in meta.items() if k != "ColumnName"})  # articles need no ColumnName
    found = one(store, good_identity(), pages)
    tags = found.detail["tags"]
    assert tags["ContentSource@article"]["pages"] == 8 and tags["ContentSource@article"]["lacking"] == 5
    assert tags["ContentSource@article"]["examples"] == [pages[i][0] for i in (3, 4, 5)]  # up to 3
    assert tags["ArticleTitle@article"]["empty"] == 1 and tags["ArticleTitle@article"]["missing"] == 0
    assert tags["ColumnName@list"]["lacking"] == 1
    assert set(tags) == {"ContentSource@article", "ArticleTitle@article", "ColumnName@list"}
    assert any("文章页 8 个中有 5 个缺少" in p for p in found.detail["problems"])
    assert found.detail["missing"] == []
    # parameters: an accepted empty value, and fewer tags required on articles
    assert set(run_check(store, make_run(store, good_identity(), pages), empty_ok=["ArticleTitle"],
                         article_tags=["ArticleTitle", "PubDate"])[0].detail["tags"]) == {"ColumnName@list"}


def test_site_tags_on_every_page_kind(store):
    pages = good_pages()
    pages[0] = (HOME, "home", {k: v for k, v in SITE_META.items() if k != "SiteName"})
    found = one(store, good_identity(), pages)
    assert found.detail["tags"]["SiteName@home"]["lacking"] == 1
    assert run_check(store, make_run(store, good_identity(), pages), site_tag_kinds=["list", "article"]) == []


def test_code_shown_only_in_the_jiucuo_code(store):
    identity = good_identity(site_code=CODE, site_code_raw=None, site_code_label=None, site_code_source="jiucuo")
    found = one(store, identity)
    assert found.detail["missing"] == ["网站标识码"] and "只出现在找错入口" in found.detail["problems"][0]
    assert run_check(store, make_run(store, identity, good_pages()), code_shown=False) == []


def test_jiucuo_entry_of_another_site(store):
    identity = good_identity(jiucuo={"found": True, "href": None, "site_code": "3611000008", "how": "script",
                                     "platform": True})
    (problem,) = one(store, identity).detail["problems"]
    assert "3611000008" in problem and CODE in problem


def test_police_link_disagrees_with_its_text(store):
    identity = good_identity(police_link_code="36112202000078")
    (problem,) = one(store, identity).detail["problems"]
    assert "recordcode=36112202000078" in problem


def test_required_items_are_a_parameter(store):
    identity = good_identity(badge={"found": False, "src": None, "how": None}, sponsor=None)
    assert run_check(store, make_run(store, identity, good_pages()),
                     required=["site_code", "icp", "police", "jiucuo"]) == []
    found = one(store, identity, required=["site_code", "icp", "police", "jiucuo", "sponsor", "badge"])
    assert found.detail["missing"] == ["党政机关网站标识", "主办单位"]
    with pytest.raises(ValueError, match="unknown item"):
        MissingSiteIdentity.params({"required": ["site_code", "logo"]})


def test_home_page_not_read_gives_a_note_only(store):
    found = run_check(store, make_run(store, None, [(HOME + "xw/1.html", "article", {})], reached=False))
    assert len(found) == 1 and isinstance(found[0], Note) and found[0].site == "县"


def test_rechecked(store):
    check = MissingSiteIdentity()

    def previous(detail):
        return PreviousViolation("k", check.id, "县", HOME, HOME, None, "open", detail)

    footer_only, with_tags = previous({"missing": ["党政机关网站标识"], "tags": {}}), previous({"tags": {"x": 1}})
    cases = [(dict(identity=good_identity()), True, True),
             (dict(identity=good_identity(), completed=False), True, False),  # tags need a whole crawl
             (dict(identity=None, reached=False), False, False),
             (dict(identity=None, reached=True), False, False)]
    for kwargs, footer_expected, tags_expected in cases:
        run_id = make_run(store, pages=good_pages(), **kwargs)
        with store.session() as s:
            view = RunView(s, run_id, AS_OF, ("县",))
            assert check.rechecked(view, footer_only) is footer_expected, kwargs
            assert check.rechecked(view, with_tags) is tags_expected, kwargs


def test_broken_urls_in_a_footer_do_not_break_the_extractor():
    html = ('<html><body><p>京公网安备 11010202008000号</p><a href="http://[www.beian.gov.cn/x?recordcode=1">备案</a>'
            '<img data-src="http://[x/jiucuo.png"><script>document.write(\'<a href="http://[a">我为政府网站找错</a>\')'
            '</script></body></html>')
    facts = site_identity(html, "http://a.gov.cn/")
    assert facts["police"] and facts["jiucuo"]["found"]


# ---- a footer written by an external script (issue 15) ----------------------------------------

FOOTER_JS = ("document.write('<div class=\"foot\"><p>主办单位：示例县人民政府办公室</p>"
             "<p>网站标识码：3609000099</p><p>赣ICP备12345678号</p></div>');")


def test_footer_scripts_are_the_sites_own_footer_like_scripts():
    from crawler.extract.identity import footer_missing, footer_scripts

    doc = parse_html('<html><body><script src="/js/footer.js"></script><script src="/js/jquery.js"></script>'
                     '<script src="http://cdn.other.test/bottom.js"></script></body></html>')
    assert footer_scripts(doc, "http://www.sl.gov.cn/") == ["http://www.sl.gov.cn/js/footer.js"]
    identity = site_identity(doc, "http://www.sl.gov.cn/")
    assert footer_missing(identity)
    read = site_identity(doc, "http://www.sl.gov.cn/", [FOOTER_JS])
    assert (read["site_code"], read["sponsor"]) == ("3609000099", "示例县人民政府办公室") and not footer_missing(read)


def test_a_crawl_reads_the_footer_an_external_script_writes(tmp_path):
    import sqlite3

    from conftest import govwatch
    from httpserver import LocalServer, Response

    with LocalServer(routes={
        "/": '<html><head><meta charset="utf-8"><title>示例县人民政府</title></head><body>'
             '<p>首页</p><script src="/js/footer.js"></script></body></html>',
        "/js/footer.js": Response(body=FOOTER_JS, content_type="application/javascript; charset=utf-8"),
    }) as server:
        sites = tmp_path / "sites.yaml"
        sites.write_text(f"""database: sqlite:///govwatch.db
sites:
  - name: 示例县人民政府
    url: {server.url}
crawl: {{delay: 0, robots: false}}
""", encoding="utf-8")
        govwatch("crawl", "--config", str(sites), "--as-of", "2026-11-22")
    with sqlite3.connect(tmp_path / "govwatch.db") as conn:
        (identity,) = conn.execute("select identity from site_visits").fetchone()
    identity = json.loads(identity)
    assert (identity["site_code"], identity["sponsor"]) == ("3609000099", "示例县人民政府办公室")
