"""Trend charts as hand-written inline SVG for the HTML and PDF report.

No JavaScript, no external resources, and the same CJK font family as the page (WeasyPrint
renders SVG text with the page's fonts). Every label is escaped: site names come from the sites
file, but nothing here may assume they are harmless. A week without a run is drawn as a gap
(``无监测``), never as a zero; a week a veto decided has no score and is drawn in a band of its
own above the score plot (``否决``), never on the zero line.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from .model import SEVERITY_LABELS, WeekPoint

FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif"
SEVERITY_COLOURS = {"veto": "#b3261e", "deduction": "#e8912d", "warning": "#a7a7a7"}
# Distinct in colour and in marker shape, so a grey print still tells the lines apart.
SITE_COLOURS = ("#1f5fa8", "#c2410c", "#2e7d32", "#7b1fa2", "#00838f", "#6d4c41", "#ad1457", "#455a64")
MARKERS = ("circle", "square", "triangle", "diamond")
MAX_SITES = len(SITE_COLOURS)
GAP_FILL = "#f1f1f1"

WIDTH, HEIGHT = 680, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 20, 36  # plot margins: y labels, top value, week labels
LEGEND_ROW = 16
# the score chart's veto band: above the plot, apart from every score
BAND_TOP, BAND_H = 6, 16
SCORE_TOP = BAND_TOP + BAND_H + 20  # the plot starts below the band and the y unit
MARKER_GAP = 8.0  # markers closer than this (px) in one week are set side by side,
MARKER_STEP = 10.0  # this far apart


@dataclass(frozen=True)
class _Frame:
    """The plot area and the x slot of each week."""

    n: int
    top: float = TOP  # the plot's top edge
    height: float = HEIGHT  # the chart without its legend

    @property
    def plot_w(self) -> float:
        return WIDTH - LEFT - RIGHT

    @property
    def plot_h(self) -> float:
        return self.height - self.top - BOTTOM

    def slot(self) -> float:
        return self.plot_w / max(self.n, 1)

    def x(self, i: int) -> float:
        return LEFT + self.slot() * (i + 0.5)

    def y(self, value: float, top: float) -> float:
        return self.top + self.plot_h * (1 - value / top) if top else self.top + self.plot_h


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, s: object, *, size: float = 9, anchor: str = "middle", fill: str = "#333",
          weight: str = "normal") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f' font-weight="{weight}">{escape(str(s))}</text>')


def nice_top(value: float) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 5.0, 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)  # problems are whole numbers
    return step * math.ceil(value / step), step


def _svg(body: list[str], label: str, legend: Sequence[tuple[str, str, str]], chart_h: float = HEIGHT) -> Markup:
    legend_svg, rows = _legend(legend, chart_h)
    height = chart_h + rows * LEGEND_ROW + 4
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{height}"'
            f' viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img" aria-label="{escape(label)}">')
    return Markup(head + "".join(body + legend_svg) + "</svg>")


def _axes(frame: _Frame, top: float, step: float, weeks: Sequence[WeekPoint], unit: str) -> list[str]:
    # a week without a run: a pale band over its slot, so the eye reads "no data", not zero
    out = [f'<rect x="{_num(LEFT + frame.slot() * i + 2)}" y="{_num(frame.top)}" width="{_num(frame.slot() - 4)}"'
           f' height="{_num(frame.plot_h)}" fill="{GAP_FILL}"/>' for i, p in enumerate(weeks) if p.gap]
    ticks = int(round(top / step))
    for k in range(ticks + 1):
        value = step * k
        y = frame.y(value, top)
        colour = "#888" if k == 0 else "#e3e3e3"
        out.append(f'<line x1="{LEFT}" y1="{_num(y)}" x2="{WIDTH - RIGHT}" y2="{_num(y)}" stroke="{colour}"'
                   f' stroke-width="{0.8 if k == 0 else 0.6}"/>')
        out.append(_text(LEFT - 5, y + 3, _num(value), size=8, anchor="end", fill="#555"))
    out.append(_text(LEFT - 5, frame.top - 8, unit, size=8, anchor="end", fill="#555"))  # the y unit
    base = frame.top + frame.plot_h
    for i, point in enumerate(weeks):
        x = frame.x(i)
        out.append(_text(x, base + 13, point.label, size=8.5, fill="#222"))
        sub = point.as_of.strftime("%m-%d") if point.as_of else "无监测"
        out.append(_text(x, base + 25, sub, size=7.5, fill="#777" if point.as_of else "#b00020"))
    return out


def text_width(s: str, size: float) -> float:
    """Rough advance width: CJK and full-width characters one em, others about half."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.56 for ch in s)


