"""The public API for check plugins: everything a plugin imports comes from here.

A plugin is a class with the same attributes as the built-ins, registered under the
``govwatch.checks`` entry-point group::

    from dataclasses import dataclass
    from govwatch.plugin import Check, Violation, RunView, describe

    class LongTitle(Check):
        \"\"\"Article titles longer than a local rule allows.

        ## What it checks
        ...
        \"\"\"

        id = "long-title"              # kebab-case, unique
        title = "标题过长"              # Chinese, for reports
        source = "某省地方规则"          # the rule it enforces
        severity = "warning"           # veto | deduction | warning
        subject = "document"           # site | column | document | link | account

        @dataclass(frozen=True)
        class Params:                  # overridable under `rules: long-title:` in the sites file
            max_chars: int = 25

        @dataclass(frozen=True)
        class Detail:                  # the evidence, typed; stored as a dict
            length: int

        def check(self, run: RunView, params: Params):
            for page in run.pages(kinds=("article",), text=False):
                if page.title and len(page.title) > params.max_chars:
                    yield Violation(self.id, page.site, page.url, page=page.url, column=page.column,
                                    detail=self.Detail(len(page.title)))

        def message(self, detail):     # the sentence reports and notifications show
            return describe(detail, lead=[f"标题 {detail['length']} 字"], used={"length"})

The names below are the API; anything else in GovWatch's packages may change between versions.
"""

from checks import evidence
from checks.base import SEVERITIES, Check, NoParams, Note, Violation, optional
from checks.evidence import describe
from checks.subjects import SUBJECTS
from govwatch.store.view import (ColumnItemView, ColumnView, LinkCheckView, LinkSource, OutLink, PageHead, PageView,
                                PreviousViolation, ProbeView, RunView, SiteView)

ENTRY_POINT_GROUP = "govwatch.checks"

__all__ = [
    "Check", "ColumnItemView", "ColumnView", "ENTRY_POINT_GROUP", "LinkCheckView", "LinkSource", "NoParams", "Note",
    "OutLink", "PageHead", "PageView", "PreviousViolation", "ProbeView", "RunView", "SEVERITIES", "SUBJECTS",
    "SiteView", "Violation", "describe", "evidence", "optional",
]
