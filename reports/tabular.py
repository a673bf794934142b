"""Machine- and spreadsheet-friendly exports of the weekly report (JSON, CSV, XLSX) and the
format dispatcher used by `govwatch report --format`."""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .model import ReportViolation, SiteState, WeeklyReport, describe

FORMATS = ("pdf", "html", "xlsx", "json", "csv")


def _prepare(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def violation_dict(report: WeeklyReport, v: ReportViolation) -> dict[str, Any]:
    return {
        "rule": v.rule, "rule_title": report.rule_title(v.rule), "site": v.site, "url": v.url,
        "page": v.page, "column": v.column, "severity": v.severity, "status": v.status,
        "first_seen": v.first_seen, "last_seen": v.last_seen, "fixed_on": v.fixed_on,
        "new": v.new, "days_open": v.days_open, "owner": v.owner, "detail": v.detail,
        "description": describe(v),
    }


def report_dict(report: WeeklyReport) -> dict[str, Any]:
    return _jsonable({
        "week": report.week, "week_start": report.week_start, "week_end": report.week_end,
        "as_of": report.as_of, "generated_at": report.generated_at, "run_id": report.run_id,
        "title": report.title, "organisation": report.organisation,
        "totals": report.totals, "verdict_counts": report.verdict_counts, "pass_rate": report.pass_rate,
        "previous_week": report.previous_week, "previous_open": report.previous_open,
        "previous_verdict_counts": report.previous_verdict_counts,
        "sites": [{
            "name": s.name, "url": s.url, "owner": s.owner, "as_of": s.as_of, "pages": s.pages,
            "links": s.links, "columns": s.columns, "open": s.open, "new": s.new,
            "fixed": s.fixed, "by_rule": dict(s.by_rule), "status": s.status,
            "verdict": s.verdict, "score": s.score, "vetoes": list(s.vetoes), "deductions": dict(s.deductions),
            "previous": _previous(s.previous), "open_change": s.open_change, "kind": s.kind,
            "platform": s.platform, "coverage": dict(s.coverage) if s.coverage else None,
        } for s in report.sites],
        "violations": [violation_dict(report, v) for v in report.all_violations],
        # open problems a false alarm or an exemption in force excuses (not in "violations")
        "answered": [a.as_dict() for a in report.answered],
        # one entry per ISO week, oldest first; a week without a run has "as_of": null and no values
        "trend": [{
            "week": p.week, "week_start": p.week_start, "as_of": p.as_of, "open": p.open,
            "open_by_severity": dict(p.open_by_severity), "open_by_site": dict(p.open_by_site),
            "score_by_site": dict(p.score_by_site), "verdict_by_site": dict(p.verdict_by_site),
        } for p in report.trend],
        "owners": {owner: len(items) for owner, items in report.open_by_owner().items()},
        # what the runs shown could not decide, and why; "message" is the office's wording
        "notes": [{"rule": n.rule, "rule_title": n.rule_title, "site": n.site, "subject": n.subject,
                   "note": n.note, "message": n.message, "count": n.count} for n in report.notes],
        "rules": [{"id": r.id, "title": r.title, "source": r.source, "severity": r.severity,
                   "summary": r.summary, "enabled": r.enabled,
                   # in effect (the sites file's overrides applied), and the registry's defaults
                   "parameters": dict(r.parameters), "default_parameters": dict(r.defaults)}
                  for r in report.rules],
    })


def _previous(p: SiteState | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"week": p.week, "as_of": p.as_of, "verdict": p.verdict, "score": p.score, "open": p.open}


def write_json(report: WeeklyReport, path: str | Path) -> Path:
    path = _prepare(path)
    path.write_text(json.dumps(report_dict(report), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path


# -- CSV -----------------------------------------------------------------------------------

CSV_HEADER = ["规则", "规则编号", "网站", "栏目", "问题地址", "发现页面", "状态", "首次发现",
              "最近发现", "说明", "性质", "本周新发现", "整改日期", "已持续天数", "责任单位"]


def no_formula(s: str) -> str:
    # Crawled text such as an anchor "=HYPERLINK(...)" must not become a formula in Excel/WPS
    # (CSV injection); a leading apostrophe makes them show it as text.
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _rows(report: WeeklyReport) -> list[list[Any]]:
    rows = []
    for v in report.all_violations:
        pages = "\n".join(p["url"] for p in v.found_on)
        rows.append([
            report.rule_title(v.rule), v.rule, v.site, v.column or "", v.url, pages,
            v.status_label, v.first_seen, v.last_seen, describe(v), v.severity_label,
            "是" if v.new else "", v.fixed_on or "", v.days_open, v.owner or "",
        ])
    return rows


def csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """CSV as Excel and WPS open it: UTF-8 with a BOM (how they detect UTF-8), dates as
    YYYY-MM-DD, None empty, and no cell read as a formula. Every CSV GovWatch writes."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow([no_formula(c.isoformat() if isinstance(c, date) else ("" if c is None else str(c))) for c in row])
    return buf.getvalue().encode("utf-8-sig")


def write_csv(report: WeeklyReport, path: str | Path) -> Path:
    path = _prepare(path)
    path.write_bytes(csv_bytes(CSV_HEADER, _rows(report)))
    return path


# -- XLSX ----------------------------------------------------------------------------------

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str, taken: set[str]) -> str:
    """An Excel-legal, unique (case-insensitively) sheet name of at most 31 characters."""
    base = _BAD_SHEET_CHARS.sub("_", title).strip("' ") or "规则"
    base = base[:31]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f"({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _width(value: Any) -> int:
    s = value.isoformat() if isinstance(value, date) else str(value)
    line = max(s.split("\n"), key=len) if s else ""
    # East Asian wide characters take two columns in Excel's width unit.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _write_sheet(ws, header: list[str], rows: list[list[Any]], max_width: int = 60) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        ws.append([v if v is not None else "" for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                # openpyxl turns any string starting with "=" into a formula: keep it text.
                cell.data_type = "s"
                if "\n" in cell.value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(cell.value, (date, datetime)):
                cell.number_format = "yyyy-mm-dd"
    for i, name in enumerate(header, start=1):
        widest = max([_width(name)] + [_width(r[i - 1]) for r in rows if r[i - 1] is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(widest + 2, 8), max_width)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = ws.dimensions


def write_xlsx(report: WeeklyReport, path: str | Path) -> Path:
    from openpyxl import Workbook

    path = _prepare(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    taken = {"汇总"}
    rule_ids = [c.rule.id for c in report.rule_counts]
    header = ["网站", "网址", "责任单位", "监测日期", "状态", "类型", "检查结论", "得分", "单项否决项",
              "上周结论", "上周得分", "上周未整改", "未整改", "较上周", "本周新发现", "本周已整改",
              "页面数", "链接数", "栏目数"] + [report.rule_title(r) for r in rule_ids]
    rows = []
    for s in report.sites:
        p = s.previous
        rows.append([s.name, s.url, s.owner or "", s.as_of or "", "正常" if s.ok else s.status,
                     s.kind_label, s.verdict_label, s.score, "、".join(report.rule_title(r) for r in s.vetoes),
                     (p.verdict or "未判定") if p else "首次监测", p.score if p else None,
                     p.open if p else None, s.open, s.open_change_label, s.new, s.fixed,
                     s.pages, s.links, s.columns] + [s.by_rule.get(r, 0) for r in rule_ids])
    _write_sheet(ws, header, rows, max_width=50)

    vheader = ["网站", "栏目", "问题地址", "发现页面", "链接文字", "状态", "本周新发现",
               "首次发现", "最近发现", "整改日期", "已持续天数", "说明", "性质", "责任单位", "证据明细"]
    for rule_id, vs in report.by_rule(report.all_violations).items():
        ws = wb.create_sheet(sheet_title(report.rule_title(rule_id), taken))
        rows = []
        for v in sorted(vs, key=lambda v: (v.status != "open", report.sort_key(v))):
            found = v.found_on
            rows.append([
                v.site, v.column or "", v.url, "\n".join(p["url"] for p in found),
                "\n".join(p["anchor"] for p in found if p["anchor"]), v.status_label,
                "是" if v.new else "", v.first_seen, v.last_seen, v.fixed_on or "",
                v.days_open, describe(v), v.severity_label, v.owner or "", _evidence(v),
            ])
        _write_sheet(ws, vheader, rows)
    _write_trend_sheet(wb.create_sheet(sheet_title("近八周趋势", taken)), report)
    if report.notes:
        _write_sheet(wb.create_sheet(sheet_title("未判定事项", taken)), ["规则", "网站", "说明", "次数", "原文"],
                     [[n.rule_title, n.site or "全部", n.message, n.count, n.note] for n in report.notes])
    wb.save(path)
    return path


def _evidence(v: ReportViolation) -> str:
    """The check's whole evidence (but the found-on pages, which have their own columns), for an
    auditor: the 说明 one-liner leaves out what a reader misreads (a lexicon's source, version)."""
    detail = {k: x for k, x in (v.detail or {}).items() if k != "pages"}
    return json.dumps(_jsonable(detail), ensure_ascii=False, default=str) if detail else ""


def _write_trend_sheet(ws, report: WeeklyReport) -> None:
    """Per week: the totals, then each site's verdict, score and open problems; a week without
    a run has empty cells (a gap, not a zero)."""
    header = ["周次", "周一", "监测日期", "未整改", "单项否决", "扣分", "提示", "合格", "不合格", "未判定"]
    for s in report.sites:
        header += [f"{s.name} 结论", f"{s.name} 得分", f"{s.name} 未整改"]
    rows = []
    for p in report.trend:
        if p.gap:
            rows.append([p.week, p.week_start, "无监测"] + [None] * (len(header) - 3))
            continue
        row = [p.week, p.week_start, p.as_of, p.open] + [p.open_by_severity.get(k, 0) for k in
                                                          ("veto", "deduction", "warning")]
        row += [p.verdict_count(v) for v in ("合格", "不合格", "未判定")]
        for s in report.sites:
            seen = s.name in p.verdict_by_site
            row += [(p.verdict_by_site[s.name] or "未判定") if seen else None,
                    p.score_by_site.get(s.name), p.open_by_site.get(s.name) if seen else None]
        rows.append(row)
    _write_sheet(ws, header, rows, max_width=24)


def write_report(report: WeeklyReport, fmt: str, path: str | Path) -> Path:
    """Write the report in one of FORMATS to `path` (parent folders created)."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "pdf":
        from .render import write_pdf
        return write_pdf(report, path)
    if fmt == "html":
        from .render import write_html
        return write_html(report, path)
    writers = {"xlsx": write_xlsx, "json": write_json, "csv": write_csv}
    if fmt not in writers:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return writers[fmt](report, path)