def _legend(items: Sequence[tuple[str, str, str]], y0: float) -> tuple[list[str], int]:
    """Legend entries (label, colour, marker) below the plot, wrapped into centred rows."""
    rows: list[list[tuple[str, str, str, float]]] = [[]]
    used = 0.0
    for label, colour, marker in items:
        label = label if len(label) <= 24 else label[:23] + "…"
        width = 14 + text_width(label, 9) + 14
        if rows[-1] and used + width > WIDTH - LEFT:
            rows.append([])
            used = 0.0
        rows[-1].append((label, colour, marker, width))
        used += width
    out = []
    for r, row in enumerate(rows):
        x = (WIDTH - sum(w for *_, w in row)) / 2
        y = y0 + r * LEGEND_ROW + 6
        for label, colour, marker, width in row:
            out.append(_marker(marker, x + 5, y, colour, size=4))
            out.append(_text(x + 13, y + 3.2, label, size=9, anchor="start"))
            x += width
    return out, len(rows) if items else 0


def _square(x: float, y: float, half: float, paint: str) -> str:
    return (f'<rect x="{_num(x - half)}" y="{_num(y - half)}" width="{_num(2 * half)}" height="{_num(2 * half)}"'
            f' {paint}/>')


def _polygon(points: Sequence[tuple[float, float]], colour: str) -> str:
    return f'<polygon points="{" ".join(f"{_num(px)},{_num(py)}" for px, py in points)}" fill="{colour}"/>'


def _marker(kind: str, x: float, y: float, colour: str, size: float = 3.5) -> str:
    if kind == "bar":
        return _square(x, y, size, f'fill="{colour}"')
    if kind == "square":
        return _square(x, y, size * 0.9, f'fill="{colour}"')
    if kind == "gap":
        return _square(x, y, size, f'fill="{GAP_FILL}" stroke="#bbb" stroke-width="0.5"')
    if kind == "triangle":
        return _polygon([(x, y - size * 1.15), (x - size * 1.1, y + size * 0.85), (x + size * 1.1, y + size * 0.85)],
                        colour)
    if kind == "diamond":
        return _polygon([(x, y - size * 1.25), (x + size, y), (x, y + size * 1.25), (x - size, y)], colour)
    if kind == "cross":
        a, b = size, -size
        return (f'<path d="M{_num(x + b)} {_num(y + b)}L{_num(x + a)} {_num(y + a)}'
                f'M{_num(x + b)} {_num(y + a)}L{_num(x + a)} {_num(y + b)}" stroke="{colour}" stroke-width="1.6"/>')
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" fill="{colour}"/>'


def open_problems_chart(weeks: Sequence[WeekPoint]) -> Markup:
    """Stacked bars: open problems at the end of each week by severity, total on top."""
    frame = _Frame(len(weeks))
    totals = [p.open for p in weeks]
    top, step = nice_top(max((t for t in totals if t is not None), default=0))
    body = _axes(frame, top, step, weeks, "个")
    bar_w = min(frame.slot() * 0.5, 46)
    for i, point in enumerate(weeks):
        x = frame.x(i)
        if point.gap:
            continue
        level = 0.0
        for severity in ("veto", "deduction", "warning"):
            n = point.open_by_severity.get(severity, 0)
            if not n:
                continue
            y0, y1 = frame.y(level, top), frame.y(level + n, top)
            body.append(f'<rect x="{_num(x - bar_w / 2)}" y="{_num(y1)}" width="{_num(bar_w)}"'
                        f' height="{_num(max(y0 - y1, 0.5))}" fill="{SEVERITY_COLOURS[severity]}"/>')
            level += n
        body.append(_text(x, frame.y(level, top) - 4, point.open, size=9, weight="bold", fill="#111"))
    legend = [(SEVERITY_LABELS[s], c, "bar") for s, c in SEVERITY_COLOURS.items()]
    legend.append(("无监测（当周无运行）", GAP_FILL, "gap"))
    return _svg(body, "近八周未整改问题数（按性质）", legend)


