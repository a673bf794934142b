"""Wording errors (严重表述错误 / 错别字): a versioned lexicon of wrong forms found in page text.

The lexicon is data, not code: YAML files under ``checks/lexicon/`` (typos, outdated
institution names, banned formulations), each with a ``version`` that is recorded with every
report, plus the user's own files in the same format (``extra_lexicons``). The format is
described at the top of ``checks/lexicon/typos.yaml``.

``find_wording_errors(text, lexicon, published)`` is the reusable, pure part (pages now,
new-media posts later); ``WordingError`` is the check over a run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from checks import evidence
from checks.base import Check, Note, Points, Violation, optional
from govwatch.store.view import PageView, PreviousViolation, RunView

KINDS = ("typo", "renamed", "formulation")
LEVELS = ("serious", "normal")
LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
QUOTE_LIMIT = 120  # characters of the sentence quoted in a report

_FILE_KEYS = {"name", "version", "description", "entries"}
_ENTRY_KEYS = {"wrong", "regex", "label", "right", "kind", "level", "since", "source", "except", "note", "uncertain"}


# -- the lexicon -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One wrong form: a literal text (``wrong``) or a regular expression (``pattern``)."""

    wrong: str  # the literal wrong text, or the label of a regex entry: the entry's identity
    right: tuple[str, ...]
    kind: str
    level: str
    source: str
    since: dt.date | None = None
    pattern: re.Pattern | None = None
    exceptions: tuple[str, ...] = ()  # longer correct words containing the wrong text
    note: str | None = None
    uncertain: bool = False
    lexicon: str = ""
    version: str = ""

    @property
    def key(self) -> str:
        """Identity across lexicons: a later entry with the same key replaces an earlier one."""
        return f"re:{self.pattern.pattern}" if self.pattern is not None else self.wrong

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        if self.pattern is not None:
            for m in self.pattern.finditer(text):
                yield m.start(), m.end()
            return
        start = text.find(self.wrong)
        while start >= 0:
            yield start, start + len(self.wrong)
            start = text.find(self.wrong, start + 1)


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...]
    files: tuple[tuple[str, str, str], ...] = ()  # (name, version, path) of each file read

    @property
    def version(self) -> str:
        return ", ".join(f"{name} {version}" for name, version, _ in self.files)

    @functools.cached_property
    def screen(self) -> re.Pattern | None:
        """One pattern that finds any literal wrong form: most pages have none, and one scan
        tells so several times faster than a search per entry."""
        words = sorted({e.wrong for e in self.entries if e.pattern is None}, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, words))) if words else None

    @functools.cached_property
    def patterns(self) -> tuple[Entry, ...]:
        """The entries the screen does not cover (regular expressions), in lexicon order."""
        return tuple(e for e in self.entries if e.pattern is not None)

    def select(self, kinds: Iterable[str] = KINDS, levels: Iterable[str] = LEVELS,
               include_uncertain: bool = True) -> Lexicon:
        kinds, levels = set(kinds), set(levels)
        return Lexicon(tuple(e for e in self.entries if e.kind in kinds and e.level in levels
                             and (include_uncertain or not e.uncertain)), self.files)


def load_lexicon(paths: Iterable[str | Path] = (), builtin: bool = True) -> Lexicon:
    """The built-in lexicon (unless ``builtin`` is false) followed by the files in ``paths``.

    A later entry with the same wrong form (or regex) replaces an earlier one, so a user's file
    can change a built-in entry's level or date. ValueError names the file and the problem.
    """
    entries: dict[str, Entry] = {}
    files: list[tuple[str, str, str]] = []
    parts = [builtin_lexicon()] if builtin else []
    parts += [read_lexicon_file(Path(p)) for p in paths]
    for part in parts:
        for entry in part.entries:
            entries.pop(entry.key, None)  # the replacement takes the later position too
            entries[entry.key] = entry
        files += part.files
    return Lexicon(tuple(entries.values()), tuple(files))


