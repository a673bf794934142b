"""A run's notes reach the office: every format of the weekly report says what was not decided
and why, in words an office understands (a check that failed, a plugin skipped, a calendar
year the working-day rules do not know), and the console summary says it too."""

from __future__ import annotations

import dataclasses
import json

from openpyxl import load_workbook

from reports.notes import gather, office_text
from reports.render import render_html
from reports.tabular import report_dict, write_xlsx
from test_report_render import sample_report

CALENDAR = ("timeliness of 政策解读 http://x.gov.cn/jd/1.html not judged: the working-day calendar does not know "
            "2027: the chinesecalendar package covers 2004-2026. Upgrade it (pip install -U chinesecalendar)")


def _notes():
    rows = [("interpretation-overdue", "县", "http://x.gov.cn/jd/1.html", CALENDAR),
            ("interpretation-overdue", "县", "http://x.gov.cn/jd/2.html", CALENDAR.replace("1.html", "2.html")),
            ("blank-column", None, None, "check failed: KeyError: 'category'"),
            ("dead-phone", None, None, "plugin check 'dead-phone' from gw-local (dead-phone) skipped: "
                                       "cannot import gw_local:X: ModuleNotFoundError: No module named 'gw_local'")]
    return gather(rows, {"interpretation-overdue": "政策解读发布不及时", "blank-column": "空白栏目"})


def test_notes_in_office_words_counted_once_per_kind():
    notes = _notes()
    assert [n.rule for n in notes] == ["blank-column", "dead-phone", "interpretation-overdue"]  # failures first
    calendar = notes[-1]
    assert calendar.count == 2 and calendar.rule_title == "政策解读发布不及时"
    assert "节假日日历尚未收录 2027 年" in calendar.message and "目前只到 2026 年" in calendar.message
    assert "calendar 一节" in calendar.message and "pip install -U chinesecalendar" in calendar.message
    assert notes[0].severe and "未完成检查" in notes[0].message and "KeyError" in notes[0].message
    assert "扩展规则 dead-phone" in notes[1].message
    assert office_text("something new") == "something new"  # unknown notes as written


def test_every_format_carries_the_notes(tmp_path):
    report = dataclasses.replace(sample_report(), notes=_notes())
    html = render_html(report)
    assert 'id="notes"' in html and "本次监测未能判定的事项" in html and "节假日日历尚未收录 2027 年" in html
    assert "2 项规则未完成检查" in html  # on the cover: a failed check, a skipped plugin
    data = json.loads(json.dumps(report_dict(report), ensure_ascii=False))
    assert [n["rule"] for n in data["notes"]] == ["blank-column", "dead-phone", "interpretation-overdue"]
    assert data["notes"][2]["count"] == 2 and data["notes"][2]["note"] == CALENDAR
    sheet = load_workbook(write_xlsx(report, tmp_path / "r.xlsx"))["未判定事项"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("规则", "网站", "说明", "次数") and any("2027" in str(r[2]) for r in rows[1:])
    # without notes: no section, no sheet
    assert 'id="notes"' not in render_html(sample_report())
    assert "未判定事项" not in load_workbook(write_xlsx(sample_report(), tmp_path / "s.xlsx")).sheetnames
