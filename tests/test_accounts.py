"""政务新媒体 accounts end to end: each source kind (RSS, Atom, JSON Feed, Weibo's container
JSON, WeChat article pages) served on 127.0.0.1, crawled, checked; silent and unreadable
accounts, and wording errors and dead links in posts, reported under the account's name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from checks.accounts import AccountStale, AccountStaleEarlyWarning, AccountUnreachable
from conftest import closed_port, govwatch, violations_json
from govwatch.store import models as m
from govwatch.store.db import Store
from govwatch.store.view import RunView
from govwatch.testing import RunBuilder
from httpserver import LocalServer, Request, Response

FIXTURES = Path(__file__).parent / "fixtures" / "accounts"
# every host the fixtures name is this server: the test must not touch the network
_FOREIGN = re.compile(r"https?://[A-Za-z0-9.-]*(?:example|weibo|weixin|qpic|sinajs)[A-Za-z0-9.-]*")

pytestmark = pytest.mark.slow


def feeds_server() -> LocalServer:
    """Every fixture file at its name, with the hosts it names made this server; a small page
    at the paths the posts link; 404 elsewhere."""
    server = LocalServer(default=Response(404, "<html><head><title>404</title></head><body>404</body></html>",
                                          content_type="text/html"))
    base = server.url.rstrip("/")

    def fixture(request: Request) -> Response:
        name = request.path.lstrip("/")
        body = _FOREIGN.sub(base, (FIXTURES / name).read_text("utf-8"))
        body = re.sub(r"""href=(\\?["'])/""", lambda m: f"href={m.group(1)}{base}/", body)  # Weibo's relative links
        return Response(body=body, content_type="application/json" if name.endswith(".json") else
                        "application/xml" if name.endswith(".xml") else "text/html; charset=utf-8")

    for path in ("/status/", "/n/", "/s", "/ztzl/", "/zwgk/", "/hjzl/", "/yjsyc/"):
        server.route(path + "*", Response(body="<html><head><title>ok</title></head><body>ok</body></html>",
                                          content_type="text/html"))
    for path in FIXTURES.iterdir():
        if path.is_file():
            server.route(f"/{path.name}", fixture)
    return server


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    server = feeds_server()
    base = server.url.rstrip("/")
    closed = closed_port()
    directory = tmp_path_factory.mktemp("accounts")
    sites = directory / "sites.yaml"
    sites.write_text(f"""database: sqlite:///govwatch.db
accounts:
  - {{name: 示例市发布, platform: wechat, feed: "{base}/rss.xml", owner: 市融媒体中心}}
  - {{name: 示例市生态环境局, platform: wechat, feed: "{base}/atom.xml"}}
  - {{name: 示例市政务服务, platform: wechat, feed: "{base}/feed.json"}}
  - {{name: 示例发布微博, platform: weibo, feed: "{base}/weibo.json"}}
  - {{name: 示例健康, platform: wechat, pages: ["{base}/wechat-article.html"]}}
  - {{name: 登录墙, platform: weibo, feed: "{base}/weibo-login.json"}}
  - {{name: 已删除, platform: wechat, pages: ["{base}/wechat-deleted.html"]}}
  - {{name: 已关闭, platform: other, feed: "{base}/gone.xml"}}
  - {{name: 服务停止, platform: other, feed: "http://127.0.0.1:{closed}/feed.xml"}}
crawl: {{delay: 0, retries: 0, robots: false}}
""", encoding="utf-8")
    try:
        govwatch("run", "--config", str(sites), "--as-of", "2026-11-22")
    finally:
        server.stop()
    return {"sites": sites, "base": base, "directory": directory}


def test_every_source_kind_is_read_into_posts(crawled):
    store = Store(f"sqlite:///{crawled['directory']}/govwatch.db")
    with store.session() as s:
        posts = {}
        for page, site in s.query(m.Page, m.Site).join(m.Site, m.Site.id == m.Page.site_id).filter(m.Page.kind == "post"):
            posts.setdefault(site.name, []).append(page)
        kinds = {site.name: site.kind for site in s.query(m.Site)}
        checked = [c.url for c in s.query(m.LinkCheck)]
    assert checked and all(url.startswith("http://127.0.0.1:") for url in checked)  # links in posts, locally
    assert {name: len(p) for name, p in posts.items()} == {"示例市发布": 3, "示例市生态环境局": 2, "示例市政务服务": 3,
                                                           "示例发布微博": 8, "示例健康": 1}
    assert set(kinds.values()) == {"account"}
    rss = {p.title: p for p in posts["示例市发布"]}
    assert all(p.published for p in rss.values()) and sum(bool(p.text) for p in rss.values()) == 2  # one is an image
    weibo = posts["示例发布微博"]
    assert sum(p.published is None for p in weibo) == 1  # the pinned post keeps no date
    (article,) = posts["示例健康"]
    assert article.published == dt.date(2026, 11, 20)


def test_unreadable_accounts_are_reported_and_readable_ones_are_not(crawled):
    found = violations_json(crawled["sites"])
    unreachable = {v["site"]: v for v in found if v["rule"] == "account-unreachable"}
    assert set(unreachable) == {"登录墙", "已删除", "已关闭", "服务停止"}
    assert unreachable["已关闭"]["detail"]["status"] == 404
    assert "login" in unreachable["登录墙"]["detail"]["error"]
    assert unreachable["服务停止"]["url"] == unreachable["服务停止"]["url"]  # the source is the subject
    assert unreachable["已关闭"]["url"] == crawled["base"] + "/gone.xml"
    assert not [v for v in found if v["rule"] == "account-stale"]  # every readable account posted lately


def test_wording_errors_and_dead_links_in_posts_carry_the_accounts_name(crawled):
    found = violations_json(crawled["sites"])
    typos = {(v["site"], v["detail"]["wrong"]) for v in found if v["rule"] == "wording-error"}
    assert ("示例市发布", "中华人民共合国") in typos and ("示例发布微博", "中华人民共合国") in typos
    dead = [v for v in found if v["rule"] == "dead-link"]
    assert dead and {v["site"] for v in dead} <= {"示例市发布", "示例市生态环境局", "示例市政务服务", "示例发布微博", "示例健康"}
    assert all(v["page"] and v["detail"]["pages"][0]["anchor"] is not None for v in dead)


def test_the_same_crawl_judged_later_finds_silent_accounts(crawled, tmp_path):
    sites = crawled["sites"]
    govwatch("check", "--config", str(sites), "--as-of", "2026-12-01")  # 10 days after most posts
    warned = {v["site"] for v in violations_json(sites) if v["rule"] == "account-stale-early-warning"}
    assert {"示例市发布", "示例市生态环境局", "示例市政务服务", "示例健康"} <= warned
    govwatch("check", "--config", str(sites), "--as-of", "2026-12-10")
    stale = {v["site"]: v for v in violations_json(sites) if v["rule"] == "account-stale"}
    assert {"示例市发布", "示例市生态环境局", "示例市政务服务", "示例健康"} <= set(stale)
    assert stale["示例市发布"]["severity"] == "veto" and stale["示例市发布"]["detail"]["newest"] == "2026-11-21"


# -- the rules over a run built in the store ------------------------------------------------------


def _run(tmp_path, posts=(), reached=True):
    store = Store(f"sqlite:///{tmp_path}/a.db")
    with RunBuilder(dt.date(2026, 11, 22), store=store) as run:
        run.site("号", "http://127.0.0.1:1/feed.xml", kind="account", reached=reached, completed=reached,
                 home_status=None, home_error=None if reached else "DownloadConnectionRefusedError")
        for i, day in enumerate(posts):
            run.page("号", f"http://127.0.0.1:1/p{i}", kind="post", published=day)
    return store, run.run_id


def _found(store, run_id, check, **params):
    with store.session() as s:
        return list(check.check(RunView(s, run_id, dt.date(2026, 11, 22), ("号",)), check.params(params)))


@pytest.mark.parametrize("newest, stale, warned", [
    (dt.date(2026, 11, 8), False, True),  # exactly 14 days: not yet
    (dt.date(2026, 11, 7), True, False),
    (dt.date(2026, 11, 15), False, False),  # exactly 7 days: no warning yet
    (dt.date(2026, 11, 14), False, True),
])
def test_account_stale_boundaries(tmp_path, newest, stale, warned):
    store, run_id = _run(tmp_path, [newest, None])
    assert bool(_found(store, run_id, AccountStale())) == stale
    assert bool(_found(store, run_id, AccountStaleEarlyWarning())) == warned


def test_no_dated_post_and_unreachable(tmp_path):
    store, run_id = _run(tmp_path, [None])  # only a pinned post
    (note,) = _found(store, run_id, AccountStale())
    assert "not judged" in note.text
    store, run_id = _run(tmp_path / "x", [], reached=False)
    assert _found(store, run_id, AccountStale()) == []  # silence of an unread account is not judged
    (v,) = _found(store, run_id, AccountUnreachable())
    assert v.site == "号" and v.url == "http://127.0.0.1:1/feed.xml" and v.detail["error"]
