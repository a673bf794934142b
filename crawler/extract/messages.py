"""Reply state of 留言 (message board) list rows: answered or not, when left, when answered.

Interaction columns (县长信箱, 咨询投诉, 网上咨询) list messages as li/tr/dd rows like news
lists do, plus a state (已回复 / 办理中 / an icon) and often a reply date. Three shapes are read:

- tables whose header row names the columns (标题 | 留言时间 | 状态 | 回复时间): positions come
  from the header, so a 回复时间 cell left empty means "not answered yet";
- rows that label their dates (留言时间：… 回复时间：…) or carry a state word in a span;
- a state shown only as an image (alt/title/file name) or a class name (replied, whf, ...).

A row that says nothing about replies (a news row) gives state None, and nothing else here
changes for it. The title link's own text is never searched for state words: titles such as
"关于垃圾处理中存在问题的咨询" would otherwise read as 处理中.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from crawler.extract.dates import DATE_RE, find_dates
from crawler.extract.text import walk_text

ANSWERED = "answered"
UNANSWERED = "unanswered"

# 未/待/…中 words win over 已…: "已受理 未回复" is not answered; 已受理 alone means accepted and
# still being handled (the usual flow is 待受理 → 已受理/办理中 → 已办结). 处理中心/受理中心
# are offices (办理单位：县垃圾处理中心), not states.
_OPEN_WORDS = re.compile(
    r"[未待](?:回复|答复|回应|办结|办理|处理|受理|反馈)|(?:办理|处理|受理|回复|答复)中(?!心)|正在(?:办理|处理|回复|答复)")
_DONE_WORDS = re.compile(r"已(?:回复|答复|办结|处理|反馈|回应|办理)")
_ACCEPTED = re.compile(r"已受理")
_DATE_LABEL = r"(?:时间|日期)\s*[:：]?\s*$"
# a label directly before a date says which date it is
_REPLY_LABEL = re.compile(r"(?:回复|答复|办结|反馈|回应|处理|办理)" + _DATE_LABEL)
_ASK_LABEL = re.compile(r"(?:留言|提问|来信|咨询|提交|写信|发布|发表|来件|投诉|信件)" + _DATE_LABEL)
# 回复时间： with no date after it (or a dash): the row shows the reply slot, and it is empty
_EMPTY_REPLY = re.compile(r"(?:回复|答复|办结)(?:时间|日期)\s*[:：]\s*(?:$|[-—－/无]|(?!\s*(?:19|20)\d{2}))")
# header cells
_H_REPLY = re.compile(r"(?:回复|答复|办结|反馈|回应|处理)(?:时间|日期)")
_H_STATE = re.compile(r"状态|是否(?:回复|答复|办结)|(?:回复|答复|办理|处理)(?:情况|结果)")
_H_ASK = re.compile(r"(?:留言|提问|来信|咨询|提交|写信|来件|信件|投诉)(?:时间|日期)")
_H_DATE = re.compile(r"时间|日期")
# class names and icon file names that some CMSs use instead of words
_CLASS_OPEN = re.compile(
    r"(?<![a-z])(?:(?:un|no|not|wait)[-_]?(?:replied|reply|answered|answer)|whf|wdf|dhf|dbj|wbj)(?![a-z])", re.I)
_CLASS_DONE = re.compile(r"(?<![a-z])(?:replied|answered|yhf|ydf|ybj)(?![a-z])", re.I)


class MessageFacts(NamedTuple):
    state: str | None  # answered | unanswered | None (the row says nothing about replies)
    asked_on: dt.date | None  # when the message was left
    answered_on: dt.date | None  # the reply's date, where the row shows one


def read_message_row(row, title_link=None, headers: dict | None = None) -> MessageFacts:
    """State, message date and reply date of one list row.

    ``title_link`` is the row's title anchor (its text is not searched for state words);
    ``headers`` is an optional cache, per table or list, of header roles (keeps long tables
    linear).
    """
    roles = header_roles(row, headers)
    cells = _cells(row)
    if roles and len(cells) >= max(roles) + 1:
        facts = _by_header(roles, cells, title_link)
        if facts.state is not None:
            return facts
    return _by_text(row, title_link)


def classify_state(text: str) -> str | None:
    """answered / unanswered / None from the words of a row or cell."""
    if _OPEN_WORDS.search(text):
        return UNANSWERED
    if _DONE_WORDS.search(text):
        return ANSWERED
    if _ACCEPTED.search(text):
        return UNANSWERED
    return None


def _state_of(el, skip=None) -> str | None:
    """Words (text, image alt/title) first, then class and icon file names."""
    words = _text(el, skip)
    for img in el.iter("img"):
        words += " " + (img.get("alt") or "") + " " + (img.get("title") or "")
    state = classify_state(words)
    if state is not None:
        return state
    names = " ".join(
        (e.get("class") or "") + " " + (e.get("src") or "").rsplit("/", 1)[-1]
        for e in el.iter() if isinstance(e.tag, str) and e is not skip
    )
    if _CLASS_OPEN.search(names):
        return UNANSWERED
    if _CLASS_DONE.search(names):
        return ANSWERED
    return None


def _text(el, skip=None) -> str:
    """The element's text without the title link's own text (its tail is kept)."""
    return walk_text(el, skip=skip, end=lambda e: " " if e is skip else "")


def _title_in(cell, title_link):
    """The title link if it sits in ``cell``, else None."""
    return title_link if title_link is not None and cell in title_link.iterancestors() else None


def _by_text(row, title_link) -> MessageFacts:
    text = " ".join(_text(row, title_link).split())
    state = _state_of(row, title_link)
    asked = replied = None
    plain: list[dt.date] = []
    start = 0
    for m in DATE_RE.finditer(text):
        day = find_dates(m.group(0))
        if not day:
            continue
        before = text[max(start, m.start() - 12):m.start()]
        start = m.end()
        if _REPLY_LABEL.search(before):
            replied = replied or day[0]
        elif _ASK_LABEL.search(before):
            asked = asked or day[0]
        else:
            plain.append(day[0])
    if asked is None and plain:
        asked = plain.pop(0)
    if state is None:
        if replied is not None:
            state = ANSWERED
        elif asked is not None and _EMPTY_REPLY.search(text):
            state = UNANSWERED
        else:
            return MessageFacts(None, None, None)
    if state == ANSWERED and replied is None and plain:
        replied = plain[0]  # the second date of an answered row is its reply's
    if state == UNANSWERED:
        replied = None  # a 处理时间 beside 办理中 is not a reply
    return MessageFacts(state, asked, replied)


# -- tables (and lists) with a header row --------------------------------------------------------


def _cells(row) -> list:
    """The row's cells by position, a cell spanning n columns counted n times."""
    if row.tag == "tr":
        out = []
        for cell in row:
            if cell.tag in ("td", "th"):
                try:
                    span = max(1, min(int(cell.get("colspan") or 1), 20))
                except ValueError:
                    span = 1
                out.extend([cell] * span)
        return out
    return [child for child in row if isinstance(child.tag, str) and child.tag not in ("br",)]


