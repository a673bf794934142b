"""Injected content (暗链, 博彩/色情 spam, defacement): what an intruder plants on a government page.

Three signs, each with its evidence:

- ``hidden-link``: a link to another host hidden from readers (display:none, visibility:hidden,
  off-screen, zero-size font, zero opacity, a tiny iframe, text coloured like its background)
  whose host or anchor is spam, or that is hidden the way only 暗链 are (off-screen, zero size,
  tiny iframe, camouflaged colour) and points outside government;
- ``spam-text``: spam wording in the page (a versioned lexicon with 谐音 variants): two distinct
  terms near each other, in sentences that are not an account of a crackdown, or one term as
  the anchor of a link leaving the site;
- ``new-host``: a host outside government that no page of the site linked in the week before,
  linked tonight from many pages at once (a template or database injection).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import ahocorasick
import yaml

from checks import evidence
from checks.base import Check, Note, Points, Violation
from govwatch.store.view import RunView

LEXICON = Path(__file__).resolve().parent / "spam" / "injected.yaml"
_GOV_HOSTS = re.compile(r"(?:^|\.)(?:gov\.cn|gov|mil\.cn|edu\.cn|org\.cn|cpc\.people\.com\.cn|xinhuanet\.com|people\.com\.cn"
                        r"|cctv\.com|12371\.cn|conac\.cn)$", re.I)
# how only injected links are hidden: a menu is display:none until hovered, these never show
_STEALTH = ("off-screen", "font-size:0", "zero size", "opacity:0", "tiny iframe", "text coloured like its background")
_SENTENCE = re.compile(r"[^。！？!?\n]*")
# how a link is hidden (crawler.extract.hidden), as the report says it
HOW_CN = {
    "display:none": "不显示（display:none）", "visibility:hidden": "不可见（visibility:hidden）",
    "off-screen": "移出可视区域（负坐标/缩进）", "font-size:0": "字号为0（font-size:0）", "zero size": "宽或高为0",
    "opacity:0": "完全透明（opacity:0）", "tiny iframe": "极小的内嵌框架（iframe）",
    "text coloured like its background": "文字与背景同色", "hidden attribute": "hidden属性",
}
# the report line: what each sign is
_SIGNS = {"hidden-link": "隐藏的外部链接（疑似暗链）", "spam-text": "页面含博彩、色情等违规文字",
          "spam-link": "链接文字或域名涉及违规内容", "new-host": "大量页面新出现同一外部链接"}


@dataclass(frozen=True)
class InjectedDetail:
    """What every sign of planted content records; each sign adds its own evidence."""

    veto_candidate: bool  # 暗链 and spam fail a site once a person confirms them
    lexicon_version: str
    sign: str  # hidden-link | spam-text | spam-link | new-host


@dataclass(frozen=True)
class HiddenLinkDetail(InjectedDetail):
    how: str  # how it is hidden, in Chinese
    where: str | None  # the hiding element (div#yqlj)
    snippet: str  # the anchor text, else the target
    host: str
    count: int  # suspicious hidden links on the page
    examples: tuple[str, ...]  # their targets (for the exports)


@dataclass(frozen=True)
class SpamTextDetail(InjectedDetail):
    snippet: str
    terms: tuple[str, ...]
    categories: tuple[str, ...]  # gambling, porn, ... (for the exports)


@dataclass(frozen=True)
class SpamLinkDetail(InjectedDetail):
    snippet: str
    host: str
    terms: tuple[str, ...]
    target: str


@dataclass(frozen=True)
class NewHostDetail(InjectedDetail):
    host: str
    pages: int  # pages linking to it
    examples: tuple[str, ...]  # some of them


@dataclass(frozen=True)
class SpamLexicon:
    version: str
    terms: dict[str, str]  # term -> category
    hosts: tuple[tuple[re.Pattern, str], ...]
    context: tuple[str, ...]

    @functools.cached_property
    def screen(self) -> re.Pattern:
        return re.compile("|".join(map(re.escape, sorted(self.terms, key=len, reverse=True))), re.I)

    def host_category(self, host: str) -> str | None:
        return next((cat for pattern, cat in self.hosts if pattern.search(host)), None)

    @functools.cached_property
    def automaton(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        for term in self.terms:
            automaton.add_word(term, len(term))
        automaton.make_automaton()
        return automaton

    def term_hits(self, text: str) -> list[tuple[int, str]]:
        """(where, the term as written), leftmost and longest first, not overlapping — what
        ``screen.finditer`` gives, in one Aho-Corasick pass (the regex was 12 % of a check step)."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter whose lower case is longer would shift positions
            return [(m.start(), m.group()) for m in self.screen.finditer(text)]
        hits: list[tuple[int, str]] = []
        end = 0
        for start, size in sorted(((last - size + 1, size) for last, size in self.automaton.iter(lowered)),
                                  key=lambda hit: (hit[0], -hit[1])):
            if start >= end:
                hits.append((start, text[start: start + size]))
                end = start + size
        return hits