def chart_sites(weeks: Sequence[WeekPoint], order: Sequence[str]) -> list[str]:
    """The sites the score chart can show legibly: those with the most open problems in the
    latest week with data, at most MAX_SITES, in report order."""
    seen = [name for name in order if any(name in p.verdict_by_site for p in weeks)]
    if len(seen) <= MAX_SITES:
        return seen
    latest = next((p for p in reversed(weeks) if not p.gap), None)
    worst = sorted(seen, key=lambda n: -(latest.open_by_site.get(n, 0) if latest else 0))[:MAX_SITES]
    return [n for n in seen if n in worst]


def spread(ys: Sequence[tuple[int, float]], gap: float = MARKER_GAP, step: float = MARKER_STEP) -> dict[int, float]:
    """x offsets for markers in one week slot, by series index: markers whose y values lie within
    ``gap`` of each other (97.9 and 100 points) are set ``step`` apart, centred on the slot; a
    marker alone keeps offset 0."""
    out: dict[int, float] = {}
    group: list[tuple[int, float]] = []
    for k, y in sorted(ys, key=lambda item: (item[1], item[0])) + [(-1, math.inf)]:
        if group and y - group[-1][1] >= gap:
            for j, (member, _) in enumerate(group):
                out[member] = (j - (len(group) - 1) / 2) * step
            group = []
        group.append((k, y))
    return out


def score_chart(weeks: Sequence[WeekPoint], sites: Sequence[str], pass_mark: float | None = None) -> Markup:
    """One line per site: the 100-point score each week. A veto decides without a score: it is
    a cross in the 否决 band above the plot, not a point on it (it is not 0 points), and it breaks
    the line, as does a week the site was not monitored or not judged. Markers that would cover
    each other in a week are set side by side."""
    frame = _Frame(len(weeks), top=SCORE_TOP, height=HEIGHT + SCORE_TOP - TOP)
    top, step = 100.0, 20.0
    body = [f'<rect x="{LEFT}" y="{BAND_TOP}" width="{_num(frame.plot_w)}" height="{BAND_H}" fill="#fbeaea"'
            ' stroke="#e4b9b9" stroke-width="0.5"/>',
            _text(LEFT - 5, BAND_TOP + BAND_H / 2 + 3, "否决", size=8, anchor="end", fill="#b3261e", weight="bold")]
    body += _axes(frame, top, step, weeks, "分")
    if pass_mark is not None:
        y = frame.y(pass_mark, top)
        body.append(f'<line x1="{LEFT}" y1="{_num(y)}" x2="{WIDTH - RIGHT}" y2="{_num(y)}" stroke="#2e7d32"'
                    ' stroke-width="0.8" stroke-dasharray="5 3"/>')
        body.append(_text(WIDTH - RIGHT - 2, y - 3, f"合格线 {_num(pass_mark)}", size=7.5, anchor="end", fill="#2e7d32"))
    band_y = BAND_TOP + BAND_H / 2
    # per week: where each site's marker goes (scores on the plot, vetoes in the band), spread apart
    placed: list[dict[int, tuple[float, float, bool]]] = []
    for i, point in enumerate(weeks):
        at: dict[int, tuple[float, bool]] = {}
        for k, name in enumerate(sites):
            score, verdict = point.score_by_site.get(name), point.verdict_by_site.get(name)
            if score is not None:
                at[k] = (frame.y(score, top), False)
            elif verdict == "不合格":  # decided by a veto item
                at[k] = (band_y, True)
        dx = spread([(k, y) for k, (y, _) in at.items()])
        placed.append({k: (frame.x(i) + dx.get(k, 0.0), y, veto) for k, (y, veto) in at.items()})
    legend = []
    for k, name in enumerate(sites):
        colour, marker = SITE_COLOURS[k % len(SITE_COLOURS)], MARKERS[k % len(MARKERS)]
        legend.append((name, colour, marker))
        segments: list[list[tuple[float, float]]] = [[]]
        for week in placed:
            x, y, veto = week.get(k, (0.0, 0.0, True))
            if k not in week or veto:
                if k in week:
                    body.append(_marker("cross", x, y, colour))
                segments.append([])
                continue
            segments[-1].append((x, y))
            body.append(_marker(marker, x, y, colour))
        for seg in segments:
            if len(seg) > 1:
                pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in seg)
                body.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.4"/>')
    legend.append(("单项否决（不计分，画在“否决”一栏）", "#555", "cross"))
    if any(p.gap for p in weeks):
        legend.append(("无监测", GAP_FILL, "gap"))
    return _svg(body, "近八周各网站得分", legend, frame.height)
