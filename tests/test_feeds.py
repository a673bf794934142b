"""Posts of new-media accounts from feeds, Weibo JSON and WeChat article pages (crawler/extract/feeds.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import REALPAGES
from crawler.extract.feeds import SHANGHAI, Account, FeedError, Post, parse_feed, parse_wechat_article, weibo_time

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "accounts"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=SHANGHAI)
WEWE = "https://rss.example.org/feeds/"
WEIBO_API = "https://m.weibo.cn/api/container/getIndex?type=uid&value=9990001234&containerid=1076039990001234"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def feed(name: str, url: str) -> Account:
    return parse_feed((FIXTURES / name).read_bytes(), url, NOW)


def test_wewe_rss_feed_of_a_wechat_account():
    account = feed("rss.xml", WEWE + "MP_WXS_3090000000.rss")
    assert account == Account("示例市发布", (
        Post("https://mp.weixin.qq.com/s/Qx7Lm2PzR4aVtN8bKc1sWg", "示例市召开2026年秋冬季森林防火工作部署会",
             sh(2026, 11, 21, 17, 30),
             "11月21日，市政府召开秋冬季森林防火工作部署会。\n会议强调，要认真贯彻《中华人民共合国森林法》，压紧压实各级责任。",
             ()),
        Post("https://mp.weixin.qq.com/s/b3Kd9Yf0TrEw5uJxHnA6pQ", "关于2026年度政府信息公开工作年度报告的公告",
             sh(2026, 11, 19),
             "年度报告全文请见市政府门户网站，附件可在此处下载。\n如有疑问请发邮件或点击咨询，返回顶部。",
             # relative link against the feed; mailto:, javascript: and #top are not links to check
             (("https://www.example.gov.cn/zwgk/ndbg/202611/t20261119_1234.html", "市政府门户网站"),
              ("https://rss.example.org/files/2026/ndbg.pdf", "此处下载"))),
        Post("https://mp.weixin.qq.com/s/Zz0pWq5Xe8Rr2Tt4Yy6Uu1", "图说｜一图读懂《示例市优化营商环境若干措施》",
             sh(2026, 11, 16, 19, 20), "", ()),
    ))
    assert all(p.published.utcoffset() == timedelta(hours=8) for p in account.posts)


def test_atom_feed_prefers_published_and_decodes_html_titles():
    account = feed("atom.xml", WEWE + "MP_WXS_3090000001.atom")
    assert account.name == "示例市生态环境局"
    first, second = account.posts
    assert first == Post(
        "https://mp.weixin.qq.com/s/Ae4Rt6Yu8Io0Pa2Sd4Fg6H", "10月份全市空气质量状况通报", sh(2026, 11, 20, 15, 30),
        "10月份，全市优良天数比例为93.5%，同比上升2.1个百分点。\n详细数据见局门户网站。",
        (("https://sthjj.example.gov.cn/hjzl/202611/t20261120_88.html", "局门户网站"),))
    # no <published>: <updated> stands in; no <content>: the summary is the text
    assert second == Post(
        "https://mp.weixin.qq.com/s/Hj1Kl2Zx3Cv4Bn5Mq6Wr7T", "<公示> 建设项目环境影响评价文件受理情况",
        sh(2026, 11, 18, 9, 0), "公示期为5个工作日。", ())


def test_json_feed_is_parsed_without_feedparser():
    account = feed("feed.json", WEWE + "MP_WXS_3090000002.json")
    assert account == Account("示例市政务服务", (
        Post("https://mp.weixin.qq.com/s/Nm8Bv7Cx6Zl5Kj4Hg3Fd2S", "“一件事一次办”新增12项集成服务", sh(2026, 11, 20, 10, 0),
             "即日起，新生儿出生、企业开办等12项“一件事”可在线办理。\n办理入口：市政务服务网",
             (("https://zwfw.example.gov.cn/yjsyc/", "市政务服务网"),)),
        # a zoneless date is Beijing time
        Post("https://mp.weixin.qq.com/s/Pq1Wo2Ie3Ur4Yt5Ta6Sd7F", "元旦假期政务服务大厅办公时间安排", sh(2026, 11, 12, 9, 0),
             "元旦假期期间，市政务服务大厅暂停现场办理业务。", ()),
        Post("https://rss.example.org/notices/3.html", "无日期的提醒", None, "没有发布时间的条目。", ()),
    ))


def test_zoneless_rss_date_is_beijing_time():
    body = ('<rss version="2.0"><channel><title>某局</title><item><title>通知</title><link>/s/1</link>'
            "<pubDate>2026-11-20 10:00:00</pubDate></item></channel></rss>").encode()
    (post,) = parse_feed(body, "https://rss.example.org/feeds/x.rss", NOW).posts
    assert post.url == "https://rss.example.org/s/1"
    assert post.published == sh(2026, 11, 20, 10, 0)


@pytest.mark.parametrize("written, expected", [
    ("Fri, 20 Nov 2026 23:30:00 CST", sh(2026, 11, 20, 23, 30)),  # China Standard Time, not US Central
    ("Fri, 20 Nov 2026 23:30:00 +0800", sh(2026, 11, 20, 23, 30)),
    ("Fri, 20 Nov 2026 15:30:00 GMT", sh(2026, 11, 20, 23, 30)),
])
def test_cst_in_a_chinese_feed_is_beijing_time(written, expected):
    body = ('<rss version="2.0"><channel><title>某局</title><item><title>通知</title><link>/s/1</link>'
            f"<pubDate>{written}</pubDate></item></channel></rss>").encode()
    (post,) = parse_feed(body, "https://rss.example.org/feeds/x.rss", NOW).posts
    assert post.published == expected


def test_weibo_container_answer():
    account = feed("weibo.json", WEIBO_API)
    assert account.name == "示例发布"
    assert [(p.url, p.published, p.pinned) for p in account.posts] == [
        ("https://m.weibo.cn/status/P3aBcDeF1", sh(2026, 3, 15, 9, 8, 6), True),  # absolute form, pinned
        ("https://m.weibo.cn/status/P9gHiJkL7", NOW, False),  # 刚刚
        ("https://m.weibo.cn/status/P9gHiJkL6", sh(2026, 11, 22, 14, 55), False),  # 5分钟前
        ("https://m.weibo.cn/status/5110900000000005", sh(2026, 11, 22, 12, 0), False),  # 3小时前, no bid
        ("https://m.weibo.cn/status/P9gHiJkL4", sh(2026, 11, 21, 9, 30), False),  # 昨天 09:30
        ("https://m.weibo.cn/status/P9gHiJkL3", sh(2026, 11, 20), False),  # 11-20: this year
        ("https://m.weibo.cn/status/P9gHiJkL2", sh(2025, 12, 30), False),  # 12-30 would be future: last year
        ("https://m.weibo.cn/status/P9gHiJkL1", sh(2025, 10, 8), False),  # 2025-10-08
    ]  # the card_group suggestion and the 没有更多微博了 notice are not posts
    pinned = account.posts[0]
    assert pinned.title == "【12345政务服务便民热线】"
    assert pinned.text == "【12345政务服务便民热线】\n群众诉求请拨打12345，或登录网上诉求平台。#12345# ...全文"
    assert pinned.links == (
        ("https://www.example.gov.cn/hdjl/12345/", "网上诉求平台"),
        ("https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%2312345%23", "#12345#"),
        ("https://m.weibo.cn/status/5102938475610234", "全文"),
    )
    assert account.posts[2].text == "学习贯彻《中华人民共合国宪法》，争做尊法学法守法用法的好公民。"
    assert account.posts[3].links == (("https://m.weibo.cn/n/%E7%A4%BA%E4%BE%8B%E4%BA%BA%E5%A4%A7", "@示例人大"),)


@pytest.mark.parametrize("value, now, expected", [
    ("刚刚", NOW, NOW),
    ("30秒前", NOW, sh(2026, 11, 22, 14, 59, 30)),
    ("59分钟前", NOW, sh(2026, 11, 22, 14, 1)),
    ("23小时前", NOW, sh(2026, 11, 21, 16, 0)),
    ("今天 08:05", NOW, sh(2026, 11, 22, 8, 5)),
    ("昨天 23:59", sh(2027, 1, 1, 0, 30), sh(2026, 12, 31, 23, 59)),
    ("01-01", sh(2027, 1, 1, 0, 30), sh(2027, 1, 1)),
    ("12-31", sh(2027, 1, 1, 0, 30), sh(2026, 12, 31)),
    ("Sun Apr 22 09:08:06 +0800 2018", NOW, sh(2018, 4, 22, 9, 8, 6)),
    ("Tue Feb 23 04:28:47 +0000 2021", NOW, sh(2021, 2, 23, 12, 28, 47)),
    # `now` in another zone or naive (taken as Beijing time) gives the same Beijing day
    ("昨天 09:30", datetime(2026, 11, 22, 7, 0, tzinfo=timezone.utc), sh(2026, 11, 21, 9, 30)),
    ("昨天 09:30", datetime(2026, 11, 22, 15, 0), sh(2026, 11, 21, 9, 30)),
    ("前年", NOW, None),
    ("", NOW, None),
])
def test_weibo_created_at_forms(value, now, expected):
    assert weibo_time(value, now) == expected


def test_weibo_pinned_by_title_or_profile_type():
    body = ('{"ok":1,"data":{"cards":['
            '{"card_type":9,"mblog":{"id":"1","created_at":"01-02","title":{"text":"置顶"},"text":"a"}},'
            '{"card_type":9,"profile_type_id":"proweibotop_2","mblog":{"id":"2","created_at":"01-03","text":"b"}},'
            '{"card_type":9,"mblog":{"id":"3","created_at":"01-04","text":"c"}}]}}').encode()
    account = parse_feed(body, WEIBO_API, NOW)
    assert [p.pinned for p in account.posts] == [True, True, False]
    assert account.name is None  # neither userInfo nor mblog.user


def test_wechat_article_page():
    url = "https://mp.weixin.qq.com/s/Xy9Zw8Vu7Ts6Rq5Po4Nm3L"
    account = parse_wechat_article((FIXTURES / "wechat-article.html").read_bytes(), url)
    assert account == Account("示例健康", (Post(
        url, '示例市2026年冬季流感防治指南"官方版"', sh(2026, 11, 20, 12, 30),  # var ct = "1795149000"
        "入冬以来，我市流感活动水平呈上升趋势。\n疾控专家提醒：接种疫苗是预防流感最有效的手段。\n"
        "全市接种门诊名单请查看市卫健委网站；\n往期回顾：秋季健康提示\n点击收藏",
        # only #js_content: not 阅读原文, not the javascript: link, not script text
        (("https://wjw.example.gov.cn/ztzl/lgfk/202611/t20261118_5566.html", "市卫健委网站"),
         ("https://mp.weixin.qq.com/s?__biz=MzA5OTAwMDAwMQ==&mid=2649999999&idx=2&sn=aa11bb22cc33dd44", "秋季健康提示")),
    ),))


def test_wechat_article_falls_back_to_og_title_and_js_name():
    body = (FIXTURES / "wechat-article.html").read_text(encoding="utf-8")
    body = body.replace("var msg_title", "var old_title").replace("var nickname", "var old_nickname").replace("var ct", "var old_ct")
    (post,) = (account := parse_wechat_article(body.encode(), "https://mp.weixin.qq.com/s/x")).posts
    assert (account.name, post.title, post.published) == ("示例健康", "示例市2026年冬季流感防治指南", None)


@pytest.mark.skipif(not (REALPAGES / "wechat-mp-article.html").is_file(), reason="../shared/realpages is not beside this checkout")
def test_real_wechat_article():
    account = parse_wechat_article((REALPAGES / "wechat-mp-article.html").read_bytes(), "https://mp.weixin.qq.com/s/abc#rd")
    (post,) = account.posts
    assert account.name == "未闻Code"
    assert post.url == "https://mp.weixin.qq.com/s/abc"
    assert post.title == "一日一技：在 Python 中实现延迟调用"
    assert post.published == datetime.fromtimestamp(1581418070, timezone.utc)
    assert "关键词叫做defer，它可以实现延迟调用。" in post.text  # inline <code> stays inside its line


def test_wechat_unavailable_pages_say_why():
    with pytest.raises(FeedError, match="WeChat article unavailable: 该内容已被发布者删除"):
        parse_wechat_article((FIXTURES / "wechat-deleted.html").read_bytes(), "https://mp.weixin.qq.com/s/gone")
    violation = '<html><body><div class="weui-msg"><p class="weui-msg__title">此内容因违规无法查看</p></div></body></html>'
    with pytest.raises(FeedError, match="此内容因违规无法查看"):
        parse_wechat_article(violation.encode(), "https://mp.weixin.qq.com/s/bad")
    with pytest.raises(FeedError, match=r"not a WeChat article page \(no #js_content\)"):
        parse_wechat_article(b"<html><body><p>hello</p></body></html>", "https://mp.weixin.qq.com/s/x")


@pytest.mark.parametrize("body, message", [
    ((FIXTURES / "weibo-login.json").read_bytes(), "Weibo answered ok=0: 请先登录; login required"),
    (b'{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome?entry=mweibo"}', "Weibo answered ok=-100; login required"),
    (b'{"ok":0,"msg":"\xe8\xbf\x99\xe9\x87\x8c\xe8\xbf\x98\xe6\xb2\xa1\xe6\x9c\x89\xe5\x86\x85\xe5\xae\xb9","data":{"cards":[]}}',
     "Weibo answered ok=0: 这里还没有内容; login may be required"),
    (b'{"ok":1,"data":{}}', "Weibo answer has no data.cards"),
    (b'{"code":500,"message":"error"}', "JSON is neither a JSON Feed nor a Weibo getIndex answer (keys: code, message)"),
    (b'{"ok":1,', "invalid JSON"),
    (b"  \n", "empty body"),
    (b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
     "not a feed (RSS, Atom, JSON Feed or Weibo JSON): an HTML page titled '502 Bad Gateway'"),
    (b"plain words", "not a feed (RSS, Atom, JSON Feed or Weibo JSON): not RSS/Atom"),
])
def test_bodies_that_are_not_feeds(body, message):
    with pytest.raises(FeedError) as caught:
        parse_feed(body, WEIBO_API, NOW)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)