@functools.lru_cache(maxsize=4)
def load_spam_lexicon(path: Path = LEXICON) -> SpamLexicon:
    """The spam lexicon; ValueError names the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        terms = {str(t).lower(): cat for cat, words in data["terms"].items() for t in words}
        hosts = tuple((re.compile(p, re.I), cat) for cat, patterns in data["hosts"].items() for p in patterns)
        return SpamLexicon(str(data["version"]), terms, hosts, tuple(data.get("context") or ()))
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise ValueError(f"{path}: not a valid spam lexicon: {exc}") from None


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_government(host: str) -> bool:
    return bool(_GOV_HOSTS.search(host))


def _sentence(text: str, at: int) -> str:
    start = max(text.rfind(c, 0, at) for c in "。！？!?\n") + 1
    end = _SENTENCE.match(text, at).end()
    return text[start:end].strip()


def spam_in_text(text: str, lexicon: SpamLexicon, window: int = 300) -> dict[str, Any] | None:
    """Two distinct spam terms within ``window`` characters, in sentences that are not an
    account of the thing (打击…, 警方…): the snippet and the terms, or None."""
    hits = [(at, term) for at, term in lexicon.term_hits(text)
            if not any(w in _sentence(text, at) for w in lexicon.context)]
    for i, (at, term) in enumerate(hits):
        near = {t.lower() for a, t in hits[i:] if a - at <= window}
        if len(near) >= 2:
            end = max(a + len(t) for a, t in hits[i:] if a - at <= window)
            return {"snippet": text[max(0, at - 20): end + 20].strip(), "terms": sorted(near),
                    "categories": sorted({lexicon.terms[t] for t in near})}
    return None


class InjectedContent(Check):
    """Links and text planted by an intruder: hidden 暗链, 博彩/彩票/色情/诈骗 spam, sudden new hosts.

    ## What it checks
    Every page read in the run (home, list, article pages), for three signs:
    - ``hidden-link``: a link to another host hidden from readers by the page's own markup
      (display:none, visibility:hidden, off-screen positioning, font-size:0, opacity:0, a tiny
      iframe, text coloured like its background) whose host or anchor is spam (拼音 host names
      such as bocai, caipiao, pk10 count), or that is hidden the way only 暗链 are (off-screen,
      zero size, tiny iframe, camouflaged colour) and points to a non-government host. Hidden
      menus and tabs linking the site itself are ordinary and never looked at;
    - ``spam-text``: the versioned lexicon ``checks/spam/injected.yaml`` (gambling, lottery,
      pornography, fraud, with 谐音 variants: 菠菜, 六盒彩, 时时采): two distinct terms within
      ``window`` characters, leaving out sentences that report on the thing (打击, 警方, 涉嫌,
      提醒, …); or one term as the anchor of a link to a non-government host;
    - ``new-host``: a non-government host linked tonight from at least ``new_host_pages`` pages
      and ``new_host_share`` of the site's pages read, that no page of the site linked in the
      ``baseline_days`` before (judged only when an earlier run in that window reached the site).
    One violation per page and sign (per site and host for ``new-host``), with the snippet,
    how it is hidden, where, and the lexicon's version.

    ## Why it matters
    A hacked page (暗链, 博彩 advertising) is 严重安全问题 under the national indicators
    (国办发〔2017〕47号《政府网站发展指引》安全防护; 国办秘函〔2019〕19号 单项否决 for content
    serious enough): ``veto_candidate: true`` asks a person to confirm; a list hit alone never
    declares a veto.

    ## Parameters
    ``window`` (300): characters within which two spam terms count; ``new_host_pages`` (20),
    ``new_host_share`` (0.3), ``baseline_days`` (7); ``allow_hosts`` (none): hosts never
    reported (a partner that hides its tracking link).

    ## Known problems
    Only markup is judged: a link hidden by a stylesheet class, or text written by a script
    after loading, is not seen. A spam page linked from nowhere is not crawled.
    """

    id = "injected-content"
    title = "网页被植入暗链或违规内容"
    source = "国办发〔2017〕47号《政府网站发展指引》（安全防护：防篡改、防挂马、防暗链）；国办秘函〔2019〕19号 严重安全问题（单项否决，须人工确认）"
    severity = "deduction"
    points = Points(5, 20)  # provincial schemes' value (a confirmed one is a veto)
    # the site read to the end settles it: hidden links and text of pages carried over from an
    # earlier night are judged again with the run, and a new host is a finding about the site
    subject = "site"

    @dataclass(frozen=True)
    class Params:
        window: int = 300
        new_host_pages: int = 20
        new_host_share: float = 0.3
        baseline_days: int = 7
        allow_hosts: tuple[str, ...] = ()

        def __post_init__(self) -> None:
            if isinstance(self.allow_hosts, str):
                object.__setattr__(self, "allow_hosts", (self.allow_hosts,))
            for name in ("window", "new_host_pages", "baseline_days"):
                if getattr(self, name) < 1:
                    raise ValueError(f"parameter {name!r} must be 1 or more, got {getattr(self, name)!r}")
            if not 0 < self.new_host_share <= 1:
                raise ValueError(f"parameter 'new_host_share' must be in (0, 1], got {self.new_host_share!r}")

    Detail = InjectedDetail  # one of its four signs: HiddenLinkDetail, SpamTextDetail, ...

    def message(self, detail: dict[str, Any]) -> str:
        """隐藏的外部链接（疑似暗链）；隐藏方式：…；位置：…；内容片段：…；外链域名：…; the targets,
        categories and examples are for the exports."""
        d = detail
        return evidence.line(_SIGNS.get(d.get("sign"), ""), evidence.field("隐藏方式", d.get("how")),
                             evidence.field("位置", d.get("where")), evidence.field("内容片段", d.get("snippet")),
                             evidence.field("外链域名", d.get("host")), evidence.count(d.get("count")),
                             evidence.field("命中词", d.get("terms")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        lexicon = load_spam_lexicon()
        allowed = {h.lower() for h in params.allow_hosts}
        base = {"veto_candidate": True, "lexicon_version": lexicon.version}
        for site, url, hidden in run.hidden_links():
            findings = [h for h in hidden if self._suspicious(h, lexicon, allowed)]
            if findings:
                first = findings[0]
                yield Violation(self.id, site, f"{url}#injected-hidden-link", page=url, detail=HiddenLinkDetail(
                    **base, sign="hidden-link", how=HOW_CN.get(first["how"], first["how"].replace("class", "隐藏样式类")),
                    where=first.get("where"), snippet=first.get("anchor") or first["target"],
                    host=host_of(first["target"]), count=len(findings),
                    examples=tuple(h["target"] for h in findings[:5])))
        own = {s.name: host_of(s.url) for s in run.sites()}
        for page in run.pages(meta=False):
            if found := spam_in_text(f"{page.title or ''}\n{page.text}", lexicon, params.window):
                yield Violation(self.id, page.site, f"{page.url}#injected-spam-text", page=page.url,
                                column=page.column, detail=SpamTextDetail(**base, sign="spam-text", **found))
        yield from self._anchors_and_new_hosts(run, params, lexicon, allowed, own, base)

    @staticmethod
    def _suspicious(link: dict[str, Any], lexicon: SpamLexicon, allowed: set[str]) -> bool:
        host = host_of(link.get("target", ""))
        if host in allowed:
            return False
        if lexicon.host_category(host) or lexicon.term_hits(link.get("anchor") or ""):
            return True
        return link.get("how") in _STEALTH and not is_government(host)

    def _anchors_and_new_hosts(self, run: RunView, params: Params, lexicon: SpamLexicon, allowed: set[str],
                               own: dict[str, str], base: dict[str, Any]) -> Iterator[Violation | Note]:
        by_site: dict[str, dict[str, set[str]]] = {}  # site -> outside host -> pages
        heads = {}
        for page in run.pages(meta=False, text=False):
            heads[page.url] = (page.site, page.column)
        pages_of_site: dict[str, int] = {}
        for site, _ in heads.values():
            pages_of_site[site] = pages_of_site.get(site, 0) + 1
        spam_anchor_pages: set[str] = set()
        hosts_of: dict[str, str] = {}  # a portal's pages repeat the same few thousand targets
        for page_url, link in run.iter_links_from(heads):
            site, column = heads[page_url]
            host = hosts_of.get(link.target)
            if host is None:
                host = hosts_of[link.target] = host_of(link.target)
            if not host or host == own.get(site) or host in allowed or is_government(host):
                continue
            by_site.setdefault(site, {}).setdefault(host, set()).add(page_url)
            terms = lexicon.term_hits(link.anchor)
            if (terms or lexicon.host_category(host)) and page_url not in spam_anchor_pages:
                spam_anchor_pages.add(page_url)
                yield Violation(self.id, site, f"{page_url}#injected-spam-link", page=page_url, column=column,
                                detail=SpamLinkDetail(**base, sign="spam-link", snippet=link.anchor or link.target,
                                                      host=host, terms=tuple(sorted({t for _, t in terms})),
                                                      target=link.target))
        for site, hosts in sorted(by_site.items()):
            wanted = max(params.new_host_pages, params.new_host_share * pages_of_site.get(site, 0))
            crowded = {h: p for h, p in hosts.items() if len(p) >= wanted}
            if not crowded:
                continue
            earlier = run.earlier_link_hosts(site, params.baseline_days)
            if earlier is None:
                yield Note(f"{site}: {len(crowded)} outside host(s) linked from many pages; no earlier run in the "
                           f"last {params.baseline_days} days to tell whether they are new", site=site)
                continue
            home = next((s.url for s in run.sites() if s.name == site), "")
            for host, pages in sorted(crowded.items()):
                if host not in earlier:
                    yield Violation(self.id, site, f"{home}#injected-new-host-{host}", page=min(pages),
                                    detail=NewHostDetail(**base, sign="new-host", host=host, pages=len(pages),
                                                         examples=tuple(sorted(pages)[:5])))
