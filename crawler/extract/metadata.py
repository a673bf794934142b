"""The 信息公开 metadata block of a document page (索引号, 发文机关, 发文字号, 成文日期, ...).

Real blocks are tables (label and value in separate cells, or ``<b>label:</b>value`` in one),
dl/dd lists and div rows; labels carry odd spaces (索  引  号, 文　　号, U+2002). The block is
the smallest element holding at least two known labels, so look-alikes in the body text
(来源：..., 时间：...) are not read as metadata.
"""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.extract.dates import parse_date
from crawler.extract.hidden import hidden_by, hidden_how

# Synonyms (one field, several spellings) -> the standard name (DESIGN.md `inspect`).
SYNONYMS = {
    "文号": "发文字号",
    "发布机构": "发文机关",
    "发文单位": "发文机关",
    "发文日期": "成文日期",
    "印发日期": "成文日期",
    "分类": "主题分类",
    "发布时间": "发布日期",
    "时效性": "有效性",
    "是否有效": "有效性",
    # traditional characters (港澳 and some older portals)
    "索引號": "索引号", "發文機關": "发文机关", "發佈機構": "发文机关", "發布機構": "发文机关",
    "發文字號": "发文字号", "文號": "发文字号", "發文日期": "成文日期", "發佈日期": "发布日期",
    "發布日期": "发布日期", "發布時間": "发布日期", "主題分類": "主题分类", "標題": "标题",
}
KNOWN_LABELS = frozenset(
    [
        "索引号", "发文机关", "发文字号", "成文日期", "发布日期", "主题分类", "有效性", "标题",
        "组配分类", "公开目录", "体裁分类", "公开方式", "公开范围", "公开时限", "生成日期",
        "责任部门", "主题词", "生效日期", "废止日期", "登记号", "统一编号", "信息来源",
        "政策咨询部门", "政策咨询电话", "有效期", "索取号", "文件编号",
    ]
    + list(SYNONYMS)
)
# "X：Y" lines near a block that are never its fields
NOT_METADATA = frozenset([
    "浏览次数", "访问量", "访问次数", "阅读次数", "点击数", "点击量", "点击率", "字体", "字号", "分享到", "分享",
    "打印", "主办单位", "承办单位", "协办单位", "主办", "承办", "联系电话", "电话", "传真", "地址", "邮编",
    "邮箱", "网站标识码", "当前位置", "您当前所在位置", "您的位置", "您现在的位置", "作者", "编辑", "责任编辑",
])
_KNOWN_VALUE_CHARS = 300  # a title can be long; a paragraph is not a value
_OTHER_VALUE_CHARS = 80
_GROWN_BLOCK_CHARS = 1500
_PROSE_CHARS = 200  # a text this long is a paragraph: the block has grown over the article
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u3000]+")
_LABEL_VALUE = re.compile(r"^([^:：]{1,12})[:：](.*)$", re.S)
_CELL_TAGS = ("td", "th", "dt", "dd", "li", "label", "span", "b", "strong", "font", "p", "div")  # may hold a label


def normalize_label(text: str) -> str:
    return _SPACES.sub("", text).rstrip(":：")


def standard_label(text: str) -> str:
    label = normalize_label(text)
    return SYNONYMS.get(label, label)


def _clean_value(label: str, value: str) -> str:
    value = " ".join(_SPACES.sub(" ", value).split())
    if "日期" in label or label.endswith("时间"):
        if (day := parse_date(value)) is not None:
            return day.isoformat()
    return value


def _label_of(el) -> str | None:
    """The known label an element starts with (its own text, before any child), if any."""
    text = el.text or ""
    if not text.strip() and len(el):
        return None
    m = _LABEL_VALUE.match(text.strip())
    label = normalize_label(m.group(1) if m else text)
    return label if label in KNOWN_LABELS else None


