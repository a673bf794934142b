"""Problems the office answered for (false alarm, exemption): the weekly report's appendix.

They leave the report's problem lists, counts and scores while the answer is in force
(govwatch.store.answers) and are listed here instead, with who answered, why and until when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from govwatch.store import models as m
from govwatch.store.answers import LABELS
from reports.model import ReportViolation


@dataclass(frozen=True)
class AnsweredViolation:
    violation: ReportViolation
    kind: str  # false-alarm | exemption
    reason: str
    by: str
    at: dt.datetime
    expires: dt.date | None

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    @classmethod
    def of(cls, item: ReportViolation, answer: m.Answer) -> AnsweredViolation:
        return cls(item, answer.kind, answer.reason, answer.by, answer.at, answer.expires)

    def as_dict(self) -> dict[str, Any]:
        v = self.violation
        return {"rule": v.rule, "site": v.site, "url": v.url, "column": v.column, "severity": v.severity,
                "owner": v.owner, "first_seen": v.first_seen, "answer": self.kind, "reason": self.reason,
                "by": self.by, "at": self.at, "expires": self.expires}
