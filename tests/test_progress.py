"""The terminal progress line."""

import io

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.progress import Progress


def test_progress_line_counts_pages_links_and_problems():
    crawler = get_crawler()
    stats = MemoryStatsCollector(crawler)
    for key, n in (("govwatch/pages", 12), ("govwatch/checks", 40), ("govwatch/problems", 3)):
        stats.set_value(key, n)
    out = io.StringIO()
    Progress(stats, "示例县", stream=out).show()
    assert out.getvalue().endswith("示例县: 12 pages, 40 links checked, 3 problems")


def test_progress_is_off_unless_asked():
    import pytest
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        Progress.from_crawler(get_crawler(settings_dict={"GOVWATCH_PROGRESS": False}))
