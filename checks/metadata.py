"""Metadata rules for government documents (政府信息公开 元数据)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from checks.base import Check, Violation
from crawler.store.view import PreviousViolation, RunView


class MissingMetadata(Check):
    """A government document whose 信息公开 block lacks a required field.

    ## What it checks
    Documents listed in ``policy``, ``notice``, ``personnel`` and ``plan`` columns that show a
    信息公开 metadata block (or whose column is configured with ``needs_metadata: true``) must
    give 索引号, 发文机关, 发文字号, 成文日期 and 发布日期; a field that is absent or left
    empty is missing. Label variants count as the field (文号 = 发文字号, 发布机构 = 发文机关,
    发文日期 = 成文日期).

    ## Why it matters
    The 政府信息公开条例 and the 政府网站发展指引 require the metadata of published documents;
    provincial inspections deduct points for documents without them.

    ## Parameters
    - ``fields``: the required fields (standard names).
    - ``categories``: the column categories whose documents are checked.

    ## Known problems
    News, 政策解读 and static pages need no block unless configured. A block is recognised
    by its labels; a document without any block in a column that is not configured to need
    one is not reported.
    """

    id = "missing-metadata"
    title = "信息公开元数据缺失"
    source = "政府信息公开条例；政府网站发展指引（国办发〔2017〕47号）"
    severity = "deduction"

    @dataclass(frozen=True)
    class Params:
        fields: tuple[str, ...] = ("索引号", "发文机关", "发文字号", "成文日期", "发布日期")
        categories: tuple[str, ...] = ("policy", "notice", "personnel", "plan")

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        column_urls = {(c.site, c.name): c.url for c in run.columns()}
        for page in run.pages(kinds=("article", "page")):
            if page.category not in params.categories:
                continue
            column_url = column_urls.get((page.site, page.column), "")
            configured = run.column_settings.get((page.site, column_url), {}).get("needs_metadata")
            if configured is False or not (configured or has_block(page.metadata, params.fields)):
                continue
            missing = [f for f in params.fields if not page.metadata.get(f)]
            if missing:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail={"missing": missing, "title": page.title,
                                        "metadata": page.metadata})

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        # only a document read again (or now gone) settles it; one the crawl did not reach
        # this time (page limit, list not read) stays as it was
        if run.page(previous.url) is not None:
            return True
        link = run.link_check(previous.url)
        return link is not None and link.verdict == "dead"


def has_block(metadata: dict[str, str], fields: tuple[str, ...]) -> bool:
    """A 信息公开 block: three labelled fields, one of them a required field other than
    发布日期 (which ordinary article headers show too)."""
    return sum(1 for f in fields if f != "发布日期" and f in metadata) >= 1 and len(metadata) >= 3


_DOC_NUMBER = re.compile(r"^\S.*〔\d{4}〕[1-9]\d*号$")
_NUMBER_FAULTS = (
    (re.compile(r"\[\s*\d{2,4}\s*\]"), "年份用了方括号 []（应为六角括号〔〕）"),
    (re.compile(r"[（(]\s*\d{2,4}\s*[）)]"), "年份用了圆括号 ()（应为六角括号〔〕）"),
    (re.compile(r"【\s*\d{2,4}\s*】"), "年份用了【】（应为六角括号〔〕）"),
    (re.compile(r"[〔\[（(【]\s*\d{2}\s*[〕\]）)】]"), "年份只写了两位"),
    (re.compile(r"第\s*\d+\s*号"), "序号前多了“第”"),
    (re.compile(r"[〕\]）)】]\s*0\d*号"), "序号有多余的前导 0"),
    (re.compile(r"\d\s*$"), "缺少“号”字"),
)


class MalformedDocNumber(Check):
    """A 发文字号 that does not follow GB/T 9704-2012: 机关代字〔年份〕序号号.

    ## What it checks
    The 发文字号 of documents with a 信息公开 block: the year in hexagonal brackets 〔〕 with
    four digits, the number without leading zeros or 第, ending in 号 (``X〔2025〕12号``). Each
    report says what is wrong: [] () 【】 brackets, a two-digit year, 第, a leading 0, no 号.

    ## Why it matters
    党政机关公文格式 GB/T 9704-2012 §7.2.4; inspections count malformed numbers as
    信息发布不规范.

    ## Parameters
    ``exempt``: values that mean "no number" and are not checked (default 无, 暂无, /).

    ## Known problems
    Only the form is checked, not whether the number exists.
    """

    id = "malformed-doc-number"
    title = "发文字号不规范"
    source = "GB/T 9704-2012《党政机关公文格式》7.2.4"
    severity = "deduction"

    @dataclass(frozen=True)
    class Params:
        exempt: tuple[str, ...] = ("无", "暂无", "/", "-")

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article", "page")):
            value = (page.metadata.get("发文字号") or "").strip()
            if not value or value in params.exempt or _DOC_NUMBER.match(value):
                continue
            faults = [text for pattern, text in _NUMBER_FAULTS if pattern.search(value)] or ["不符合 机关代字〔年份〕序号号"]
            yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                            detail={"value": value, "faults": faults, "title": page.title})

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return _document_rechecked(run, previous)


class InconsistentDates(Check):
    """A document published (发布日期) before it was written (成文日期).

    ## What it checks
    Documents whose 信息公开 block gives both dates, with 发布日期 earlier than 成文日期.

    ## Why it matters
    A document cannot be published before it exists: one of the two dates is wrong, and the
    政府信息公开条例 deadlines (20 working days, 第二十六条) are counted from them.

    ## Parameters
    None.
    """

    id = "inconsistent-dates"
    title = "发布日期早于成文日期"
    source = "政府信息公开条例 第二十六条"
    severity = "deduction"

    def check(self, run: RunView, params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article", "page")):
            written, published = page.metadata.get("成文日期"), page.metadata.get("发布日期")
            if written and published and _ISO.match(written) and _ISO.match(published) and published < written:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail={"成文日期": written, "发布日期": published, "title": page.title})

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return _document_rechecked(run, previous)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _document_rechecked(run: RunView, previous: PreviousViolation) -> bool:
    return MissingMetadata().rechecked(run, previous)
