"""Metadata rules for government documents (政府信息公开 元数据)."""

from __future__ import annotations

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
