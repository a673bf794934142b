"""Metadata rules for government documents (政府信息公开 元数据)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator

from dateutil.relativedelta import relativedelta

from checks import evidence
from checks.base import Check, Points, Violation
from govwatch.store.view import RunView


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
    points = Points(0.5, 5)  # provincial schemes' value
    subject = "document"

    @dataclass(frozen=True)
    class Params:
        fields: tuple[str, ...] = ("索引号", "发文机关", "发文字号", "成文日期", "发布日期")
        categories: tuple[str, ...] = ("policy", "notice", "personnel", "plan")

    @dataclass(frozen=True)
    class Detail:
        missing: tuple[str, ...]  # the required fields the block lacks (DESIGN's JSON contract)
        title: str | None
        metadata: dict[str, str]  # the block as read

    def message(self, detail: dict[str, Any]) -> str:
        """缺少：索引号、成文日期；标题：…"""
        return evidence.line(evidence.missing(detail.get("missing")), evidence.field("标题", detail.get("title")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        column_urls = {(c.site, c.name): c.url for c in run.columns()}
        for page in run.pages(kinds=("article", "page"), text=False, meta=False):
            if page.category not in params.categories:
                continue
            column_url = column_urls.get((page.site, page.column), "")
            configured = run.column_settings.get((page.site, column_url), {}).get("needs_metadata")
            if configured is False or not (configured or has_block(page.metadata, params.fields)):
                continue
            missing = [f for f in params.fields if not page.metadata.get(f)]
            if missing:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail=self.Detail(tuple(missing), page.title, page.metadata))



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
    points = Points(0.5, 5)  # provincial schemes' value
    subject = "document"

    @dataclass(frozen=True)
    class Params:
        exempt: tuple[str, ...] = ("无", "暂无", "/", "-")

    @dataclass(frozen=True)
    class Detail:
        value: str  # the 发文字号 as written
        faults: tuple[str, ...]  # what is wrong with it, in Chinese
        title: str | None

    def message(self, detail: dict[str, Any]) -> str:
        """原值：示府办发[2026]18号；问题：年份用了方括号 []（应为六角括号〔〕）；标题：…"""
        d = detail
        return evidence.line(evidence.field("原值", d.get("value")), evidence.field("问题", d.get("faults")),
                             evidence.field("标题", d.get("title")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article", "page"), text=False, meta=False):
            value = (page.metadata.get("发文字号") or "").strip()
            if not value or value in params.exempt or _DOC_NUMBER.match(value):
                continue
            faults = [text for pattern, text in _NUMBER_FAULTS if pattern.search(value)] or ["不符合 机关代字〔年份〕序号号"]
            yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                            detail=self.Detail(value, tuple(faults), page.title))


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
    points = Points(0.5, 5)  # provincial schemes' value
    subject = "document"

    @dataclass(frozen=True)
    class Detail:
        成文日期: str
        发布日期: str
        title: str | None

    def message(self, detail: dict[str, Any]) -> str:
        """成文日期：2025-12-15；发布日期：2025-12-12；标题：…"""
        d = detail
        return evidence.line(evidence.field("成文日期", d.get("成文日期")), evidence.field("发布日期", d.get("发布日期")),
                             evidence.field("标题", d.get("title")))

    def check(self, run: RunView, params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article", "page"), text=False, meta=False):
            written, published = page.metadata.get("成文日期"), page.metadata.get("发布日期")
            if written and published and _ISO.match(written) and _ISO.match(published) and published < written:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail=self.Detail(written, published, page.title))


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ExpiredButValid(Check):
    """A document still marked 有效 after its validity ended.

    ## What it checks
    Documents whose 信息公开 block says 有效性 = 有效 (现行有效) although
    - their 废止日期 / 失效日期 / 有效期至 lies before the monitoring date, or
    - their 有效期 ("5年", "有效期3年", "2021-01-01至2026-01-01") ended before it, counted
      from 生效日期 (else 成文日期, else 发布日期), or
    - with ``default_years`` set (off by default): they are 规范性文件 (a 登记号 or 统一编号 in
      the block, or 规范性文件 in the column name) with no stated period, and the province's
      default period has passed: ``default_years``, or ``provisional_years`` when the title
      says 暂行 or 试行.

    ## Why it matters
    The 政府网站发展指引 requires 修改、废止、失效 documents to be marked; provinces' 规范性文件
    rules (统一登记、统一编号、统一发布) give each document a validity period, and inspections
    flag lapsed documents still shown as 有效.

    ## Parameters
    ``valid_words`` (有效, 现行有效), ``default_years`` (0: off), ``provisional_years`` (0).
    Provinces differ — 5 and 2 years is common, Shandong uses 3 or 5 and 1 or 2, several no
    longer set a period — so the default period is only applied when the sites file sets it.

    ## Known problems
    A renewed document keeps its old dates on some sites until re-published; the report
    quotes the dates it used so the office can check.
    """

    id = "expired-but-valid"
    title = "失效文件仍标注有效"
    source = "政府网站发展指引（国办发〔2017〕47号）；各省行政规范性文件管理规定（有效期）"
    severity = "deduction"
    points = Points(1, 5)  # provincial schemes' value
    subject = "document"

    @dataclass(frozen=True)
    class Params:
        valid_words: tuple[str, ...] = ("有效", "现行有效")
        default_years: int = 0
        provisional_years: int = 0

    @dataclass(frozen=True)
    class Detail:
        有效性: str  # as the block says it (有效, 现行有效)
        ended: str  # when it stopped being valid
        basis: str  # what that date rests on (废止日期, 有效期 5年，自成文日期起算, ...)
        title: str | None

    def message(self, detail: dict[str, Any]) -> str:
        """有效性：有效；失效日期：2026-11-17；失效依据：废止日期；标题：…"""
        d = detail
        return evidence.line(evidence.field("有效性", d.get("有效性")), evidence.field("失效日期", d.get("ended")),
                             evidence.field("失效依据", d.get("basis")), evidence.field("标题", d.get("title")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article", "page"), text=False, meta=False):
            md = {k: str(v) for k, v in page.metadata.items() if v is not None}
            if md.get("有效性", "").strip() not in params.valid_words:
                continue
            ended, basis = validity_end(md, page.title or "", page.column or "", params)
            if ended is not None and ended < run.as_of:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail=self.Detail(md["有效性"], ended.isoformat(), basis, page.title))


_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})")
_YEARS = re.compile(r"(?<!\d)(\d{1,2})\s*年")  # 5年, not the 21年 of 2021年


def _day(groups: tuple[str, ...]) -> dt.date | None:
    try:
        return dt.date(*map(int, groups))
    except ValueError:
        return None


def _date(text: str | None) -> dt.date | None:
    found = _DATE.search(text or "")
    return _day(found.groups()) if found else None


def validity_end(md: dict[str, str], title: str, column: str, params: ExpiredButValid.Params) -> tuple[dt.date | None, str]:
    """When the document stops being valid, and on what that is based."""
    for label in ("废止日期", "失效日期", "有效期至", "截止日期"):
        if (day := _date(md.get(label))) is not None:
            return day, label
    start_label = next((l for l in ("生效日期", "成文日期", "发布日期") if _date(md.get(l))), None)
    start = _date(md.get(start_label)) if start_label else None
    period = md.get("有效期") or ""
    if period:
        dates = [d for g in _DATE.findall(period) if (d := _day(g))]
        if len(dates) >= 2 or (dates and not _YEARS.search(period)):  # 2021-01-01至2026-01-01, 至2030年12月31日
            return dates[-1], "有效期"
        years = _YEARS.search(period)
        if years and start:
            return start + relativedelta(years=int(years.group(1))), f"有效期 {period}，自{start_label}起算"
    normative = any(md.get(l) for l in ("登记号", "统一编号")) or "规范性文件" in column
    if normative and start:
        provisional = "暂行" in title or "试行" in title
        years = (params.provisional_years or params.default_years) if provisional else params.default_years
        if years:
            kind = "暂行/试行规范性文件" if provisional else "规范性文件"
            return start + relativedelta(years=years), f"{kind}默认有效期{years}年，自{start_label}起算"
    return None, ""

