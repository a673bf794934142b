"""The command line: clear errors with exit codes, init, checks listing, inspect, the run lock."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import REALPAGES, govwatch
from govwatch.lock import LockedError, RunLock


def test_bad_sites_file_exits_2_naming_key_and_line(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 县\n    url: htp://x\ncrawl:\n  delya: 1\n", "utf-8")
    proc = govwatch("run", "--config", str(sites), check=False)
    assert proc.returncode == 2
    assert "sites.yaml:3: sites[0].url" in proc.stderr and "sites.yaml:5: crawl.delya" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_rule_parameter_exits_2_before_crawling(tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - name: 县\n    url: http://127.0.0.1:9/\n"
                     "rules:\n  stale-column:\n    news_dayz: 3\n", "utf-8")
    proc = govwatch("run", "--config", str(sites), check=False)
    assert proc.returncode == 2
    assert "sites.yaml:6: rules.stale-column" in proc.stderr and "news_dayz" in proc.stderr


def test_missing_config_and_bad_arguments_exit_2(tmp_path):
    assert govwatch("violations", "--config", str(tmp_path / "none.yaml"), check=False).returncode == 2
    assert govwatch("violations", check=False).returncode == 2
    assert govwatch("run", "--config", str(tmp_path / "x.yaml"), "--as-of", "2026-13-01", check=False).returncode == 2


def test_init_writes_a_file_that_loads(tmp_path):
    target = tmp_path / "sites.yaml"
    govwatch("init", str(target))
    assert "sites:" in target.read_text("utf-8")
    govwatch("violations", "--config", str(target))  # loads, creates the database, lists nothing
    assert govwatch("init", str(target), check=False).returncode == 2  # no silent overwrite


def test_checks_lists_builtins_with_titles_and_parameters():
    listed = json.loads(govwatch("checks", "--format", "json").stdout)
    by_id = {c["id"]: c for c in listed}
    assert {"dead-link", "stale-column", "blank-column", "missing-metadata"} <= set(by_id)
    assert by_id["stale-column"]["title"] == "栏目不更新"
    assert by_id["stale-column"]["parameters"]["news_days"] == 14
    assert "国办秘函〔2019〕19号" in by_id["dead-link"]["source"]
    table = govwatch("checks").stdout
    assert "missing-metadata" in table  # full ids also when not on a terminal


@pytest.mark.skipif(not REALPAGES.is_dir(), reason="../shared/realpages is not beside this checkout")
def test_inspect_a_saved_page():
    page = REALPAGES / "jiangxi-hanweb-xxgk-zcwj-article.html"
    out = json.loads(govwatch("inspect", str(page), "--url", "http://www.jiangxi.gov.cn/art/2020/2/13/art_4975_1503934.html").stdout)
    assert out["kind"] == "article" and out["published"] == "2020-02-13"
    assert out["metadata"]["发文字号"] == "赣府厅发〔2020〕4号"
    assert all(link["url"].startswith("http") for link in out["links"])


def test_inspect_shows_the_header_date_metadata_by_column_and_hidden_links(tmp_path):
    """Issue 15 through `govwatch inspect`: our own page with an unlabelled header date, a
    header-row 信息公开 table, a hidden metadata look-alike and a hidden outbound link."""
    page = tmp_path / "a.html"
    page.write_text(
        "<html><head><meta name='PubDate' content='2024-09-01 08:00'>"
        "<meta name='others' content='页面生成时间 2024-09-01 08:00'></head><body>"
        "<h1>示例县关于秋季防火的通告</h1><div class='by'>2024-03-06 09:30 来源：县应急管理局</div>"
        "<table><tr><th>索取号</th><th>发布机构</th></tr><tr><td>SL-7</td><td>县应急管理局</td></tr></table>"
        "<div class='ng-hide'><p>索引号：旧</p><p>发文机关：旧</p></div>"
        "<div style='position:absolute;top:-800px;left:-900px'><a href='http://spam.example/'>x</a></div>"
        "<p>" + "各乡镇要做好秋季森林防火工作。" * 10 + "</p></body></html>", "utf-8")
    out = json.loads(govwatch("inspect", str(page), "--url", "http://www.sl.gov.cn/tzgg/202403/a.html").stdout)
    assert (out["kind"], out["published"], out["published_source"]) == ("article", "2024-03-06", "header")
    assert out["metadata"] == {"索取号": "SL-7", "发文机关": "县应急管理局"}
    assert out["hidden_links"] == [{"target": "http://spam.example/", "anchor": "x", "how": "off-screen", "where": "div"}]


def test_run_lock_refuses_a_second_run(tmp_path):
    url = f"sqlite:///{tmp_path}/g.db"
    with RunLock(url):
        with pytest.raises(LockedError, match="another govwatch run"):
            with RunLock(url):
                pass
    with RunLock(url):  # released
        pass


def test_second_run_is_refused_with_a_message(demo_dir, tmp_path):
    directory = tmp_path / "d"
    shutil.copytree(demo_dir, directory)
    sites = directory / "sites.yaml"
    with RunLock(f"sqlite:///{directory}/govwatch.db"):
        proc = govwatch("run", "--config", str(sites), check=False)
    assert proc.returncode == 1 and "another govwatch run is using this database" in proc.stderr