@functools.lru_cache(maxsize=1)
def builtin_lexicon() -> Lexicon:
    parts = [read_lexicon_file(p) for p in sorted(LEXICON_DIR.glob("*.yaml"))]
    return Lexicon(tuple(e for part in parts for e in part.entries), tuple(f for part in parts for f in part.files))


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """What the check uses with default parameters: the built-in entries, uncertain ones left out."""
    return builtin_lexicon().select(include_uncertain=False)


def read_lexicon_file(path: Path) -> Lexicon:
    """One lexicon file, validated; ValueError("<path>: <problem>") otherwise."""
    path = path.expanduser()
    shown = str(path)
    path = path if path.is_absolute() else Path.cwd() / path
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{shown}: lexicon file not found (looked for {path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{shown}: cannot read the lexicon file: {exc}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"{shown}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from None
    return parse_lexicon(data, shown, default_name=path.stem)


def parse_lexicon(data: Any, origin: str, default_name: str = "lexicon") -> Lexicon:
    """Validate a lexicon document already parsed from YAML."""
    def fail(problem: str) -> None:
        raise ValueError(f"{origin}: {problem}")

    if not isinstance(data, dict):
        fail("a lexicon is a mapping with `version` and `entries`")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        fail(f"unknown key {sorted(map(str, unknown))[0]!r} (known: {', '.join(sorted(_FILE_KEYS))})")
    version = data.get("version")
    if not isinstance(version, (str, int, float)) or isinstance(version, bool) or not str(version).strip():
        fail("`version` is required (e.g. version: \"2025.1\")")
    name = str(data.get("name") or default_name)
    entries = data.get("entries")
    if not isinstance(entries, list) or not entries:
        fail("`entries` must be a non-empty list")
    out: list[Entry] = []
    seen: set[str] = set()
    for i, raw in enumerate(entries, 1):
        entry = _parse_entry(raw, f"{origin}: entry {i}", name, str(version))
        if entry.key in seen:
            fail(f"entry {i} ({entry.wrong}): listed twice in the file")
        seen.add(entry.key)
        out.append(entry)
    return Lexicon(tuple(out), ((name, str(version), origin),))


def _parse_entry(raw: Any, where: str, lexicon: str, version: str) -> Entry:
    if isinstance(raw, dict):
        label = raw.get("wrong") or raw.get("label") or raw.get("regex")
        if isinstance(label, str):
            where = f"{where} ({label})"

    def fail(problem: str) -> None:
        raise ValueError(f"{where}: {problem}")

    if not isinstance(raw, dict):
        fail("an entry is a mapping with wrong (or regex), right, kind, level and source")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        fail(f"unknown key {sorted(map(str, unknown))[0]!r} (known: {', '.join(sorted(_ENTRY_KEYS))})")
    wrong, regex = raw.get("wrong"), raw.get("regex")
    if (wrong is None) == (regex is None):
        fail("give exactly one of `wrong` (literal text) and `regex`")
    pattern = None
    if regex is not None:
        if not isinstance(regex, str) or not regex:
            fail("`regex` must be a non-empty string")
        try:
            pattern = re.compile(regex)
        except re.error as exc:
            fail(f"`regex` is not a valid regular expression: {exc}")
        if pattern.search(""):
            fail("`regex` matches the empty string")
        label = raw.get("label", regex)
        if not isinstance(label, str) or not label.strip():
            fail("`label` must be a non-empty string")
        wrong = label.strip()
    elif not isinstance(wrong, str) or not wrong.strip():
        fail("`wrong` must be a non-empty string")
    elif "label" in raw:
        fail("`label` is for regex entries only")
    else:
        wrong = wrong.strip()
    right = raw.get("right")
    right = [right] if isinstance(right, str) else right
    if not isinstance(right, list) or not right or not all(isinstance(r, str) and r.strip() for r in right):
        fail("`right` (the correct form, or a list of them) is required")
    kind, level = raw.get("kind"), raw.get("level")
    if kind not in KINDS:
        fail(f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}")
    if level not in LEVELS:
        fail(f"`level` must be one of {', '.join(LEVELS)}, got {level!r}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        fail("`source` (where the entry comes from) is required")
    since = raw.get("since")
    if kind == "renamed":
        if since is None:
            fail("a renamed entry needs `since` (YYYY-MM-DD, the date the old name became outdated)")
        if isinstance(since, str):
            try:
                since = dt.date.fromisoformat(since.strip())
            except ValueError:
                fail(f"`since` must be a date YYYY-MM-DD, got {since!r}")
        if isinstance(since, dt.datetime):
            since = since.date()
        if not isinstance(since, dt.date):
            fail(f"`since` must be a date YYYY-MM-DD, got {since!r}")
    elif since is not None:
        fail("`since` applies to renamed entries only")
    exceptions = raw.get("except") or []
    exceptions = [exceptions] if isinstance(exceptions, str) else exceptions
    if not isinstance(exceptions, list) or not all(isinstance(x, str) and x for x in exceptions):
        fail("`except` must be a list of words")
    if pattern is None:
        for x in exceptions:
            if wrong not in x:
                fail(f"`except` word {x!r} does not contain the wrong text, so it can never apply")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        fail("`note` must be text")
    uncertain = raw.get("uncertain", False)
    if not isinstance(uncertain, bool):
        fail("`uncertain` must be true or false")
    return Entry(wrong, tuple(r.strip() for r in right), kind, level, source.strip(), since, pattern,
                 tuple(exceptions), note, uncertain, lexicon, version)


# -- matching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    wrong: str  # the text as found
    right: str
    kind: str
    level: str
    sentence: str  # the sentence around the match, trimmed to ~QUOTE_LIMIT characters
    offset: int  # where the match starts in the text
    entry: Entry = field(repr=False)


_BOUNDARY = re.compile(r"[。！？；!?;\n\r]")
_HISTORY_WORDS = ("更名", "改名", "改为", "前身", "不再保留", "原称", "曾用名")
# "原" right before the old name, or before a place/level prefix of it (原县国土资源局,
# 原国家卫生计生委). A bare "原" anywhere would also match 原则/原因/原来.
_FORMER = re.compile(r"原(?![则因来本始有料先告件文址籍创定])"
                     r"(?:(?:(?![的由在和与及是对向从上])[\u4e00-\u9fff]){0,6}?(?:国家|中国|省|市|县|区|州|盟|旗|镇|乡|街道))?$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*年|〕|\]|[-/.]\d)")


def find_wording_errors(text: str, lexicon: Lexicon | None = None, published: dt.date | None = None, *,
                        allow: Iterable[str] = (), skipped: list[Hit] | None = None) -> list[Hit]:
    """The lexicon's wrong forms in ``text``, in text order (default: ``default_lexicon()``).

    - a match covered by an occurrence of the entry's right form, one of its ``except`` words
      or an ``allow`` phrase is not a hit (a wrong form inside a longer correct word);
    - overlapping matches of different entries keep the longest;
    - a ``renamed`` entry hits only when ``published`` is on or after its ``since`` date, and not
      where the sentence mentions the old name as history. With ``published`` unknown it does
      not hit; such matches are appended to ``skipped`` (when given) so a caller can say so.
    """
    lexicon = default_lexicon() if lexicon is None else lexicon
    if isinstance(published, dt.datetime):
        published = published.date()
    allow = tuple(a for a in allow if a)
    found: list[tuple[int, int, Entry, bool]] = []  # start, end, entry, held back for no date
    literals = lexicon.screen is not None and lexicon.screen.search(text) is not None
    for entry in lexicon.entries if literals else lexicon.patterns:
        if entry.pattern is None and entry.wrong not in text:
            continue  # the common case, without the cost of looking further
        safe = entry.right + entry.exceptions + allow
        for start, end in entry.spans(text):
            if _covered(text, start, end, safe):
                continue
            undated = False
            if entry.kind == "renamed":
                if published is not None and published < entry.since:
                    continue
                if _historical(text, start, end, entry.since):
                    continue
                undated = published is None
            found.append((start, end, entry, undated))
    kept: list[tuple[int, int, Entry, bool]] = []
    for cand in sorted(found, key=lambda c: (c[0] - c[1], c[0])):  # longest first
        if all(cand[1] <= k[0] or cand[0] >= k[1] for k in kept):
            kept.append(cand)
    hits = []
    for start, end, entry, undated in sorted(kept, key=lambda c: c[0]):
        hit = Hit(text[start:end], " 或 ".join(entry.right), entry.kind, entry.level,
                  quote(text, start, end), start, entry)
        if undated:
            if skipped is not None:
                skipped.append(hit)
        else:
            hits.append(hit)
    return hits


def _covered(text: str, start: int, end: int, phrases: Iterable[str]) -> bool:
    """Some occurrence of a phrase spans [start, end)."""
    for phrase in phrases:
        n = len(phrase)
        if n < end - start:
            continue
        lo = max(0, end - n)
        pos = text.find(phrase, lo, start + n)
        while pos >= 0 and pos <= start:
            if pos + n >= end:
                return True
            pos = text.find(phrase, pos + 1, start + n)
    return False


def sentence_bounds(text: str, start: int, end: int, reach: int = 500) -> tuple[int, int]:
    """The sentence around [start, end): cut at 。！？；, their ASCII forms and line breaks."""
    lo = max(0, start - reach)
    before = _BOUNDARY.search(text[lo:start][::-1])
    s = start - before.start() if before else lo
    after = _BOUNDARY.search(text, end, end + reach)
    e = after.end() if after and after.group() not in "\n\r" else (after.start() if after else min(len(text), end + reach))
    return s, e


def quote(text: str, start: int, end: int, limit: int = QUOTE_LIMIT) -> str:
    """The sentence around a match, trimmed around it to about ``limit`` characters."""
    s, e = sentence_bounds(text, start, end)
    if e - s > limit:
        pad = max(0, limit - (end - start)) // 2
        ws = max(s, start - pad)
        we = min(e, max(end, ws + limit))
        ws = max(s, min(ws, we - limit))
        prefix, suffix = ("…" if ws > s else ""), ("…" if we < e else "")
        s, e = ws, we
    else:
        prefix = suffix = ""
    body = " ".join(text[s:e].split())
    return f"{prefix}{body}{suffix}"


def _historical(text: str, start: int, end: int, since: dt.date) -> bool:
    """The sentence speaks of the old name as history, not as the current body's name."""
    s, e = sentence_bounds(text, start, end)
    sentence = text[s:e]
    if any(w in sentence for w in _HISTORY_WORDS):
        return True
    if _FORMER.search(text[max(s, start - 12):start]):
        return True
    # inside a cited document title: 《县国土资源局关于……的通知》
    head = text[s:start]
    if head.rfind("《") > head.rfind("》"):
        return True
    # every year the sentence names is before the change: an account of the past
    years = [int(y) for y in _YEAR.findall(sentence)]
    return bool(years) and max(years) < since.year


# -- the check -------------------------------------------------------------------------------


def _tuple_of_str(name: str, value: Any) -> tuple[str, ...]:
    value = (value,) if isinstance(value, str) else value
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"parameter {name!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _short(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


class WordingError(Check):
    """Typos, outdated institution names and banned formulations in page text (错别字/表述错误).

    ## What it checks
    The text and title of every crawled article, static page, home page and list page are
    matched against a versioned lexicon (``checks/lexicon/*.yaml`` plus the user's own files):
    - ``typo``: 中华人民共合国, 攻府, 秸杆, misspelt set phrases;
    - ``renamed``: names outdated by 机构改革 (国土资源局 → 自然资源局, 卫生计生委 → 卫生健康委,
      安监局 → 应急管理局, 环保局 → 生态环境局, 国税局/地税局 → 税务局, 国务院扶贫办 → 国家乡村振兴局,
      银保监会 → 国家金融监督管理总局 ...), each with the date it changed (``since``): reported
      only on pages published on or after that date, and not where the sentence mentions the
      old name as history (原…, 更名, 改为, 前身, 不再保留, a year before the change, a cited
      document title in 《》);
    - ``formulation``: 台湾政府 → 台湾当局, 台湾总统, “一带一路”战略 → 倡议, 中共××省省委, 前苏联.
    A wrong form inside a longer correct word (美国环保局, 煤矿安监局) is not reported: the
    entry's right form and ``except`` words mask it. One violation per page and wrong form,
    quoting the sentence (cut at 。！？；, ~120 characters) and counting the occurrences.

    Subjects: ``<page url>#wording-<sha1(wrong form)[:8]>`` (always with the fragment, so a
    page's problems stay distinct and keep their key when another one appears). The same
    sentence with the same wrong form on ``repeated_pages`` or more pages of a site is template
    text (footer, navigation): it is reported once for the site, subject
    ``<site url>#wording-<sha1(wrong form)[:8]>-<sha1(sentence)[:8]>``, with the page count.

    ## Why it matters
    国办秘函〔2019〕19号 makes 严重表述错误 a 单项否决 item; 通报 list 错别字 and outdated names
    as 表述不规范. ``serious`` entries carry ``veto_candidate: true`` for a human to confirm:
    a list hit alone never declares a veto (research §6.2).

    ## Parameters
    - ``extra_lexicons`` (none): paths of the user's own lexicon files, same format (relative
      paths resolve against the sites file's folder); an entry with the same wrong form as a
      built-in one replaces it. A missing or malformed file is a configuration error.
    - ``builtin`` (true): use the built-in lexicon.
    - ``allow`` (none): phrases never reported (a proper name containing a listed string).
    - ``allow_urls`` (none): URL prefixes not checked.
    - ``kinds`` (typo, renamed, formulation) and ``levels`` (serious, normal): what is checked.
    - ``include_uncertain`` (false): also use entries marked ``uncertain`` (dates not verified,
      e.g. local 扶贫办 → 乡村振兴局).
    - ``page_kinds`` (article, page, post): the page kinds read (post: a 政务新媒体 post). Home and list pages repeat the
      titles of the articles they list, which would count one typo several times; template
      text (footer, navigation) is on every article too.
    - ``repeated_pages`` (5): pages sharing a sentence before it counts as template text; 0 off.

    ## Known problems
    The lexicon is curated, not complete (no official consolidated list exists, research §6.1
    [Gap]); leader names and titles change and are left to users' lexicons. Pages without a
    publication date (home and list pages, most static pages) are never judged for outdated
    names — a note per site says how many; a renaming's ``since`` is the date it was complete
    everywhere (local 2018 reforms: 2019-04-01), so late local renamings or local variants
    (文化和旅游局, 农业农村局) need local entries. The history tests are heuristics that err
    towards silence (平原县国土资源局 reads as 原…). A sentence crossing ``repeated_pages`` moves
    between page and site subjects (one fixed, one opened). Text is capped by ``text_cap``.
    """

    id = "wording-error"
    path_params = ("extra_lexicons",)
    title = "错别字与严重表述错误"
    source = ("国办秘函〔2019〕19号 严重表述错误（单项否决项，须人工确认后认定）；新华社新闻信息报道中的禁用词和慎用词；"
              "2018年、2023年党和国家机构改革")
    severity = "deduction"
    points = Points(2, 10)  # provincial schemes' value

    @dataclass(frozen=True)
    class Params:
        extra_lexicons: tuple[str, ...] = ()
        builtin: bool = True
        allow: tuple[str, ...] = ()
        allow_urls: tuple[str, ...] = ()
        kinds: tuple[str, ...] = KINDS
        levels: tuple[str, ...] = LEVELS
        include_uncertain: bool = False
        page_kinds: tuple[str, ...] = ("article", "page", "post")
        repeated_pages: int = 5

        def __post_init__(self) -> None:
            # the sites file is validated through Params: bad lexicons fail before a crawl
            for name in ("extra_lexicons", "allow", "allow_urls", "kinds", "levels", "page_kinds"):
                object.__setattr__(self, name, _tuple_of_str(name, getattr(self, name)))
            for name, known in (("kinds", KINDS), ("levels", LEVELS)):
                bad = [v for v in getattr(self, name) if v not in known]
                if bad:
                    raise ValueError(f"parameter {name!r}: unknown value {bad[0]!r} (known: {', '.join(known)})")
            if not isinstance(self.repeated_pages, int) or self.repeated_pages < 0:
                raise ValueError(f"parameter 'repeated_pages' must be 0 or more, got {self.repeated_pages!r}")
            try:
                lexicon = load_lexicon(self.extra_lexicons, builtin=self.builtin)
            except ValueError as exc:
                raise ValueError(f"parameter 'extra_lexicons': {exc}") from None
            object.__setattr__(self, "_lexicon", lexicon.select(self.kinds, self.levels, self.include_uncertain))

        @property
        def lexicon(self) -> Lexicon:
            return self._lexicon

    @dataclass(frozen=True)
    class Detail:
        wrong: str  # as found
        right: str
        kind: str  # typo | renamed | formulation
        level: str  # serious | normal
        sentence: str  # the sentence quoted
        count: int  # occurrences on the page
        in_title: bool
        title: str | None
        published: str | None
        lexicon: str  # the lexicon file and version the entry comes from
        lexicon_version: str
        source: str  # the entry's provenance (other cities' 通报): for the exports, not the line
        forms: tuple[str, ...] | None = optional()  # the forms found, when the entry has several
        entry: str | None = optional()  # the entry they belong to
        since: str | None = optional()  # renamed: the date from which the old name is outdated
        note: str | None = optional()
        uncertain: bool | None = optional()  # the entry's date or scope is not verified
        veto_candidate: bool | None = optional()  # serious: for a person to confirm, never a veto alone
        scope: str | None = optional()  # page | site (template text on many pages)
        pages: int | None = optional()  # site scope: pages showing the sentence
        examples: tuple[str, ...] | None = optional()  # site scope: some of them

    def message(self, detail: dict[str, Any]) -> str:
        """错误用语：中华人民共合国；建议改为：中华人民共和国；原句：…；标题：…；发布日期：…"""
        d = detail
        forms = d.get("forms") or ()
        return evidence.line(
            evidence.field("错误用语", d.get("wrong")), evidence.field("建议改为", d.get("right")),
            evidence.field("原句", d.get("sentence")), evidence.count(d.get("count")),
            evidence.field("标题", d.get("title")), evidence.field("发布日期", d.get("published")),
            evidence.field("页面中的写法", forms) if len(forms) > 1 else "",
            evidence.field("更名日期", d.get("since")), evidence.note(d.get("note")),
            "更名日期或适用范围未经核实，请人工确认" if d.get("uncertain") else "",
            f"网站模板文字，出现在 {d['pages']} 个页面" if d.get("scope") == "site" and d.get("pages") else "")

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        homes = {s.name: s.url for s in run.sites()}
        # (site, entry key) -> page url -> hits; pages kept small (url, column, title, date)
        found: dict[tuple[str, str], dict[str, list[Hit]]] = {}
        pages: dict[str, tuple[str | None, str | None, dt.date | None]] = {}  # column, title, date
        undated: dict[str, list[str]] = {}
        for page in run.pages(kinds=params.page_kinds, meta=False):
            if page.url.startswith(params.allow_urls):
                continue
            text = page_text(page)
            skipped: list[Hit] = []
            hits = find_wording_errors(text, params.lexicon, page.published, allow=params.allow, skipped=skipped)
            if skipped:
                undated.setdefault(page.site, []).append(page.url)
            if hits:
                pages[page.url] = (page.column, page.title, page.published)
            for hit in hits:
                found.setdefault((page.site, hit.entry.key), {}).setdefault(page.url, []).append(hit)

        for (site, _), by_page in found.items():
            template = self._template_sentences(by_page, params.repeated_pages)
            for sentence, urls in template.items():
                hits = [h for u in urls for h in by_page[u] if h.sentence == sentence]
                first = min(urls)
                entry = hits[0].entry
                home = homes.get(site) or first
                # template text: no one page's title or date describes it
                detail = dataclasses.replace(self._detail(hits, pages[first]), scope="site", pages=len(urls),
                                             examples=tuple(sorted(urls)[:10]), title=None, published=None,
                                             in_title=False)
                yield Violation(self.id, site, f"{home}#wording-{_short(entry.key)}-{_short(sentence)}",
                                page=first, column=None, detail=detail)
            for url, hits in sorted(by_page.items()):
                hits = [h for h in hits if h.sentence not in template or url not in template[h.sentence]]
                if not hits:
                    continue
                detail = dataclasses.replace(self._detail(hits, pages[url]), scope="page")
                yield Violation(self.id, site, f"{url}#wording-{_short(hits[0].entry.key)}", page=url,
                                column=pages[url][0], detail=detail)

        for site, urls in sorted(undated.items()):
            yield Note(f"{len(urls)} page(s) without a publication date mention outdated institution names; "
                       f"not judged (the name may predate the change): {', '.join(urls[:5])}"
                       + (" ..." if len(urls) > 5 else ""), site=site)

    @staticmethod
    def _template_sentences(by_page: dict[str, list[Hit]], threshold: int) -> dict[str, set[str]]:
        if threshold <= 0 or len(by_page) < threshold:
            return {}
        pages_of: dict[str, set[str]] = {}
        for url, hits in by_page.items():
            for hit in hits:
                pages_of.setdefault(hit.sentence, set()).add(url)
        return {s: urls for s, urls in pages_of.items() if len(urls) >= threshold}

    @classmethod
    def _detail(cls, hits: list[Hit], page: tuple) -> WordingError.Detail:
        _, title, published = page
        entry = hits[0].entry
        forms = tuple(sorted({h.wrong for h in hits}))
        several = len(forms) > 1 or entry.pattern is not None
        return cls.Detail(
            wrong=hits[0].wrong,
            right=hits[0].right,
            kind=entry.kind,
            level=entry.level,
            sentence=hits[0].sentence,
            count=len(hits),
            in_title=any(h.wrong in (title or "") for h in hits),
            title=title,
            published=published.isoformat() if published else None,
            lexicon=entry.lexicon,
            lexicon_version=entry.version,
            source=entry.source,
            forms=forms if several else None,
            entry=entry.wrong if several else None,
            since=entry.since.isoformat() if entry.since else None,
            note=entry.note or None,
            uncertain=True if entry.uncertain else None,
            veto_candidate=True if entry.level == "serious" else None,  # for human confirmation, never a veto by itself
        )

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        if previous.detail.get("scope") == "site":
            site = run.site(previous.site)
            return bool(site and site.completed)
        page = run.page_head(previous.page or previous.url.split("#wording-")[0])
        if page is None:
            return False  # not read this run (page limit, unreachable)
        if page.status >= 400:
            return page.status in (404, 410)  # gone: the text is gone with it
        # an outdated name on a page whose date can no longer be read was not judged again
        return not (previous.detail.get("kind") == "renamed" and page.published is None)


def page_text(page: PageView) -> str:
    """The title (unless the text already shows it) and the text, as one string to scan."""
    title = (page.title or "").strip()
    text = page.text or ""
    return f"{title}\n{text}" if title and title not in text else text
