"""Dates as government pages write them: 2023-07-21, 2023年7月21日, "2018- 08- 21 19: 39",
2023/07/21, 2023.07.21, and in URL paths (t20230721_, /art/2023/7/21/, /202307/).

Hand-written on purpose: the general libraries guess (htmldate turns 2023年5月1日 into
2023-01-01; dateparser is slow and locale-driven), while these forms are few and exact.
"""

from __future__ import annotations

import datetime as dt
import re

# Year 1990-2099, separators - / . 年 月 with any spaces around them (seen on real pages).
DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
)
_URL_DATE_RES = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS: t20230721_123.html
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb: /art/2023/7/21/
    re.compile(r"/((?:19|20)\d{2})-?(\d{2})-?(\d{2})/"),  # /2023-07-21/ or /20230721/
)


def _make(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_date(text: str | None) -> dt.date | None:
    """The first valid date in ``text``, or None."""
    for m in DATE_RE.finditer(text or ""):
        if (day := _make(*m.groups())) is not None:
            return day
    return None


def find_dates(text: str) -> list[dt.date]:
    return [d for m in DATE_RE.finditer(text) if (d := _make(*m.groups())) is not None]


def date_from_url(url: str) -> dt.date | None:
    for pattern in _URL_DATE_RES:
        if m := pattern.search(url):
            if (day := _make(*m.groups())) is not None:
                return day
    return None
