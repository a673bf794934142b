"""Evidence as people read it: the pieces a rule's sentence (``Check.message``) is made of.

Each built-in check writes its own sentence from these pieces (``line``, ``field``, ``status``,
``missing``, ``freshness``, ``found_on``, ``count``, ``note``): what it says lives with the rule.
``describe(detail)`` is the common line for a check that writes none (a plugin's default): it
reads the evidence keys rules share (状态码, 缺少, 最新信息 ...) and labels the rest. Reports,
notifications and the workbench ask the registry for the sentence (checks.registry.message), so
built-ins and plugins take the same path. Pure and stdlib-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# Labels of evidence keys any rule may use; a rule's own keys are labelled by its message.
_DETAIL_LABELS = {
    "status": "状态码", "error": "错误", "reason": "原因", "message": "说明", "note": "说明",
    "content_type": "内容类型", "value": "原值", "expected": "应为", "found": "实际",
    "wrong": "错误用语", "right": "建议改为", "title": "标题", "published": "发布日期",
    "working_days": "工作日", "limit": "时限", "deadline": "截止日期", "count": "数量",
    "category": "栏目类别", "location": "跳转至", "problems": "问题", "date": "日期", "since": "起", "until": "止",
    "sentence": "原句", "year": "年度", "period": "周期", "schedule": "更新周期",
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
                # a lexicon's provenance (cases from other cities' 通报): read in a one-liner it looks
                # as if those cities made the error
                "source"}
# What the violation's history adds to every rule's evidence (govwatch.store.violations): the
# registry says it after the rule's own sentence.
LIFECYCLE_KEYS = ("reopened", "reopen_count")
SCHEDULES = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年"}
_QUARTERS = "一二三四"
# Punctuation a value may end with; the one-liner joins values with ；, so it would be doubled.
_TRAILING_PUNCT = "。；;，,、 \t\n"
_EMPTY = (None, "", [], {}, ())


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


def clean(value: object) -> str:
    return str(value).strip().rstrip(_TRAILING_PUNCT)


# The link checker's English notes that reach reports; anything else is shown as written.
_NOTES = ((re.compile(r"^an HTML page served as (\.\w+)$"), r"链接指向 \1 文件，实际返回的是网页"),)


def translate_note(note: str) -> str:
    for pattern, chinese in _NOTES:
        if pattern.match(note):
            return pattern.sub(chinese, note)
    return note


# -- the pieces of a sentence -----------------------------------------------------------------


def line(*parts: str | None) -> str:
    """The non-empty parts, joined as the reports join evidence: 状态码 404；位于首页."""
    return "；".join(p for p in parts if p)


def text(value: Any) -> str:
    """A value as one clean piece of text: lists joined with 、, nested evidence left out (for the
    JSON/XLSX exports), trailing punctuation dropped; "" for nothing."""
    if isinstance(value, Mapping) or value in _EMPTY:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(c for c in (clean(x) for x in value) if c)
    return clean(value)


def field(label: str, value: Any) -> str:
    """标签：值, or "" when there is no value (0 is a value)."""
    shown = text(value)
    return f"{label}：{shown}" if shown else ""


def status(value: Any) -> str:
    """An HTTP status (状态码 404) or an error class (状态：dns); "" when neither is known."""
    if value is None or value == "":
        return ""
    return f"状态码 {value}" if isinstance(value, int) or str(value).isdigit() else f"状态：{value}"


def missing(names: Any) -> str:
    """缺少：发文字号、索引号."""
    if not names:
        return ""
    return "缺少：" + "、".join(str(m) for m in (names if isinstance(names, (list, tuple)) else [names]))


def freshness(newest: Any, days: Any = None, window: Any = None, limit_days: Any = None) -> str:
    """最新信息 2026-04-01，已 200 天未更新（要求 6个月 内更新）: the window in the indicators' own
    words when known (6个月, 1年), else the limit in days."""
    if not newest and days is None:
        return ""  # nothing dated: a window alone says nothing
    s = f"最新信息 {newest}，" if newest else ""
    if days is not None:
        s += f"已 {days} 天未更新"
    if window:
        s += f"（要求 {clean(window)} 内更新）"
    elif limit_days is not None:
        s += f"（要求 {limit_days} 天内）"
    return s.rstrip("，")


def found_on(d: Mapping[str, Any]) -> str:
    """位于首页；出现在 3 个页面 (a link's sources)."""
    page_count = d.get("page_count")
    return line("位于首页" if d.get("on_home_page") else "",
                f"出现在 {page_count} 个页面" if isinstance(page_count, int) and page_count > 1 else "")


def count(n: Any) -> str:
    """数量：3; once is what a problem means, so only a repeat is said."""
    return "" if n == 1 else field("数量", n)


def note(value: Any) -> str:
    """说明：…, the link checker's English notes in Chinese."""
    return field("说明", translate_note(value) if isinstance(value, str) else value)


def reopened(d: Mapping[str, Any]) -> str:
    """曾整改后复现 2 次: from the violation's history, not from the rule."""
    n = d.get("reopen_count") or d.get("reopened")
    return f"曾整改后复现 {n} 次" if isinstance(n, int) and n > 0 else ""


# -- the common line ---------------------------------------------------------------------------


def describe(d: Mapping[str, Any], lead: Iterable[str] = (), used: Iterable[str] = (),
             labels: Mapping[str, str] | None = None) -> str:
    """The common evidence line: ``lead`` (the rule's own sentence) first, then the shared keys
    not in ``used``, then every other key with its label (the rule's own ``labels`` first);
    nested evidence is left to the JSON/XLSX exports."""
    labels = {**_DETAIL_LABELS, **(labels or {})}
    parts: list[str] = list(lead)
    used = set(used)
    if d.get("missing") and "missing" not in used:
        parts.append(missing(d["missing"]))
        used.add("missing")
    if ("newest" in d or "days" in d) and not used & {"newest", "days"}:
        parts.append(freshness(d.get("newest"), d.get("days"), d.get("window"), d.get("limit_days")))
        used |= {"newest", "days", "limit_days", "window", "category"}
    for key in ("state", "problem"):
        if key not in used and d.get(key) in _STATES:
            parts.append(_STATES[d[key]])
    if "status" in d and "status" not in used:
        parts.append(status(d["status"]))
        used |= {"status", "error"}
    parts.append(found_on(d))
    for k, val in d.items():
        if k in used or k in _HIDDEN_KEYS:
            continue
        label = labels.get(k, k)
        if k == "count" and val == 1:
            continue  # once is what a problem means
        if k in ("note", "message") and isinstance(val, str):
            parts.append(field(label, translate_note(val)))
        elif k == "schedule":
            parts.append(field(label, SCHEDULES.get(val, val) if isinstance(val, str) else val))
        elif k == "period":
            parts.append(field(label, period_cn(val) if val not in _EMPTY else val))
        elif k == "ratio" and isinstance(val, (int, float)) and not isinstance(val, bool):
            parts.append(f"{label}：{val:.1%}")
        else:
            parts.append(field(label, val))
    parts.append(reopened(d))
    return line(*parts)
