"""The sites file: the shipped example, defaults, path resolution and file:line errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

from govwatch.config import (
    CATEGORIES,
    Config,
    ConfigError,
    CrawlConfig,
    NotifyConfig,
    ScoringConfig,
    SiteConfig,
    default_config_text,
    load_config,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "govwatch" / "sites.example.yaml"
MINIMAL = """\
sites:
  - name: county
    url: http://a.gov.cn
"""


def write(tmp_path: Path, text: str, name: str = "sites.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Config:
    return load_config(write(tmp_path, text))


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return str(info.value)


# --- the shipped example ------------------------------------------------------------------


def test_example_loads_with_documented_values(tmp_path: Path) -> None:
    path = write(tmp_path, default_config_text())
    config = load_config(path)
    assert default_config_text() == EXAMPLE.read_text(encoding="utf-8")

    assert config.path == path and config.base_dir == tmp_path
    assert config.database == f"sqlite:///{tmp_path / 'govwatch.db'}"
    assert config.archive == tmp_path / "reports"
    assert config.timezone == "Asia/Shanghai"
    assert config.crawl == CrawlConfig()  # the example shows the defaults

    site = config.sites[0]
    assert site.url == "http://www.example-county.gov.cn/"
    assert {c.category for c in site.columns} >= set(CATEGORIES)
    assert all(c.url.startswith("http://www.example-county.gov.cn/") for c in site.columns)
    assert any(c.schedule == "monthly" and c.due_days for c in site.columns)
    assert config.accounts[0].feed
    assert config.notify[0].url == "json://localhost:8080/hook"
    assert config.rules["stale-column"] == {
        "news_days": 14, "notice_months": 6, "policy_months": 6,
        "personnel_months": 12, "plan_months": 12, "other_months": 12,
    }
    assert config.rules["blank-column"] == {} and config.rules["dead-link"] == {}
    assert config.rules["missing-metadata"] == {
        "fields": ["索引号", "发文机关", "发文字号", "成文日期", "发布日期"],
        "categories": ["policy", "notice", "personnel", "plan"],
    }


def test_categories() -> None:
    assert CATEGORIES == ("news", "notice", "policy", "personnel", "plan", "interpretation",
                          "interaction", "static", "other")


def test_config_is_a_leaf_module() -> None:
    code = "import sys, govwatch.config; print(sorted({'scrapy', 'sqlalchemy', 'twisted'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.strip() == "[]"


def test_example_shows_every_key() -> None:
    data = yaml.safe_load(default_config_text())
    assert set(data) == set(Config.model_fields)
    assert set(data["crawl"]) == set(CrawlConfig.model_fields)
    site = data["sites"][0]
    assert set(site) == set(SiteConfig.model_fields)
    assert set(data["scoring"]) == set(ScoringConfig.model_fields)
    column_keys = set().union(*(c.keys() for c in site["columns"]))
    assert column_keys == {"name", "url", "category", "owner", "needs_metadata", "schedule", "due_days", "browser"}
    assert set(data["accounts"][0]) == {"name", "platform", "feed", "pages", "owner"}
    assert set(data["notify"][0]) == {"name", "url", "send", "owners"}
    assert set(data["calendar"]) == {"holidays", "workdays"}


# --- defaults and resolution --------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL)
    assert config.database == f"sqlite:///{tmp_path / 'govwatch.db'}"
    assert config.timezone == "Asia/Shanghai"
    assert config.archive == tmp_path / "reports"
    assert config.calendar.holidays == [] and config.calendar.workdays == []
    assert config.accounts == [] and config.notify == [] and config.rules == {}
    crawl = config.crawl
    assert (crawl.concurrency, crawl.delay, crawl.max_pages, crawl.max_list_pages) == (2, 1.0, 50000, 500)
    assert (crawl.timeout, crawl.robots, crawl.retries, crawl.text_cap) == (30, True, 2, 20000)
    assert crawl.user_agent.startswith("GovWatch/")
    site = config.sites[0]
    assert site.url == "http://a.gov.cn/"  # normalised to have a path
    assert site.columns == [] and site.crawl == {} and site.discover is True and site.owner is None


def test_crawl_defaults_have_one_source_parse_workers_too() -> None:
    from crawler import settings
    from crawler.parsing import default_workers, worker_count

    default = CrawlConfig()
    assert (settings.USER_AGENT, settings.CONCURRENT_REQUESTS_PER_DOMAIN, settings.DOWNLOAD_DELAY) == (
        default.user_agent, default.concurrency, default.delay)
    # unset in the sites file: one worker per core beside the engine's; 0: all in the engine's process
    assert settings.GOVWATCH_PARSE_WORKERS is default.parse_workers is None
    assert worker_count(settings.GOVWATCH_PARSE_WORKERS) == default_workers()
    assert worker_count(0) == 0 and worker_count("3") == 3
    top = settings.run_settings(CrawlConfig(parse_workers=2), [])
    assert worker_count(top["GOVWATCH_PARSE_WORKERS"]) == 2  # the top-level `crawl:` decides for the run


def test_empty_optional_keys_mean_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "accounts:\nnotify:\ncrawl:\nrules:\n  blank-column:\n")
    assert config.accounts == [] and config.notify == [] and config.crawl == CrawlConfig()
    assert config.rules == {"blank-column": {}}


def test_relative_paths_resolve_against_the_file_not_the_cwd(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = write(folder, MINIMAL + "database: sqlite:///data/gw.db\narchive: out/reports\n")
    monkeypatch.chdir(tmp_path)  # as cron would, from elsewhere
    config = load_config(Path("etc/sites.yaml"))
    assert config.path == path
    assert config.database == f"sqlite:///{folder / 'data/gw.db'}"
    assert config.archive == folder / "out" / "reports"


@pytest.mark.parametrize("url", ["sqlite:////var/lib/gw.db", "sqlite://", "'sqlite:///:memory:'",
                                 "postgresql+psycopg://gw:pw@db.example.org/gw"])
def test_other_database_urls_are_kept(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, MINIMAL + f"database: {url}\n").database == url.strip("'")


def test_calendar_dates_as_yaml_dates_or_strings(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + 'calendar:\n  holidays: [2031-01-01, "2031-01-02"]\n  workdays: ["2031-01-05"]\n')
    assert config.calendar.holidays == [date(2031, 1, 1), date(2031, 1, 2)]
    assert config.calendar.workdays == [date(2031, 1, 5)]


def test_column_urls_relative_to_the_site(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        sites:
          - name: county
            url: http://a.gov.cn/portal/index.html
            columns:
              - {name: 工作动态, url: gzdt/}
              - {name: 通知公告, url: /tzgg/, category: notice}
              - {name: 外链, url: "https://b.gov.cn/x"}
        """)
    assert [c.url for c in config.sites[0].columns] == [
        "http://a.gov.cn/portal/gzdt/", "http://a.gov.cn/tzgg/", "https://b.gov.cn/x"]
    assert config.sites[0].columns[0].category is None  # classified later from the name