def _header_candidates(row, owner) -> list:
    """The rows above ``row`` in its table (thead included) or its list."""
    if row.tag == "tr":
        rows = []
        for r in owner.iter("tr"):
            if r is row:
                return rows
            if next(r.iterancestors("table"), None) is owner:
                rows.append(r)
        return rows
    return list(row.itersiblings(preceding=True))[::-1]


def header_roles(row, cache: dict | None = None) -> dict[int, str] | None:
    """Column position -> "asked" | "state" | "replied" from the header row above ``row``.

    None when there is no header, or it names neither a state nor a reply date (a news table
    with 标题 | 发布日期 is not a message table).
    """
    owner = next(row.iterancestors("table"), None) if row.tag == "tr" else row.getparent()
    if owner is None:
        return None
    if cache is not None and owner in cache:
        return cache[owner]
    candidates = _header_candidates(row, owner)
    roles = None
    for cand in reversed(candidates):
        if any(a.get("href") for a in cand.iter("a")) or find_dates(cand.text_content()):
            continue
        found = _roles(_cells(cand))
        if found:
            roles = found
            break
    if cache is not None:
        cache[owner] = roles
    return roles


def _roles(cells) -> dict[int, str] | None:
    if len(cells) < 2:
        return None
    roles: dict[int, str] = {}
    generic_date = None
    for i, cell in enumerate(cells):
        label = "".join(cell.text_content().split())
        if not label or len(label) > 12:
            continue
        if _H_REPLY.search(label):
            roles.setdefault(i, "replied")
        elif _H_STATE.search(label):
            roles.setdefault(i, "state")
        elif _H_ASK.search(label):
            roles.setdefault(i, "asked")
        elif _H_DATE.search(label) and generic_date is None:
            generic_date = i  # 时间 / 发布日期 / 受理时间: the message date unless one is named
    if "asked" not in roles.values() and generic_date is not None:
        roles[generic_date] = "asked"
    if not {"state", "replied"} & set(roles.values()):
        return None
    # a spanned cell repeats: keep each role at its first position
    first: dict[int, str] = {}
    for i, role in sorted(roles.items()):
        if role not in first.values():
            first[i] = role
    return first


def _by_header(roles: dict[int, str], cells, title_link) -> MessageFacts:
    asked = replied = state = None
    has_reply_column = False
    for i, role in roles.items():
        cell = cells[i]
        if role == "asked":
            asked = next(iter(find_dates(cell.text_content())), None)
        elif role == "replied":
            text = cell.text_content().strip()
            # only an empty reply cell says "no reply": 查看回复, 已回复 or an icon there are replies
            has_reply_column = not text.strip("-—－/ \u00a0") and not cell.xpath(".//img")
            replied = next(iter(find_dates(text)), None)
            if replied is None and not has_reply_column:
                state = _state_of(cell, _title_in(cell, title_link)) or ANSWERED
        else:
            state = _state_of(cell, _title_in(cell, title_link))
    if asked is None:
        # no message-date column: the first date of the row outside the reply column
        reply_cells = {cells[i] for i, r in roles.items() if r == "replied"}
        for cell in dict.fromkeys(cells):
            # a date inside the title is not the message's
            if cell not in reply_cells and (days := find_dates(_text(cell, _title_in(cell, title_link)))):
                asked = days[0]
                break
    if state is None:
        if replied is not None:
            state = ANSWERED
        elif has_reply_column and asked is not None:
            state = UNANSWERED  # the header shows a reply-date column, and this row's is empty
    if state == UNANSWERED:
        replied = None
    return MessageFacts(state, asked, replied)
