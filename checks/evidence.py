"""Evidence as people read it: a violation's ``detail`` as one Chinese line.

``describe(detail)`` reads the evidence keys the rules share (状态码, 缺少, 最新信息 ...) and
labels the rest; a rule whose evidence needs its own words overrides ``Check.message`` and
passes its lead sentence and the keys it used (``describe(detail, lead, used)``). Reports and
notifications ask the registry for the sentence (checks.registry.message), so built-ins and
plugins take the same path. Pure and stdlib-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_DETAIL_LABELS = {
    "status": "状态码", "error": "错误", "reason": "原因", "message": "说明", "note": "说明",
    "content_type": "内容类型", "value": "原值", "expected": "应为", "found": "实际",
    "wrong": "错误用语", "right": "建议改为", "title": "标题", "published": "发布日期",
    "working_days": "工作日", "limit": "时限", "deadline": "截止日期", "count": "数量",
    "category": "栏目类别", "location": "跳转至", "problems": "问题",
    # the national rules' evidence
    "date": "留言日期", "answered_on": "答复日期", "probes": "探测次数", "failed": "失败次数",
    "ratio": "失败率", "since": "起", "until": "止", "sentence": "原句", "policy_title": "政策文件",
    "policy_published": "政策发布日期", "workdays": "相隔工作日", "max_workdays": "时限（工作日）",
    "year": "年度", "period": "周期", "schedule": "更新周期", "newest_item": "最新信息", "ended": "失效日期",
    "basis": "失效依据", "有效性": "有效性", "faults": "问题", "成文日期": "成文日期", "发布日期": "发布日期",
    "days_late": "逾期天数", "missing_links": "缺少关联", "posts": "抓取帖文（条）",
    # a deadline counted on the estimated calendar (checks.workdays) says so
    "calendar": "日历",
}
_STATES = {"unanswered": "未答复", "answered": "已答复", "missing": "未发布", "late": "逾期发布"}
# Evidence kept for the JSON/XLSX exports and the "found on" column, not for the one-liner.
_HIDDEN_KEYS = {"pages", "anchor", "reopened", "reopen_count", "checked_at", "page_count", "on_home_page",
                "metadata", "items", "list_pages", "verdict", "attempts", "headers", "redirects", "limit_months",
                "kind_guessed", "in_title", "level", "lexicon", "version", "first_failure", "last_failure", "column",
                "policy", "identity", "tags", "kind", "state", "problem", "veto_candidate", "errors", "period_start",
                "period_end", "due_days", "paired_by", "offset", "scope", "lexicon_version", "tag",
                # the wording lexicon's provenance (cases from other cities' 通报): read in a one-liner
                # it looks as if those cities made the error
                "source"}
_SCHEDULES = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
_QUARTERS = "一二三四"
# Punctuation a value may end with; the one-liner joins values with ；, so it would be doubled.
_TRAILING_PUNCT = "。；;，,、 \t\n"


def period_cn(period: object) -> str:
    """A schedule period as a 通报 writes it: 2026-Q3 -> 2026年第三季度, 2026-10 -> 2026年10月,
    2026-H1 -> 2026年上半年, 2025 -> 2025年; anything else as written."""
    s = str(period)
    if m := re.fullmatch(r"(\d{4})-?Q([1-4])", s):
        return f"{m[1]}年第{_QUARTERS[int(m[2]) - 1]}季度"
    if m := re.fullmatch(r"(\d{4})-?H([12])", s):
        return f"{m[1]}年{'上' if m[2] == '1' else '下'}半年"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        return f"{m[1]}年{int(m[2])}月" if 1 <= int(m[2]) <= 12 else s
    if re.fullmatch(r"\d{4}", s):
        return f"{s}年"
    return s


def _clean(value: object) -> str:
    return str(value).strip().rstrip(_TRAILING_PUNCT)


# The link checker's English notes that reach reports; anything else is shown as written.
_NOTES = ((re.compile(r"^an HTML page served as (\.\w+)$"), r"链接指向 \1 文件，实际返回的是网页"),)


def _translate_note(note: str) -> str:
    for pattern, chinese in _NOTES:
        if pattern.match(note):
            return pattern.sub(chinese, note)
    return note


def describe(d: Mapping[str, Any], lead: Iterable[str] = (), used: Iterable[str] = (),
             labels: Mapping[str, str] | None = None) -> str:
    """The common evidence line: ``lead`` (the rule's own sentence) first, then the shared keys
    not in ``used``, then every other key with its label (the rule's own ``labels`` first);
    nested evidence is left to the JSON/XLSX exports."""
    labels = {**_DETAIL_LABELS, **(labels or {})}
    parts: list[str] = list(lead)
    used = set(used)
    if d.get("missing") and "missing" not in used:
        missing = d["missing"]
        names = missing if isinstance(missing, (list, tuple)) else [missing]
        parts.append("缺少：" + "、".join(str(m) for m in names))
        used.add("missing")
    if ("newest" in d or "days" in d) and not used & {"newest", "days"}:
        s = f"最新信息 {d['newest']}，" if d.get("newest") else ""
        if d.get("days") is not None:
            s += f"已 {d['days']} 天未更新"
        if d.get("window"):  # the indicators' own words: 6个月, 1年
            s += f"（要求 {_clean(d['window'])} 内更新）"
        elif d.get("limit_days") is not None:
            s += f"（要求 {d['limit_days']} 天内）"
        parts.append(s.rstrip("，"))
        used |= {"newest", "days", "limit_days", "window", "category"}
    for key in ("state", "problem"):
        if key not in used and d.get(key) in _STATES:
            parts.append(_STATES[d[key]])
    if "status" in d and "status" not in used:
        st = d["status"]
        parts.append(f"状态码 {st}" if isinstance(st, int) or str(st).isdigit() else f"状态：{st}")
        used |= {"status", "error"}
    if d.get("on_home_page"):
        parts.append("位于首页")
    if isinstance(d.get("page_count"), int) and d["page_count"] > 1:
        parts.append(f"出现在 {d['page_count']} 个页面")
    for k, val in d.items():
        if k in used or k in _HIDDEN_KEYS or val in (None, "", [], {}):
            continue
        if k == "count" and val == 1:
            continue  # once is what a problem means; only a repeat is worth saying
        if k in ("note", "message") and isinstance(val, str):
            val = _translate_note(val)
        if k == "schedule":
            val = _SCHEDULES.get(val, val)
        if k == "period":
            val = period_cn(val)
        if isinstance(val, (list, tuple)):
            val = "、".join(c for c in (_clean(x) for x in val) if c)
        elif isinstance(val, Mapping):
            continue  # nested evidence is for the JSON/XLSX exports, not a one-liner
        if k == "ratio" and isinstance(val, (int, float)):
            val = f"{val:.1%}"
        val = _clean(val)
        if val:
            parts.append(f"{labels.get(k, k)}：{val}")
    reopened = d.get("reopen_count") or d.get("reopened")
    if isinstance(reopened, int) and reopened > 0:
        parts.append(f"曾整改后复现 {reopened} 次")
    return "；".join(parts)