def test_crawl_for_merges_only_the_keys_the_site_sets(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        crawl: {delay: 3, max_pages: 100}
        sites:
          - name: a
            url: http://a.gov.cn/
            crawl: {delay: 0, robots: false}
          - name: b
            url: http://b.gov.cn/
        """)
    a, b = config.sites
    assert a.crawl == {"delay": 0.0, "robots": False}
    merged = config.crawl_for(a)
    assert (merged.delay, merged.robots, merged.max_pages, merged.concurrency) == (0.0, False, 100, 2)
    assert config.crawl_for(b) == config.crawl


def test_accounts_alone_are_enough(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        accounts:
          - name: 发布
            platform: weibo
            pages: [https://weibo.example.org/p/1]
        """)
    assert config.sites == [] and config.accounts[0].feed is None


def test_merge_keys_share_settings(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        sites:
          - name: a
            url: http://a.gov.cn/
            crawl: &slow {delay: 5, concurrency: 1}
          - name: b
            url: http://b.gov.cn/
            crawl:
              <<: *slow
              delay: 2
        """)
    assert config.sites[1].crawl == {"delay": 2.0, "concurrency": 1}


def test_site_lookup(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL)
    assert config.site("county").url == "http://a.gov.cn/"
    with pytest.raises(ConfigError, match=r"unknown site 'nope' \(known: county\)"):
        config.site("nope")


def test_line_of(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        timezone: Asia/Shanghai
        sites:
          - name: a
            url: http://a.gov.cn/
        rules:
          stale-column:
            news_days: 7
        """)
    assert config.line_of("timezone") == 1
    assert config.line_of("sites", 0) == 3
    assert config.line_of("sites", 0, "url") == 4
    assert config.line_of("rules", "stale-column", "news_days") == 7
    assert config.line_of("rules", "dead-link") is None


