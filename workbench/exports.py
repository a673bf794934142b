"""The filtered problem list as a file for Excel/WPS: CSV (UTF-8 with BOM) or XLSX.

Crawled text that begins like a formula (= + - @) is prefixed with an apostrophe: a hostile
anchor text must not become a formula in the office's spreadsheet."""

from __future__ import annotations

import io
import json

from reports import tabular
from workbench.queries import SEVERITY_LABELS, STATUS_LABELS, ProblemRow

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
HEADER = ("编号", "规则", "网站/账号", "栏目", "责任单位", "性质", "状态", "地址", "发现页面", "首次发现", "最近发现",
          "整改日期", "答复理由", "答复有效期", "问题描述", "证据")


def _cell(value) -> str:
    return tabular.no_formula("" if value is None else str(value))


def _row(r: ProblemRow) -> list[str]:
    v = r.v
    return [_cell(x) for x in (
        v.id, v.rule, v.site, v.column, r.owner, SEVERITY_LABELS.get(v.severity, v.severity),
        STATUS_LABELS.get(r.status, r.status), v.url, v.page, v.first_seen, v.last_seen, v.fixed_on,
        r.answer.reason if r.answer else None, r.answer.expires if r.answer else None, r.sentence,
        json.dumps(v.detail, ensure_ascii=False, default=str))]


def csv_bytes(rows: list[ProblemRow]) -> bytes:
    return tabular.csv_bytes(list(HEADER), (_row(r) for r in rows))  # the one CSV writer: BOM, no formulas


def xlsx(rows: list[ProblemRow]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("问题清单")
    ws.append(list(HEADER))
    for r in rows:
        ws.append(_row(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
