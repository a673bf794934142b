"""HTML and PDF rendering of the weekly report from one Jinja2 template.

Crawled text (titles, anchors, URLs) is hostile: the environment autoescapes everything, links
are emitted only for http(s) URLs (and the document's own #sections), the charts are SVG built
with escaped labels (reports/charts.py), and the PDF renderer may fetch nothing but data: URLs.
"""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from . import charts
from .model import SEVERITY_LABELS, WeeklyReport, change_label, describe, display_url, fmt_score, overview

# A dead link in a site-wide footer is found on hundreds of pages; the PDF shows the first few
# (the XLSX/JSON exports carry all of them).
MAX_PAGES_SHOWN = 10


def safe_href(url: object) -> str | None:
    """The URL if it may be a link target (http/https only: no javascript:, data:, file:)."""
    s = str(url or "").strip()
    try:
        scheme = urlsplit(s).scheme.lower()
    except ValueError:
        return None
    return s if scheme in ("http", "https") else None


# Where a long URL may wrap: after these characters, so a line ends with "/" or "-", never
# inside a word (".htm" / "l"). <wbr> is a break opportunity only: it is not copied with the text.
_URL_BREAK = re.compile(r"(?<=[/?&=_\-])")
_URL_IN_TEXT = re.compile(r"https?://[^\s、，；（）()“”]+")


def wbr(url: object) -> Markup:
    """The text escaped, with <wbr> after every / ? & = _ and - (each piece is escaped before
    the markup is added, so "&" stays "&amp;" and crawled text stays inert)."""
    pieces = [p for p in _URL_BREAK.split(str(url if url is not None else "")) if p]
    return Markup("<wbr>".join(str(escape(p)) for p in pieces))


def wbr_text(text: object) -> Markup:
    """Plain text escaped, with <wbr> added only inside the URLs it quotes (an evidence line such as
    缺少（例：http://…）); dates and words keep their hyphens unbroken."""
    s = str(text if text is not None else "")
    out, pos = [], 0
    for m in _URL_IN_TEXT.finditer(s):
        out += [str(escape(s[pos:m.start()])), str(wbr(m.group()))]
        pos = m.end()
    out.append(str(escape(s[pos:])))
    return Markup("".join(out))


def _fmt_date(d: object) -> str:
    return d.isoformat() if hasattr(d, "isoformat") and d is not None else "—"


def _date_cn(d: object) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if hasattr(d, "year") else "—"


def _week_cn(week: str) -> str:
    """2026-W47 -> 2026年第47周"""
    year, _, n = str(week).partition("-W")
    return f"{year}年第{int(n)}周" if n.isdigit() else str(week)


def _week_short(week: object) -> str:
    return f"第{int(str(week)[-2:])}周" if week and str(week)[-2:].isdigit() else "上周"


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 40 -> 四十: section numbers as a 通报 writes them (up to 99)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return ((_CN_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "")
            + (_CN_DIGITS[ones] if ones or not tens else ""))


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    # FileSystemLoader on the package folder works from a checkout and from `pip install .`
    # (pyproject ships reports/templates/*) without importing package resources machinery.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # always, not select_autoescape: the .j2 suffix would defeat it
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        href=safe_href,
        date=_fmt_date,
        date_cn=_date_cn,
        week_cn=_week_cn,
        week_short=_week_short,
        cn_number=cn_number,
        describe=describe,
        display_url=display_url,
        wbr=wbr,
        wbr_text=wbr_text,
        overview=overview,
        score=fmt_score,
        change=change_label,
        severity=lambda s: SEVERITY_LABELS.get(s, s),
    )
    env.globals.update(MAX_PAGES_SHOWN=MAX_PAGES_SHOWN, open_problems_chart=charts.open_problems_chart,
                       score_chart=charts.score_chart, chart_sites=charts.chart_sites)
    return env


def render_html(report: WeeklyReport) -> str:
    return _env().get_template("weekly.html.j2").render(r=report)


def write_html(report: WeeklyReport, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report), encoding="utf-8")
    return path


# -- PDF -----------------------------------------------------------------------------------

class _RefusedFetchFilter(logging.Filter):
    """Drops WeasyPrint's 'Failed to load ...' errors caused by our own refusals: they are
    the intended outcome for hostile content, not a problem worth an ERROR in the cron mail."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            return "disallowed protocol" not in record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True


@contextmanager
def _quiet_refusals() -> Iterator[None]:
    logger = logging.getLogger("weasyprint")
    f = _RefusedFetchFilter()
    logger.addFilter(f)
    try:
        yield
    finally:
        logger.removeFilter(f)


def _no_network_fetcher():
    from weasyprint.urls import URLFetcher

    # WeasyPrint 70 wants a URLFetcher instance (plain functions abort the render). data: only:
    # not http(s) (SSRF / tracking pixels from crawled content), not file: (local file
    # disclosure); the template needs nothing else, fonts come from fontconfig.
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def html_to_pdf(html: str, path: str | Path) -> Path:
    """Render an HTML string to PDF without any network or file access."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is wanted

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _quiet_refusals():
        HTML(string=html, base_url=None, url_fetcher=_no_network_fetcher()).write_pdf(path)
    return path


def write_pdf(report: WeeklyReport, path: str | Path) -> Path:
    return html_to_pdf(render_html(report), path)