def test_today_in_the_config_time_zone(tmp_path: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    config = load(tmp_path, MINIMAL + "timezone: Pacific/Kiritimati\n")
    assert config.today() == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()


def test_notify_repr_hides_the_url(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL + "notify:\n  - url: dingtalk://SECRET-TOKEN/\n    send: veto\n")
    notify = config.notify[0]
    assert notify.url == "dingtalk://SECRET-TOKEN/" and notify.owners == []
    for shown in (repr(notify), str(notify), repr(config), str(config)):
        assert "SECRET" not in shown
    assert "url='dingtalk://***'" in repr(notify)
    assert NotifyConfig(url="json://h/x").send == "digest"


# --- errors: file:line: key.path: what is wrong -------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "# just a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert error(tmp_path, text).startswith(f"{tmp_path / 'sites.yaml'}:1: the file is empty")


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    message = error(tmp_path, "sites:\n  - name: a\n    url: http://a.gov.cn\n  owner: x\n")
    assert message.startswith(f"{tmp_path / 'sites.yaml'}:4: invalid YAML")


def test_message_uses_the_path_as_given(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "timezone: Asia/Shanghia\n" + MINIMAL)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config("sites.yaml")
    assert str(info.value) == "sites.yaml:1: timezone: unknown time zone 'Asia/Shanghia' (did you mean 'Asia/Shanghai'?)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown keys, listing the known ones
        (MINIMAL + "crawl:\n  delya: 2\n",
         ":5: crawl.delya: unknown key (did you mean 'delay'? known: concurrency, delay, max_pages,"),
        ("databse: x\n" + MINIMAL, ":1: databse: unknown key (did you mean 'database'? known: database, queue, timezone,"),
        (MINIMAL + "    crawl: {robot: false}\n", ":4: sites[0].crawl.robot: unknown key (did you mean 'robots'?"),
        (MINIMAL + "    columns:\n      - name: x\n        url: /x\n        categry: news\n",
         ":7: sites[0].columns[0].categry: unknown key (did you mean 'category'? known: name, url, category,"),
        # wrong types
        (MINIMAL + "crawl:\n  concurrency: abc\n", ":5: crawl.concurrency: expected an integer, got string 'abc'"),
        (MINIMAL + "crawl:\n  robots: 'no'\n", ":5: crawl.robots: expected true or false, got string 'no'"),
        (MINIMAL + "crawl:\n  delay: -1\n", ":5: crawl.delay: must be >= 0"),
        ("sites:\n  name: a\n", ":1: sites: expected a list, got mapping"),
        # URLs, categories, dates, time zone
        ("sites:\n  - name: a\n    url: htp://x\n", ":3: sites[0].url: 'htp://x' is not an http(s) URL"),
        (MINIMAL + "    columns:\n      - {name: 动态, url: 'ftp://a.gov.cn/x'}\n",
         ":5: sites[0].columns[0].url: 'ftp://a.gov.cn/x' is not an http(s) URL"),
        (MINIMAL + "    columns:\n      - name: 动态\n        url: /x\n        category: newz\n",
         ":7: sites[0].columns[0].category: unknown category 'newz' (allowed: news, notice, policy,"),
        (MINIMAL + "calendar:\n  workdays: [2031-01-05, 2031-13-01]\n",
         ":5: calendar.workdays[1]: '2031-13-01' is not a valid date"),
        (MINIMAL + "calendar:\n  holidays: [2031-02-30]\n", ":5: calendar.holidays[0]: '2031-02-30' is not a valid date: day is out of range"),
        (MINIMAL + "calendar:\n  holidays: [20310101]\n", ":5: calendar.holidays[0]: expected a date (YYYY-MM-DD)"),
        ("timezone: Asia/Shanghia\n" + MINIMAL, ":1: timezone: unknown time zone 'Asia/Shanghia'"),
        (MINIMAL + "database: govwatch.db\n", ":4: database: 'govwatch.db' is not a database URL"),
        # missing required keys: the line of the mapping that lacks them
        ("sites:\n  - name: a\n  - url: http://b.gov.cn\n", ":2: sites[0]: missing required key 'url'"),
        ("sites:\n  - name: a\n    url: http://a.gov.cn\n  - url: http://b.gov.cn\n",
         ":4: sites[1]: missing required key 'name'"),
        ("accounts:\n  - name: a\n    platform: wechat\n", ":2: accounts[0]: an account needs a `feed` or `pages`"),
        ("accounts:\n  - name: a\n    platform: wechat2\n    feed: http://f/\n",
         ":3: accounts[0].platform: unknown value 'wechat2' (allowed: wechat, weibo,"),
        (MINIMAL + "notify:\n  - send: all\n    url: json://h/x\n",
         ":5: notify[0].send: unknown value 'all' (allowed: digest, veto)"),
        # duplicates
        (MINIMAL + "sites: []\n", ":4: sites: duplicate key (first at line 1)"),
        (MINIMAL + "  - name: county\n    url: http://b.gov.cn\n",
         ":4: sites[1].name: duplicate name 'county' (already used by sites[0] at line 2)"),
        ("timezone: UTC\n", ":1: sites: nothing to monitor"),
    ],
)
def test_error_names_line_and_key_path(tmp_path: Path, text: str, expected: str) -> None:
    message = error(tmp_path, text)
    assert f"{tmp_path / 'sites.yaml'}{expected}" in message, message


def test_all_errors_are_reported_one_per_line(tmp_path: Path) -> None:
    message = error(tmp_path, """\
        timezone: Nowhere/City
        sites:
          - name: a
            url: htp://a
        crawl:
          timeout: 0
        """)
    lines = message.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [f"{tmp_path / 'sites.yaml'}:{n}" for n in (1, 4, 6)]


def test_notify_url_is_not_echoed_in_errors(tmp_path: Path) -> None:
    message = error(tmp_path, MINIMAL + "notify:\n  - url: SECRET-TOKEN\n")
    assert ":5: notify[0].url: expected an apprise URL" in message and "SECRET" not in message
