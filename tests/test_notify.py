"""Notifications through apprise to a real local HTTP receiver; secrets never leak."""
from __future__ import annotations

import base64
import json
import logging
import sys
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from conftest import closed_port
from httpserver import LocalServer
from reports.model import ReportViolation
from reports.notify import NotifyResult, redact, run_digest, send, takes_attachments, veto_alerts

SECRET = "s3cr3tTOKEN"
TITLE = "【GovWatch】监测告警"
BODY = "甲县人民政府网站：新发现死链 2 个"


@pytest.fixture
def receiver():
    """A webhook receiver: its ``requests`` are every POST it got."""
    with LocalServer() as hook:
        hook.route("/*", None, methods=("POST",))
        yield hook


def test_one_post_per_url_with_chinese_text(receiver):
    urls = [f"json://127.0.0.1:{receiver.port}/hook/a", f"json://127.0.0.1:{receiver.port}/hook/b"]
    results = send(urls, TITLE, BODY)
    assert [r.ok for r in results] == [True, True]
    assert all(isinstance(r, NotifyResult) and r.error is None for r in results)
    assert sorted(q.target.split("?")[0] for q in receiver.requests) == ["/hook/a", "/hook/b"]
    for q in receiver.requests:
        doc = json.loads(q.body)
        assert doc["title"] == TITLE and doc["message"] == BODY


def test_attachment_arrives(receiver, tmp_path):
    pdf = tmp_path / "周报.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    [res] = send([f"json://127.0.0.1:{receiver.port}/hook"], TITLE, BODY, attach=pdf)
    assert res.ok
    [q] = receiver.requests
    [att] = json.loads(q.body)["attachments"]
    assert base64.b64decode(att["base64"]) == pdf.read_bytes()
    assert att["filename"] == "周报.pdf"
    assert res.attached


def test_missing_attachment_is_not_fatal(receiver, tmp_path, caplog):
    [res] = send([f"json://127.0.0.1:{receiver.port}/hook"], TITLE, BODY, attach=tmp_path / "no.pdf")
    assert res.ok and not res.attached
    assert json.loads(receiver.requests[0].body)["attachments"] == []
    assert "not found" in caplog.text


def test_which_services_take_attachments():
    assert takes_attachments("json://127.0.0.1:8080/x") and takes_attachments("mailto://u:p@example.org")
    assert not takes_attachments("dingtalk://0123456789abcdef0123456789abcdef/")
    assert not takes_attachments("garbage")


