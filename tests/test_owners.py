"""One owner resolver for the weekly report's per-owner pages, notify targets' `owners:` and the
workbench."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from types import SimpleNamespace as V

from govwatch.config import load_config
from govwatch.jobs import CheckResult
from govwatch.store import models as m
from govwatch.store.db import Store
from reports import notify_run, weekly
from reports.owners import Owners
from reports.render import write_pdf
from test_notify_run import Receiver
from workbench import queries
from workbench.auth import Person

DAY = dt.date(2026, 11, 22)  # a Sunday: ISO week 2026-W47


def test_column_owner_by_url_then_unambiguous_name_then_site(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 县\n    url: http://x.gov.cn/\n    owner: 县政府办\n    columns:\n"
                     "      - {name: 通知公告, url: /tzgg/, owner: 县司法局}\n"
                     "accounts:\n  - {name: 号, platform: wechat, feed: http://f.example/rss, owner: 县融媒体中心}\n",
                     "utf-8")
    config = load_config(sites)
    # the run found a second column of the same name with another owner: the name decides nothing
    owners = Owners(config, [("县", "通知公告", "http://x.gov.cn/tzgg2/", "县民政局"),
                             ("县", "人事信息", "http://x.gov.cn/rsxx/", "县人社局")])
    assert owners(V(site="县", url="http://x.gov.cn/tzgg/", column=None)) == "县司法局"
    assert owners(V(site="县", url="http://x.gov.cn/rsxx/9.html", column="人事信息")) == "县人社局"
    assert owners(V(site="县", url="http://x.gov.cn/a.html", column="通知公告")) == "县政府办"
    assert owners(V(site="号", url="http://f.example/rss", column=None)) == "县融媒体中心"
    assert owners.configured == ("县政府办", "县司法局", "县融媒体中心")
    # every consumer uses this one class
    assert weekly.Owners is Owners and notify_run.Owners is Owners and queries.Owners is Owners


# -- the three consumers agree --------------------------------------------------------------------

SITES = """\
archive: reports
sites:
  - name: 县
    url: http://x.gov.cn/
    owner: 县政府办
    columns:
      - {{name: 通知公告, url: /tzgg/, category: notice, owner: 县司法局}}
notify:
{targets}"""
OWNED = {  # violation -> its owner, and why
    "http://x.gov.cn/tzgg/": "县司法局",  # the sites file's column, by URL
    "http://x.gov.cn/rsxx/9.html": "县人社局",  # a document of 人事信息: the run's column record, by name
    "http://x.gov.cn/tzgg2/": "县民政局",  # the run's second 通知公告 column, by URL
    "http://x.gov.cn/doc7.html": "县政府办",  # a document of 通知公告: two owners by that name, so the site's
    "http://x.gov.cn/old.pdf": "县政府办",  # no column: the site's
}


def _store_with_problems(tmp_path, port: int):
    targets = "".join(f"  - {{url: json://127.0.0.1:{port}/{i}, owners: [{o}]}}\n"
                      for i, o in enumerate(sorted(set(OWNED.values()))))
    (tmp_path / "sites.yaml").write_text(SITES.format(targets=targets), "utf-8")
    config = load_config(tmp_path / "sites.yaml")
    store = Store(config.database)
    with store.session() as s, s.begin():
        site = m.Site(name="县", url="http://x.gov.cn/")
        run = m.Run(as_of=DAY, status="checked", sites=["县"])
        s.add_all([site, run])
        s.flush()
        s.add_all([m.Column(run_id=run.id, site_id=site.id, name=name, url=url, category=category, source="nav",
                            owner=owner)
                   for name, url, category, owner in (("人事信息", "http://x.gov.cn/rsxx/", "personnel", "县人社局"),
                                                      ("通知公告", "http://x.gov.cn/tzgg2/", "notice", "县民政局"))])
        columns = {"tzgg/": "通知公告", "rsxx/9.html": "人事信息", "tzgg2/": "通知公告", "doc7.html": "通知公告"}
        for i, url in enumerate(OWNED):
            rule = "stale-column" if url.endswith("/") else "dead-link" if url.endswith(".pdf") else "missing-metadata"
            v = m.Violation(key=f"k{i}", rule=rule, site="县", url=url, page=url,
                            column=columns.get(url.removeprefix("http://x.gov.cn/")), severity="deduction",
                            status="open", first_seen=DAY, last_seen=DAY, first_run_id=run.id, last_run_id=run.id,
                            detail={})
            s.add(v)
            s.flush()
            s.add(m.ViolationEvent(violation_id=v.id, run_id=run.id, event="opened", as_of=DAY))
        run_id = run.id
    return config, store, run_id


def _markers(text: str) -> set[str]:
    squashed = "".join(text.split())
    return {url for url in OWNED if url.removeprefix("http://") in squashed}


def test_report_notifications_and_workbench_agree_on_each_problems_owner(tmp_path):
    receiver = Receiver()
    try:
        config, store, run_id = _store_with_problems(tmp_path, receiver.port)
        expected: dict[str, set[str]] = {}
        for url, owner in OWNED.items():
            expected.setdefault(owner, set()).add(url)

        # the weekly report's per-owner pages: the model, and the PDF (one owner per page)
        report = weekly.build_weekly(store, config, "2026-W47")
        assert {o: {v.url for v in vs} for o, vs in report.open_by_owner().items()} == expected
        pdf = write_pdf(report, tmp_path / "audit.pdf")
        pages = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                               text=True).stdout.split("\f")
        start = next(i for i, p in enumerate(pages) if "各责任单位问题清单" in p)
        in_pdf = {}
        for page in pages[start:]:
            heading = re.search(r"（[一二三四五六七八九十]+）\s*(县\S+)", page)
            if heading and heading[1] in expected:
                in_pdf[heading[1]] = _markers(page)
        assert in_pdf == expected

        # notify targets' `owners:` filters (a digest each, through apprise to a local receiver)
        list(notify_run.notify_run(config, store, CheckResult(run_id, DAY)))
        told = {}
        for i, owner in enumerate(sorted(expected)):
            [digest] = receiver.at(f"/{i}")
            told[owner] = _markers(digest["message"])
        assert told == expected

        # the workbench: its owner filter, each problem's owner, and what a department user sees
        with store.session() as s:
            owners = queries.owners_now(s, config)
            office = Person(1, "office", "office", None)
            for owner, urls in expected.items():
                rows = queries.problem_rows(s, queries.Filters(owner=owner), office, owners, DAY)
                assert {r.v.url for r in rows} == urls and {r.owner for r in rows} == {owner}
                unit = Person(2, owner, "department", owner)
                assert {r.v.url for r in queries.problem_rows(s, queries.Filters(), unit, owners, DAY)} == urls
            assert owners.all() == sorted(expected)
    finally:
        receiver.stop()
