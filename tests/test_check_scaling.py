"""The check step costs the same number of SQL statements for 300 documents as for 3,000.

Issue 11: `govwatch check` on a 20,000-page portal ran for more than 17 minutes, one unindexed
query per document. Counting statements (not seconds) keeps per-document queries from coming
back unnoticed: every built-in check runs through `govwatch.jobs.check` on a run built in the
store with N policy documents, N/2 解读 linked both ways, messages, dead links and the
previous night's open violations (so that each check's re-check runs too).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from sqlalchemy import event, func, insert, select

from checks.base import violation_key
from govwatch import jobs
from govwatch.config import load_config
from govwatch.store import models as m
from govwatch.store.db import Store

AS_OF = dt.date(2026, 11, 22)
HOME = "http://x.gov.cn/"
SITE = "示例县人民政府"
ACCOUNT = "示例县发布"
COLUMNS = {  # name -> (path, category)
    "政策文件": ("zcwj/", "policy"),
    "政策解读": ("zcjd/", "interpretation"),
    "县长信箱": ("xzxx/", "interaction"),
    "工作动态": ("gzdt/", "news"),
    "统计数据": ("tjsj/", "other"),
    "人事信息": ("rsxx/", "personnel"),
}


def policy(i: int) -> str:
    return f"{HOME}zcwj/{i}.html"


def jiedu(j: int) -> str:
    return f"{HOME}zcjd/{j}.html"


def message(k: int) -> str:
    return f"{HOME}xzxx/{k}.html"


def dead(i: int) -> str:
    return f"{HOME}files/{i}.pdf"


def policy_row(i: int, run_id: int, site_id: int) -> dict:
    day = dt.date(2025, 1, 6) + dt.timedelta(days=i % 300)
    metadata = {"索引号": f"000-{i}", "发文机关": "示例县人民政府", "发文字号": f"示政发〔2025〕{i + 1}号",
                "成文日期": day.isoformat(), "发布日期": day.isoformat()}
    if i % 7 == 0:
        del metadata["发文机关"]  # missing-metadata
    if i % 11 == 0:
        metadata["发文字号"] = f"示政发[2025]{i + 1}号"  # malformed-doc-number
    text = "为进一步加强管理，现印发本办法。" + ("中华人民共合国" if i % 13 == 0 else "中华人民共和国")
    return dict(run_id=run_id, site_id=site_id, url=policy(i), status=200, kind="article", published=day,
                title=f"示例县人民政府关于印发《示例县第{i}号管理办法》的通知", text=text, metadata_=metadata,
                meta={"SiteName": SITE, "ColumnName": "政策文件", "ArticleTitle": "t", "PubDate": day.isoformat()})


def jiedu_row(j: int, run_id: int, site_id: int) -> dict:
    day = dt.date(2025, 1, 6) + dt.timedelta(days=(2 * j) % 300 + (1 if j % 3 else 9))  # every 3rd late
    return dict(run_id=run_id, site_id=site_id, url=jiedu(j), status=200, kind="article", published=day,
                title=f"《示例县第{2 * j}号管理办法》政策解读", text="解读正文。", metadata_={},
                meta={"SiteName": SITE, "ColumnName": "政策解读", "ArticleTitle": "t", "PubDate": day.isoformat()})


def build(store: Store, n: int) -> int:
    """A crawled run with n policy documents and everything around them; returns its id."""
    with store.session() as s, s.begin():
        site = m.Site(name=SITE, url=HOME)
        account = m.Site(name=ACCOUNT, url="http://weibo.example/1", kind="account")
        before = m.Run(as_of=AS_OF - dt.timedelta(days=7), status="checked", sites=[SITE, ACCOUNT])
        run = m.Run(as_of=AS_OF, status="crawled", sites=[SITE, ACCOUNT])
        s.add_all([site, account, before, run])
        s.flush()
        s.add_all([m.SiteVisit(run_id=run.id, site_id=site.id, reached=True, completed=True, home_status=200,
                               identity={"url": HOME, "site_code": "1234567890"}),
                   m.SiteVisit(run_id=run.id, site_id=account.id, reached=True, completed=True)])
        pages = [dict(run_id=run.id, site_id=site.id, url=HOME, status=200, kind="home", title=SITE,
                      published=AS_OF - dt.timedelta(days=1), text="首页", metadata_={}, meta={"SiteName": SITE})]
        pages += [policy_row(i, run.id, site.id) for i in range(n)]
        pages += [jiedu_row(j, run.id, site.id) for j in range(n // 2)]
        pages += [dict(run_id=run.id, site_id=account.id, url=f"http://weibo.example/1/{k}", status=200,
                       kind="post", published=AS_OF - dt.timedelta(days=20 + k), text="发布", metadata_={})
                  for k in range(5)]
        s.execute(insert(m.Page), pages)
        add_columns(s, run.id, site.id, n)
        add_links(s, run.id, site.id, n)
        add_previous(s, before.id, n)
        return run.id


def add_columns(s, run_id: int, site_id: int, n: int) -> None:
    items = {"政策文件": [(policy(i), f"通知{i}", dt.date(2025, 1, 6)) for i in range(n)],
             "政策解读": [(jiedu(j), f"解读{j}", dt.date(2025, 1, 7)) for j in range(n // 2)],
             "县长信箱": [(message(k), f"留言{k}", AS_OF - dt.timedelta(days=60 + 5 * k)) for k in range(n // 10)],
             "工作动态": [(f"{HOME}gzdt/{k}.html", f"动态{k}", AS_OF - dt.timedelta(days=40)) for k in range(3)],
             "统计数据": [(f"{HOME}tjsj/{k}.html", f"数据{k}", dt.date(2026, 8, 1)) for k in range(3)],
             "人事信息": []}
    for name, (path, category) in COLUMNS.items():
        rows = items[name]
        dates = [d for _, _, d in rows]
        column = m.Column(run_id=run_id, site_id=site_id, name=name, url=HOME + path, category=category,
                          source="nav", kind="list", list_pages=1, item_count=len(rows), dated_items=len(rows),
                          newest_date=max(dates, default=None))
        s.add(column)
        s.flush()
        if not rows:
            continue  # a blank column
        # a message answered in time, one still waiting past three months
        s.execute(insert(m.ColumnItem), [
            dict(column_id=column.id, url=url, title=title, date=date,
                 state=("unanswered" if k % 2 else "answered") if category == "interaction" else None)
            for k, (url, title, date) in enumerate(rows)])


def add_links(s, run_id: int, site_id: int, n: int) -> None:
    links, checks = [], {HOME: "ok", "http://www.gov.cn/": "ok"}
    for i in range(n):
        targets = [HOME, HOME + "zcwj/", "http://www.gov.cn/"]
        if i % 4 == 0 and i // 2 < n // 2:
            targets.append(jiedu(i // 2))  # every other policy links back to its 解读
        if i % 20 == 0:
            targets.append(dead(i))
            checks[dead(i)] = "dead"
        links += [(policy(i), t) for t in targets]
    for j in range(n // 2):
        links += [(jiedu(j), t) for t in (HOME, HOME + "zcjd/", policy(2 * j))]
    for page, target in links:
        checks.setdefault(target, "ok")
    checks[HOME + "zcjd/"] = "timeout"
    s.execute(insert(m.Link), [dict(run_id=run_id, site_id=site_id, page_url=p, target=t, anchor="链接", tag="a")
                               for p, t in links])
    s.execute(insert(m.LinkCheck), [dict(run_id=run_id, url=url, verdict=verdict, status=404 if verdict == "dead"
                                         else 200, attempts=1) for url, verdict in checks.items()])


def add_previous(s, run_id: int, n: int) -> None:
    """Open violations of the night before, most of them fixed now: each needs its re-check."""
    found: list[tuple[str, str, str | None, dict]] = []
    for i in range(0, n, 10):
        found.append(("missing-metadata", policy(i + 1), policy(i + 1), {"missing": ["发文机关"]}))
        found.append(("dead-link", f"{HOME}old/{i}.pdf", policy(i), {"pages": [{"url": policy(i)}]}))
        found.append(("wording-error", f"{policy(i + 1)}#wording-x", policy(i + 1), {"scope": "page"}))
        found.append(("interpretation-overdue", jiedu(i // 2 + 1), jiedu(i // 2 + 1), {"policy": policy(i + 2)}))
        found.append(("message-unanswered", message(i // 10 * 2), HOME + "xzxx/", {}))
    s.execute(insert(m.Violation), [
        dict(key=violation_key(rule, SITE, url), rule=rule, site=SITE, url=url, page=page, column=None,
             severity="deduction", status="open", first_seen=AS_OF - dt.timedelta(days=7),
             last_seen=AS_OF - dt.timedelta(days=7), reopened=0, first_run_id=run_id, last_run_id=run_id,
             detail=detail) for rule, url, page, detail in found])


@contextmanager
def counting(store: Store):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


def check_statements(tmp_path, n: int) -> tuple[int, jobs.CheckResult]:
    folder = tmp_path / str(n)
    folder.mkdir()
    (folder / "sites.yaml").write_text(
        f"database: sqlite:///{folder}/t.db\nsites:\n  - name: {SITE}\n    url: {HOME}\n    columns:\n"
        f"      - {{name: 统计数据, url: {HOME}tjsj/, schedule: monthly, due_days: 15}}\n", encoding="utf-8")
    config = load_config(folder / "sites.yaml")
    store = Store(config.database)
    run_id = build(store, n)
    with counting(store) as statements:
        result = jobs.check(config, store, run_id)
    with store.session() as s:
        failures = s.scalars(select(m.CheckNote.note).where(m.CheckNote.note.like("%failed%"))).all()
        opened = s.scalar(select(func.count()).select_from(m.Violation).where(m.Violation.first_run_id == run_id))
    store.close()
    assert failures == []
    assert opened == len(result.opened)
    return len(statements), result


def test_the_check_step_costs_the_same_statements_for_300_and_3000_documents(tmp_path):
    small, small_result = check_statements(tmp_path, 300)
    big, big_result = check_statements(tmp_path, 3000)
    # the run exercised what it should: every family found something, and re-checks fixed things
    for rule in ("dead-link", "missing-metadata", "malformed-doc-number", "interpretation-overdue",
                 "interpretation-unlinked", "wording-error", "message-unanswered", "stale-column",
                 "blank-column", "schedule-overdue", "account-stale", "link-timeout"):
        assert big_result.counts.get(rule, 0) > 0, rule
    assert big_result.counts["interpretation-overdue"] > small_result.counts["interpretation-overdue"] * 5
    assert len(big_result.fixed) > len(small_result.fixed) * 5
    assert len(big_result.opened) > 1500
    # statements do not grow with the documents (writes are batched: a few more pages of them)
    assert big - small <= 5, (small, big)
    assert big <= 200, (small, big)
