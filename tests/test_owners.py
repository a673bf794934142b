"""One owner resolver for the weekly report's per-owner pages and notify targets' `owners:`."""

from __future__ import annotations

from types import SimpleNamespace as V

from govwatch.config import load_config
from reports import notify_run, weekly
from reports.owners import Owners


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
    # both consumers use this one class
    assert weekly.Owners is Owners and notify_run.Owners is Owners
