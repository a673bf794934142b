"""The plugin's own tests: a run built in memory, no crawl, no server."""

import pytest

from govwatch.plugin import Violation
from govwatch.testing import RunBuilder
from govwatch_sample_plugin import LongTitle

LONG = "关于印发示例县二〇二六年度政府网站与政务新媒体检查工作方案的通知"


@pytest.fixture
def run():
    with RunBuilder(as_of="2026-11-22").site("示例县", "http://x.gov.cn/") as built:
        built.page("示例县", "http://x.gov.cn/a.html", title=LONG, published="2026-11-01")
        built.page("示例县", "http://x.gov.cn/b.html", title="短标题", published="2026-11-02")
        built.page("示例县", "http://x.gov.cn/", kind="home", title=LONG)  # not an article
        yield built


def test_long_titles_are_found(run):
    found = run.check(LongTitle)
    assert found.urls == ["http://x.gov.cn/a.html"]
    assert found.violations[0].detail == {"length": len(LONG), "limit": 25, "title": LONG}
    assert found.messages[0].startswith(f"标题 {len(LONG)} 字（上限 25 字）")


def test_the_limit_is_a_parameter(run):
    assert run.check(LongTitle, max_chars=100).violations == []
    with pytest.raises(ValueError, match="max_chars"):
        run.check(LongTitle, max_chars="100")  # the sites file is validated strictly


def test_fixed_only_when_the_article_is_read_again(run):
    gone = Violation("long-title", "示例县", "http://x.gov.cn/old.html")
    assert run.rechecked(LongTitle, gone) is False  # not read in this run: stays open
    assert run.rechecked(LongTitle, run.check(LongTitle).violations[0]) is True