def _find_block(doc: lxml_html.HtmlElement):
    """The deepest container holding most of the page's labelled cells (linear in page size)."""
    counts: dict = {}
    for el in doc.iter(*_CELL_TAGS):
        if _label_of(el) is None or hidden_by(el) is not None:
            continue  # a block hidden from readers (ng-hide, display:none) is not the page's
        for anc in el.iterancestors("table", "dl", "ul", "div", "section"):
            counts[anc] = counts.get(anc, 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    if top < 2:
        return None
    # an info line (发布日期：...) outside the table must not drag the block up to <body>
    wanted = max(2, int(top * 0.75 + 0.999))
    candidates = [el for el, n in counts.items() if n >= wanted]
    return max(candidates, key=lambda el: sum(1 for _ in el.iterancestors()))


_CELLS = ("td", "th", "dd", "dt", "li", "p", "div", "tr")


def _tokens(block, skip=frozenset()) -> list[tuple[str, int]]:
    """The block's text nodes in document order, each with the id of its enclosing cell
    (rows in ``skip`` were read already; hidden elements are not read)."""
    out: list[tuple[str, int]] = []

    def walk(el, cell: int) -> None:
        if el in skip or hidden_by_self(el):
            return
        if el.tag in _CELLS:
            cell = id(el)
        if el.text and el.text.strip():
            out.append((el.text.strip(), cell))
        for child in el:
            if isinstance(child.tag, str):
                walk(child, cell)
            if child.tail and child.tail.strip():
                out.append((child.tail.strip(), cell))

    walk(block, id(block))
    return out


def hidden_by_self(el) -> bool:
    return hidden_how(el) is not None


def _split_label(text: str, *, known_only: bool = False) -> tuple[str, str] | None:
    """(label, inline value) when the text starts with a label."""
    m = _LABEL_VALUE.match(text)
    if m:
        label = normalize_label(m.group(1))
        if label in KNOWN_LABELS or (not known_only and label not in NOT_METADATA and len(label) <= 8
                                     and re.fullmatch(r"[\u4e00-\u9fff]+", label)):
            return label, m.group(2)
    label = normalize_label(text)
    return (label, "") if label in KNOWN_LABELS else None


def _cells_of(row) -> list:
    return [c for c in row if getattr(c, "tag", None) in ("td", "th")]


def _header_label(cell) -> str | None:
    """The label a header cell holds: a known one, or a short Chinese word (索取号)."""
    label = normalize_label(cell.text_content())
    if label in KNOWN_LABELS or (label not in NOT_METADATA and 2 <= len(label) <= 6
                                 and re.fullmatch(r"[\u4e00-\u9fff]+", label)):
        return label
    return None


def _column_pairs(block) -> tuple[list[tuple[str, str]], set]:
    """Tables whose labels sit in a header row and values in the row below, read by column:
    索取号 | 发布时间 | 发布机构 over their values. Returns the pairs and the rows read."""
    pairs: list[tuple[str, str]] = []
    used: set = set()
    for row in block.iter("tr"):
        below = row.getnext()
        cells = _cells_of(row)
        if below is None or below.tag != "tr" or len(cells) < 2 or row in used:
            continue
        labels = [_header_label(c) for c in cells]
        values = _cells_of(below)
        if (None in labels or sum(1 for l in labels if l in KNOWN_LABELS) < 1 or len(values) != len(cells)
                or any(_header_label(v) in KNOWN_LABELS for v in values)):
            continue
        for label, value in zip(labels, values):
            pairs.append((label, value.text_content()))
        used.update((row, below))
    return pairs, used


def extract_metadata(doc: lxml_html.HtmlElement) -> dict[str, str]:
    """Every non-empty label/value pair of the page's 信息公开 block, labels standardised."""
    block = _find_block(doc)
    if block is None:
        return {}
    result: dict[str, str] = {}

    def add(label: str, value: str) -> None:
        name = SYNONYMS.get(label, label)
        cleaned = _clean_value(name, value)
        limit = _KNOWN_VALUE_CHARS if name in KNOWN_LABELS else _OTHER_VALUE_CHARS
        if cleaned and name not in result and len(cleaned) <= limit:
            result[name] = cleaned

    pairs, used = _column_pairs(block)
    for label, value in pairs:
        add(label, value)
    tokens = _tokens(block, used)
    # a block that grew over the article (few known labels, far apart) holds the body's own
    # "X：Y" lines (主办单位, phone numbers): only known labels are read there
    known_only = (sum(len(t) for t, _ in tokens) > _GROWN_BLOCK_CHARS
                  or any(len(t) >= _PROSE_CHARS for t, _ in tokens))
    i = 0
    while i < len(tokens):
        text, cell = tokens[i]
        split = _split_label(text, known_only=known_only)
        i += 1
        if split is None:
            continue
        label, value = split
        parts = [value] if value.strip() else []
        # the value is the rest of the label's cell, or else the next cell (table layouts)
        value_cell = cell if i < len(tokens) and tokens[i][1] == cell else None
        while i < len(tokens) and _split_label(tokens[i][0], known_only=known_only) is None:
            if value_cell is None and not parts:
                value_cell = tokens[i][1]
            if tokens[i][1] != value_cell:
                break
            parts.append(tokens[i][0])
            i += 1
        add(label, " ".join(parts))
    return result
