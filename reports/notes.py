"""A run's notes (what a check could not decide, and why) in words an office understands.

Checks write their notes for the engineer who runs GovWatch; the weekly report shows them to
the 政务公开 office, which needs to know what was *not* judged this week and what fixes it. The
notes that matter most (a check that failed, a plugin skipped, a calendar year unknown, too few
probes) are put in plain Chinese with the fix; others are shown as the check wrote them.
Notes that say the same thing about many pages are counted once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReportNote:
    rule: str
    rule_title: str
    site: str | None
    message: str  # for the office (Chinese where GovWatch knows the note)
    note: str  # as the check wrote it (the first of its kind)
    subject: str | None = None
    count: int = 1  # how many notes of the run say the same

    @property
    def severe(self) -> bool:
        """A check that did not run at all: its old problems stay as they were."""
        return self.message.startswith(("该规则本次运行出错", "扩展规则"))


_CALENDAR = re.compile(r"the working-day calendar does not know (\d{4}): the chinesecalendar package covers "
                       r"(\d{4})-(\d{4})")
_CHECK_FAILED = re.compile(r"^check failed: (.*)$", re.S)
_RECHECK_FAILED = re.compile(r"^re-check failed: (.*)$", re.S)
_PLUGIN = re.compile(r"^plugin check '([^']+)' from (.+?) skipped: (.*)$", re.S)
_PROBES = re.compile(r"^(\d+) availability probe\(s\) from .* fewer than (\d+): .* at least (\d+) times a day")
_CANARY = re.compile(r"^the canary failed during the crawl")


def office_text(note: str) -> str:
    """The note as the office reads it; notes GovWatch does not know are returned as written."""
    if m := _CALENDAR.search(note):
        year, high = m[1], m[3]
        return (f"节假日日历尚未收录 {year} 年的法定节假日安排（目前只到 {high} 年），按工作日计算时限的规则"
                f"（如政策解读是否在 3 个工作日内发布）对 {year} 年的日期本次未判定。解决办法：国务院公布 {year} 年"
                f"节假日安排后，由技术人员升级日历（pip install -U chinesecalendar），或在站点配置文件 calendar "
                f"一节补充 {year} 年的节假日（holidays）和调休上班日（workdays）。")
    if m := _PLUGIN.match(note):
        return f"扩展规则 {m[1]}（{m[2]}）未能加载，本次未检查，其他规则照常检查。原因：{m[3]}"
    if m := _CHECK_FAILED.match(note):
        return f"该规则本次运行出错，未完成检查；其已有问题保持原状，既不新增也不视为已整改。错误：{m[1]}"
    if m := _RECHECK_FAILED.match(note):
        return f"复查出错，该问题保持未整改状态。错误：{m[1]}"
    if m := _PROBES.match(note):
        return (f"可用性探测仅 {m[1]} 次（少于 {m[2]} 次），本周未判定站点无法访问比例；"
                f"请每天至少探测 {m[3]} 次（定时运行 govwatch probe）。")
    if _CANARY.match(note):
        return "抓取过程中网络自检失败，本次链接检查结果不予报告（原有链接问题保持原状）。"
    return note


def _key(message: str) -> str:
    # one line per kind: the same sentence about different pages is counted, not repeated
    return re.sub(r"https?://\S+", "", message)


def gather(rows: Iterable[tuple[str, str | None, str | None, str]], titles: dict[str, str]) -> tuple[ReportNote, ...]:
    """ReportNotes from (rule, site, subject, note) rows, in the order first seen."""
    out: dict[tuple[str, str | None, str], ReportNote] = {}
    for rule, site, subject, note in rows:
        message = office_text(note)
        key = (rule, site, _key(message) if message != note else message)
        if key in out:
            prev = out[key]
            out[key] = ReportNote(prev.rule, prev.rule_title, prev.site, prev.message, prev.note, prev.subject,
                                  prev.count + 1)
        else:
            out[key] = ReportNote(rule, titles.get(rule, rule), site, message, note, subject)
    return tuple(sorted(out.values(), key=lambda n: not n.severe))
