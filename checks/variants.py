"""Misspelt official names: a one-character variant of a canonical name, by sound or by shape.

办工厅 for 办公厅, 人民正府 for 人民政府, 中华人民共合国 for 中华人民共和国: a typo the curated lexicon
of wording-error does not list. The canonical names, the similar-shape groups and the allow list
are data (``checks/data/official_names.yaml``, versioned); pronunciations come from pypinyin.
``find_variants(text, names)`` is the pure part.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import ahocorasick
import yaml
from pypinyin import Style, pinyin

from checks import evidence
from checks.base import Check, Points, Violation, optional
from checks.wording import default_lexicon, page_text
from govwatch.store.view import PreviousViolation, RunView

NAMES_FILE = Path(__file__).resolve().parent / "data" / "official_names.yaml"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@functools.lru_cache(maxsize=None)
def readings(char: str) -> frozenset[str]:
    """The pronunciations of one character, tones left out (多音字 give several)."""
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")[0] or ())


@dataclass(frozen=True)
class Names:
    version: str
    names: tuple[str, ...]
    serious: frozenset[str]
    shapes: dict[str, frozenset[str]]  # character -> the characters that look like it
    allow: frozenset[str]

    @functools.cached_property
    def anchors(self) -> dict[str, list[tuple[str, int, int]]]:
        """piece -> (name, where the piece starts in it, the replaced position): a variant of a
        name at position i keeps the longer side of i intact, found with one str.find scan."""
        out: dict[str, list[tuple[str, int, int]]] = {}
        for name in self.names:
            for i in range(len(name)):
                left, right = name[:i], name[i + 1:]
                piece, offset = (left, 0) if len(left) >= len(right) else (right, i + 1)
                out.setdefault(piece, []).append((name, offset, i))
        return out

    @functools.cached_property
    def automaton(self) -> ahocorasick.Automaton:
        """Every anchor piece in one Aho-Corasick automaton: a page is scanned once for all of
        them (a str.find per piece was most of the check step on a 20,000-page portal)."""
        automaton = ahocorasick.Automaton()
        for rank, (piece, uses) in enumerate(self.anchors.items()):
            automaton.add_word(piece, (rank, len(piece), uses))
        automaton.make_automaton()
        return automaton

    def how(self, right: str, wrong: str) -> str | None:
        """同音 / 形近 when ``wrong`` may be a misspelling of ``right`` (one character)."""
        if readings(right) & readings(wrong):
            return "同音"
        if wrong in self.shapes.get(right, ()):
            return "形近"
        return None


@functools.lru_cache(maxsize=4)
def load_names(path: Path = NAMES_FILE) -> Names:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        names = tuple(sorted({str(n) for n in data["names"] if len(str(n)) >= 3}, key=len, reverse=True))
        shapes: dict[str, set[str]] = {}
        for group in data.get("shapes") or ():
            for c in group:
                shapes.setdefault(c, set()).update(set(group) - {c})
        return Names(str(data["version"]), names, frozenset(data.get("serious") or ()),
                     {c: frozenset(s) for c, s in shapes.items()}, frozenset(data.get("allow") or ()))
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid names file: {exc}") from None


@dataclass(frozen=True)
class Variant:
    wrong: str
    right: str
    how: str
    start: int


def find_variants(text: str, names: Names, allow: frozenset[str] = frozenset()) -> list[Variant]:
    """One-character variants of the canonical names in ``text``, in text order; a span that
    is part of a correct name or of an allowed word is not one (linear: one scan of the text)."""
    found: dict[int, tuple[tuple[int, int], Variant]] = {}  # start -> the first anchor's variant
    for end, (rank, size, uses) in names.automaton.iter(text):
        at = end - size + 1
        for order, (name, offset, i) in enumerate(uses):
            start = at - offset
            span = text[start: start + len(name)] if start >= 0 else ""
            if (len(span) != len(name) or span[i] == name[i] or span[:i] != name[:i]
                    or span[i + 1:] != name[i + 1:] or not _CJK.fullmatch(span[i])):
                continue
            if (how := names.how(name[i], span[i])) is None:
                continue
            if start in found and found[start][0] < (rank, order):
                continue
            if not _masked(text, start, len(name), names, allow):
                found[start] = ((rank, order), Variant(span, name, how, start))
    kept: list[Variant] = []  # the longest name wins: 国务院办公斤, not also 办公斤
    for v in sorted((v for _, v in found.values()), key=lambda v: -len(v.wrong)):
        if all(v.start + len(v.wrong) <= k.start or k.start + len(k.wrong) <= v.start for k in kept):
            kept.append(v)
    return sorted(kept, key=lambda v: v.start)


def _masked(text: str, start: int, length: int, names: Names, allow: frozenset[str]) -> bool:
    """The span is part of a correct name or an allowed word around it."""
    around = text[max(0, start - 8): start + length + 8]
    return any(w in around and _overlaps(text, w, start, length) for w in (names.allow | allow)) or any(
        n in around and _overlaps(text, n, start, length) for n in names.names if len(n) > length)


def _overlaps(text: str, word: str, start: int, length: int) -> bool:
    at = text.find(word, max(0, start - len(word)))
    while 0 <= at <= start + length:
        if at < start + length and at + len(word) > start:
            return True
        at = text.find(word, at + 1)
    return False


class NameVariant(Check):
    """A misspelt official name: one character replaced by a homophone or a look-alike.

    ## What it checks
    The text and title of articles, static pages and posts, for a one-character variant of a
    canonical name in ``checks/data/official_names.yaml`` (the state, 中国共产党, institutions
    and their usual parts: 人民政府, 办公厅, 委员会, …局; titles of laws and the national plans):
    the same length, one character replaced by one that sounds the same (pypinyin, tones
    ignored: 办工厅, 人民正府) or looks alike (the file's 形近字 groups: 攻府). A span that is
    part of a correct name, an allowed word (the file's ``allow`` and the ``allow`` parameter),
    or a wrong form the wording-error lexicon already lists is not reported. One violation per
    page and variant, quoting the sentence.

    ## Why it matters
    错别字 in official names are 表述不规范 in every 通报; in the name of the state a
    严重表述错误 (国办秘函〔2019〕19号, 单项否决: ``veto_candidate`` for a person to confirm).

    ## Parameters
    ``allow`` (none): words never reported; ``page_kinds`` (article, page, post).

    ## Known problems
    Only one-character variants of listed names; a name not listed (a local place) is not
    known. Measured on the real pages and fixtures: no hit on correct text; a real name one
    character from a listed one needs an ``allow`` entry. A variant in template text (a footer)
    is reported on each page that shows it.
    """

    id = "name-variant"
    title = "规范名称错别字（同音、形近）"
    source = "国办秘函〔2019〕19号 表述错误（国名等严重表述错误为单项否决项，须人工确认）"
    severity = "deduction"
    points = Points(2, 10)  # as wording-error
    # the page read again settles it (``rechecked``: the subject URL carries the variant)
    subject = "document"

    @dataclass(frozen=True)
    class Params:
        allow: tuple[str, ...] = ()
        page_kinds: tuple[str, ...] = ("article", "page", "post")

        def __post_init__(self) -> None:
            for name in ("allow", "page_kinds"):
                value = getattr(self, name)
                value = (value,) if isinstance(value, str) else value
                if not all(isinstance(v, str) for v in value):
                    raise ValueError(f"parameter {name!r} must be a list of strings, got {value!r}")
                object.__setattr__(self, name, tuple(value))

    @dataclass(frozen=True)
    class Detail:
        wrong: str  # the variant as found
        right: str  # the official name's characters it replaces
        how: str  # 同音 | 形近
        count: int  # occurrences on the page
        sentence: str
        lexicon_version: str
        veto_candidate: bool | None = optional()  # the name of the state: for a person to confirm

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        names = load_names()
        listed = default_lexicon().screen
        allow = frozenset(params.allow)
        for page in run.pages(kinds=params.page_kinds, meta=False):
            text = page_text(page)
            seen: dict[str, list[Variant]] = {}
            for v in find_variants(text, names, allow):
                if listed is not None and listed.search(text, max(0, v.start - 6), v.start + len(v.wrong) + 6):
                    continue  # the wording lexicon reports it
                seen.setdefault(v.wrong, []).append(v)
            for wrong, hits in seen.items():
                yield Violation(self.id, page.site, f"{page.url}#wording-variant-{wrong}", page=page.url,
                                column=page.column, detail=self._detail(text, hits, names))

    @classmethod
    def _detail(cls, text: str, hits: list[Variant], names: Names) -> NameVariant.Detail:
        first = hits[0]
        start = max(text.rfind(c, 0, first.start) for c in "。！？\n") + 1
        end = min((i for i in (text.find(c, first.start) for c in "。！？\n") if i >= 0), default=len(text))
        return cls.Detail(first.wrong, first.right, first.how, len(hits), text[start:end + 1].strip()[:120],
                          names.version, veto_candidate=True if first.right in names.serious else None)

    def message(self, detail: dict[str, Any]) -> str:
        """As wording-error's line (错误用语, 建议改为, 原句), with how the characters are confused."""
        d = detail
        return evidence.line(evidence.field("错误用语", d.get("wrong")), evidence.field("建议改为", d.get("right")),
                             evidence.field("错误类型", d.get("how")), evidence.count(d.get("count")),
                             evidence.field("原句", d.get("sentence")))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        page = run.page_head(previous.page or previous.url.split("#")[0])
        return page is not None and (page.status < 400 or page.status in (404, 410))
