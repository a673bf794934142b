"""A sample GovWatch plugin: article titles longer than a local rule allows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from govwatch.plugin import Check, RunView, Violation, describe


class LongTitle(Check):
    """An article whose title is longer than a local rule allows (标题过长).

    ## What it checks
    Every article page's title, counted in characters, against ``max_chars``.

    ## Why it matters
    Some provinces ask for short, plain titles on their portals (an example of a local rule).

    ## Parameters
    - ``max_chars`` (25): the longest title allowed.

    ## Known problems
    A title the CMS cuts with …, or one the page repeats with the site's name, counts as written.
    """

    id = "long-title"
    title = "标题过长"
    source = "示例省政府网站内容规范（示例）"
    severity = "warning"
    subject = "document"  # re-checked, and fixed, when the article is read again
    points = None  # a warning takes no points

    @dataclass(frozen=True)
    class Params:
        max_chars: int = 25

    @dataclass(frozen=True)
    class Detail:
        length: int
        limit: int
        title: str

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        for page in run.pages(kinds=("article",), text=False, meta=False):
            if page.title and len(page.title) > params.max_chars:
                yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                detail=self.Detail(len(page.title), params.max_chars, page.title))

    def message(self, detail: dict[str, Any]) -> str:
        return describe(detail, lead=[f"标题 {detail['length']} 字（上限 {detail['limit']} 字）"],
                        used={"length", "limit"})
