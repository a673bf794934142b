"""A document page's publication date, found where a reader finds it: in the header.

The header is the title and the lines just after it (source, time, share/print bar), wherever a
mega-menu pushed it in the text. In order of trust:

1. the 信息公开 block's 发布日期;
2. a labelled date in the header (发布时间：…, 更新时间：…, 时间：…);
3. an unlabelled date in the header next to the source line or the print bar, or with a time of
   day (``2020年09月15日 09时32分 来源：…``, ``来源：某报 2016-08-11 08:13``, ``某某 2020-03-09
   18:14:21``), or inside the title itself (``标题 ( 2024-05-11)``);
4. a publication meta tag (PubDate, firstpublishedtime, …) — unless it equals the page's
   generation time (Maketime, 页面生成时间), which is when the page was last rebuilt;
5. the URL (t20230721_, /art/2023/7/21/);
6. the block's 生成日期 (the 集约化 platforms' date of the record), then a generation-time
   PubDate when it agrees with the URL's month.

Never a date from the body or the footer: dates further than a few lines from the title are
the article's own (a 成文日期 at the foot, related items).
"""

from __future__ import annotations

import datetime as dt
import re

from crawler.extract.dates import DATE_RE, date_from_url, parse_date

_LABELLED = re.compile(
    r"(?:发布日期|发布时间|发稿时间|发表时间|发表日期|更新时间|更新日期|发布于|發佈日期|發布日期|發布時間"
    r"|(?<![\u4e00-\u9fff])(?:时间|日期|時間))\s*[:：]\s*"
    + DATE_RE.pattern
)
_PUB_METAS = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time")
_GENERATION_METAS = ("maketime", "others")
# a time of day after a date: 09:32, 09时32分, "19: 39"
_TIME = re.compile(r"^\s*\d{1,2}\s*(?:[:：]|时)\s*\d{1,2}")
# words of a header's info line: the source, author, hits, font size, print, share
_HEADER_WORDS = re.compile(r"来源|作者|编辑|责任编辑|浏览|点击|访问|阅读|字号|字体|打印|分享|发布者|信息来源|文章来源|【|\[ ?大")
_NEAR = 40  # characters around a date where a header word makes it the header's date
_AFTER_TITLE = 400  # how far after the title the header reaches
_BEFORE_TITLE = 200  # and before it (a date line above the heading)
_GAP = 150  # at most this much between the title and an unlabelled header date
_HEAD = 3000  # the header when the title is not found in the text
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])/")


def _header_regions(text: str, title: str | None) -> list[tuple[str, int]]:
    """(region, where the title ends in it) around each place the title is written (breadcrumb,
    heading); the page's start when the title is not in the text."""
    regions = []
    key = " ".join((title or "").split())[:16]
    if len(key) >= 4:
        start = 0
        while (at := text.find(key, start)) >= 0 and len(regions) < 4:
            begin = max(0, at - _BEFORE_TITLE)
            regions.append((text[begin: at + len(title or "") + _AFTER_TITLE], at - begin))
            start = at + len(key)
    return regions or [(text[:_HEAD], 0)]


def _unlabelled(region: str, title_at: int, title: str) -> dt.date | None:
    """A date just after the title that a header word or a time of day marks as the page's own."""
    for m in DATE_RE.finditer(region, title_at):
        day = parse_date(m.group(0))
        if day is None:
            continue
        if "。" in region[title_at: m.start()] or m.start() > title_at + len(title) + _GAP:
            return None  # past the header: a sentence of the body came first
        before, after = region[max(0, m.start() - _NEAR): m.start()], region[m.end(): m.end() + _NEAR]
        in_title = m.start() < title_at + len(title) + 12 and re.search(r"[（(]\s*$", before)
        if _TIME.match(after) or _HEADER_WORDS.search(before) or _HEADER_WORDS.search(after) or in_title:
            return day
    return None


def _generation_times(meta: dict[str, str]) -> list[str]:
    """When the page was generated: Maketime, or ``others`` = 页面生成时间 …."""
    lowered = {k.lower(): v for k, v in meta.items()}
    return [v for n in _GENERATION_METAS if (v := lowered.get(n, "")) and (n != "others" or "生成" in v)]


def _same_datetime(a: str, b: str) -> bool:
    digits = lambda s: re.sub(r"\D", "", s)[:12]  # noqa: E731 - yyyymmddhhmm
    return len(digits(a)) >= 8 and digits(a) == digits(b)


def published_date(meta: dict[str, str], metadata: dict[str, str], url: str, text: str,
                   title: str | None = None) -> tuple[dt.date | None, str | None]:
    """(date, where it was found) — see the module's docstring for the order."""
    if "发布日期" in metadata and (day := parse_date(metadata["发布日期"])):
        return day, "metadata:发布日期"
    regions = _header_regions(text, title)
    for region, _ in regions:
        if m := _LABELLED.search(region):
            if day := parse_date(m.group(0)):
                return day, "label"
    key = " ".join((title or "").split())
    for region, title_at in regions:
        if key and (day := _unlabelled(region, title_at, key)):
            return day, "header"
    lowered = {k.lower(): v for k, v in meta.items()}
    generated = _generation_times(meta)
    distrusted = None
    for name in _PUB_METAS:
        if name in lowered and (day := parse_date(lowered[name])):
            if any(_same_datetime(lowered[name], g) for g in generated):
                distrusted = distrusted or (day, name)  # the page's regeneration time
                continue
            return day, f"meta:{name}"
    if day := date_from_url(url):
        return day, "url"
    if "生成日期" in metadata and (day := parse_date(metadata["生成日期"])):
        return day, "metadata:生成日期"
    if distrusted:
        day, name = distrusted
        month = _URL_MONTH.search(url)
        if month is None or (int(month.group(1)), int(month.group(2))) == (day.year, day.month):
            return day, f"meta:{name}"
    return None, None