def test_secrets_reach_receiver_but_not_results_or_logs(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    url = f"json://user:{SECRET}@127.0.0.1:{receiver.port}/hook?+X-Token={SECRET}"
    [res] = send([url], TITLE, BODY)
    assert res.ok
    [q] = receiver.requests
    assert q.headers["X-Token"] == SECRET  # the header really was sent
    assert q.headers["Authorization"].startswith("Basic ")
    assert SECRET not in res.target and res.target.startswith("json://user:")
    assert str(receiver.port) in res.target and "X-Token" in res.target
    assert SECRET not in caplog.text
    assert SECRET not in redact(url)


def test_unreachable_and_bad_urls_fail_quietly(caplog):
    caplog.set_level(logging.DEBUG)
    port = closed_port()
    urls = [f"json://user:{SECRET}@127.0.0.1:{port}/hook?+X-Token={SECRET}&-key={SECRET}",
            f"nosuchscheme://{SECRET}@example.org/",
            "not a url at all " + SECRET]
    results = send(urls, TITLE, BODY)
    assert [r.ok for r in results] == [False, False, False]
    assert all(r.error for r in results)
    assert "Connection error" in results[0].error  # apprise's reason, scrubbed
    assert results[1].target == "nosuchscheme://***"
    for r in results:
        assert SECRET not in r.target and SECRET not in (r.error or "")
    assert SECRET not in caplog.text
    warnings = [r for r in caplog.records if r.name == "reports.notify"
                and r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert f"127.0.0.1:{port}" in warnings[0].getMessage()  # the target is still identifiable


def test_redact_masks_path_tokens_and_query_secrets():
    assert redact("garbage") == "unknown://***"
    token = "0123456789abcdef0123456789abcdef"
    r = redact(f"dingtalk://{token}/")
    assert r.startswith("dingtalk://") and token not in r
    r = redact(f"form://127.0.0.1:8080/x?-apikey={SECRET}&:extra={SECRET}")
    assert SECRET not in r and r.startswith("form://127.0.0.1:8080/x")


def _v(rule, site, url, severity="deduction", column=None, owner=None, **detail) -> ReportViolation:
    return ReportViolation(rule, site, url, None, column, severity, "open", date(2026, 11, 22),
                           date(2026, 11, 22), None, detail, True, 0, owner)


TITLES = {"dead-link": "死链", "blank-column": "空白栏目", "missing-metadata": "元数据缺失",
          "message-unanswered": "留言超期未回应", "homepage-stale": "首页不更新"}


def test_veto_alert_per_site():
    vetoes = [_v("message-unanswered", "示例县人民政府", "http://x.gov.cn/1.html", "veto", "县长信箱",
                 "县司法局", days=100),
              _v("homepage-stale", "示例县人民政府", "http://x.gov.cn/", "veto", owner="县政务公开办"),
              _v("homepage-stale", "乙县人民政府", "http://y.gov.cn/", "veto")]
    [(t1, b1, items1), (t2, b2, items2)] = veto_alerts(as_of=date(2026, 11, 22), vetoes=vetoes,
                                                       rule_titles=TITLES)
    assert t1 == "【GovWatch 单项否决】乙县人民政府：首页不更新 1 个" and items1 == [vetoes[2]]
    assert t2 == "【GovWatch 单项否决】示例县人民政府：首页不更新 1 个、留言超期未回应 1 个"
    assert "**责任单位**：县司法局、县政务公开办" in b2 and "2026-11-22" in b2
    assert "「县长信箱」留言超期未回应：http://x.gov.cn/1.html（已等待 100 天）" in b2
    assert len(items2) == 2
    # many sites at once (a province-wide outage): one message
    many = [_v("homepage-stale", f"{i}号网站", f"http://s{i}.gov.cn/", "veto") for i in range(7)]
    [(title, body, items)] = veto_alerts(as_of=date(2026, 11, 22), vetoes=many, rule_titles=TITLES)
    assert title == "【GovWatch 单项否决】0号网站等 7 个网站：单项否决问题 7 个" and len(items) == 7
    assert "6号网站 · 首页不更新：http://s6.gov.cn/" in body


def test_run_digest_text():
    titles = {"dead-link": "死链", "blank-column": "空白栏目", "missing-metadata": "元数据缺失"}
    new = [_v("dead-link", "甲县人民政府网站", f"http://www.jx.gov.cn/{i}.html", status=404)
           for i in range(12)]
    new.append(_v("blank-column", "乙市教育局网站", "http://jyj.yc.gov.cn/ghjh/", "veto"))
    fixed = [_v("missing-metadata", "甲县人民政府网站", "http://www.jx.gov.cn/zc/1.html")]
    title, body = run_digest(as_of=date(2026, 11, 22), new=new, fixed=fixed, rule_titles=titles,
                             open_counts={"甲县人民政府网站": 20}, max_examples=5,
                             report="reports/2026-W47/audit.pdf")
    assert "2026-11-22" in title and "单项否决" in title and "13" in title
    assert "- 甲县人民政府网站：12 个（死链 12）" in body
    assert "- 乙市教育局网站：1 个（空白栏目 1）" in body
    assert "- 甲县人民政府网站 · 元数据缺失：http://www.jx.gov.cn/zc/1.html" in body  # fixed, with its URL
    lines = body.splitlines()
    first = lines.index("**示例**") + 1
    assert lines[first].startswith("1. 【单项否决】乙市教育局网站 · 空白栏目：http://jyj.yc.gov.cn/ghjh/")
    assert "http://www.jx.gov.cn/0.html（状态码 404）" in body
    assert "……另有 8 个" in body
    assert "**已整改 1 个**" in body and "元数据缺失 1" in body
    assert "甲县人民政府网站 20 个" in body and "reports/2026-W47/audit.pdf" in body
    title, body = run_digest(as_of=date(2026, 11, 22), new=[], fixed=[], rule_titles=titles)
    assert "本次监测无新发现问题" in body and "新发现问题 0 个" in title
    title, body = run_digest(as_of=date(2026, 11, 22), rule_titles=titles, owners=["县司法局"],
                             new=[_v("blank-column", "甲县人民政府", "http://www.jx.gov.cn/gh/", column="规划计划")])
    assert title == "【GovWatch】2026-11-22 监测：新发现问题 1 个，已整改 0 个"
    assert "**责任单位**：县司法局" in body
    assert "1. 甲县人民政府「规划计划」· 空白栏目：http://www.jx.gov.cn/gh/（栏目从未发布信息）" in body


def test_messages_show_urls_without_internal_fragments():
    import datetime as dt

    from reports.model import ReportViolation
    from reports.notify import run_digest

    v = ReportViolation(rule="wording-error", site="县", url="http://a.gov.cn/1.html#wording-28b702fa", page=None,
                        column=None, severity="deduction", status="open", first_seen=dt.date(2026, 11, 22),
                        last_seen=dt.date(2026, 11, 22), fixed_on=None, detail={"wrong": "攻府", "right": "政府"},
                        new=True, days_open=0)
    title, body = run_digest(as_of=dt.date(2026, 11, 22), new=[v], fixed=[], rule_titles={"wording-error": "错别字"})
    assert "http://a.gov.cn/1.html" in body and "#wording-" not in body
