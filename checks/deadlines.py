"""Deadline rules: 政策解读 timeliness and linkage, the 年报 deadline, columns with a cadence."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

from checks import evidence
from checks.base import Check, Note, Points, Violation, optional
from checks.workdays import UnknownYear, WorkCalendar, estimated_calendar_note
from govwatch.store.view import PageView, PreviousViolation, RunView

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _published(page: PageView) -> dt.date | None:
    """The 信息公开 block's 发布日期 when the page shows one, else the page's own date."""
    value = (page.metadata.get("发布日期") or "").strip()
    if _ISO.match(value):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    return page.published


def _norm_url(url: str) -> str:
    # http/https, host case and #fragments differ between a page's links and its own url
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


class _Normalised(dict):
    """url -> _norm_url(url), each distinct url split once (a portal's pages repeat the same
    few thousand targets hundreds of thousands of times)."""

    def __missing__(self, url: str) -> str:
        value = self[url] = _norm_url(url)
        return value


def _reread(run: RunView, url: str | None) -> bool:
    """The run read the page again, or found it gone (a deleted page settles its problem)."""
    if not url:
        return False
    return run.page_head(url) is not None or run.link_verdict(url) == "dead"


# -- 政策解读 and its policy document ---------------------------------------------------------

_INTERP_TITLE = re.compile(r"^(?:政策)?(?:解读|图解|一图读懂|一图看懂)|(?:解读|图解|解读材料)$")
_BOOK = re.compile(r"《([^《》]+)》")
_SPACES = re.compile(r"[\s\u3000]+")
_MIN_CONTAINED = 8  # a 《》 name found inside a longer policy title: long enough not to be chance


def _clean(text: str | None) -> str:
    return _SPACES.sub("", text or "")


def is_interpretation(page: PageView) -> bool:
    """A 政策解读: listed in an interpretation column, or titled 解读/图解/一图读懂 ..."""
    return page.category == "interpretation" or bool(_INTERP_TITLE.search(_clean(page.title)))


# a higher level's issuer or outlet: 国务院, 中国政府网, 国家发展改革委, 财政部, 某省…, 中共中央
_HIGHER = re.compile(r"^(?:国务院|中国政府网|中共中央|中央|全国人大|国家|新华|人民日报|人民网|求是)|^[^县市区镇乡]*部$|省|自治区")
_HIGHER_COLUMN = re.compile(r"上级|国家|中央|省级|省政府|转载")
_SOURCE_FIELDS = ("发文机关", "信息来源", "来源")


def is_reposted(page: PageView) -> bool:
    """A document reposted from a higher level (gov.cn, the province) on the site: its issuer
    or source names one that is not the site's own place, or its column says so (上级解读)."""
    if _HIGHER_COLUMN.search(page.column or ""):
        return True
    place = _site_place(page.site)
    for field_name in _SOURCE_FIELDS:
        source = _clean(page.metadata.get(field_name))
        if not source or not _HIGHER.search(source):
            continue
        if not (place and (place in source or source[0] == place[-1])):  # 省发改委 on the province's site
            return True
    return False


def _site_place(site_name: str) -> str:
    """示例县人民政府门户网站 -> 示例县: the place a site's own documents name."""
    body = re.sub(r"(人民政府|政府)$", "", _site_body(site_name))
    match = re.match(r"^.+?(?:自治区|自治州|自治县|省|市|县|区|州|盟|旗)", body)
    return match.group(0) if match else body


def is_policy(page: PageView, categories: tuple[str, ...]) -> bool:
    """A policy document: listed in a policy (or notice) column, or carrying a 发文字号."""
    number = (page.metadata.get("发文字号") or "").strip()
    return page.category in categories or number not in ("", "无", "暂无", "/", "-")


@dataclass(frozen=True)
class _Doc:
    site: str
    url: str
    title: str
    date: dt.date | None
    column: str | None
    names: frozenset[str]  # the 《》 names in the title


@dataclass(frozen=True)
class Pair:
    interpretation: _Doc
    policy: _Doc
    to_policy: bool  # the 解读 links to the policy
    to_interpretation: bool  # the policy links to the 解读
    by: str  # link | title


def _doc(page: PageView) -> _Doc:
    title = _clean(page.title)
    return _Doc(page.site, page.url, page.title or "", _published(page), page.column,
                frozenset(_BOOK.findall(title)))


def _named(interpretations: list[_Doc], policies: list[tuple[str, _Doc]]) -> dict[str, set[str]]:
    """Each 《name》 of one site's 解读 -> the site's policy documents it names: its title, a
    《》 name in it, or a long part of it (解读《关于X若干措施》 for "…印发关于X若干措施的通知").
    One pass over the policy titles, not one per 解读."""
    names = {n for d in interpretations for n in d.names}
    by_prefix: dict[str, list[str]] = {}  # long names by their first characters
    for name in names:
        if len(name) >= _MIN_CONTAINED:
            by_prefix.setdefault(name[:_MIN_CONTAINED], []).append(name)
    found: dict[str, set[str]] = {}
    for key, policy in policies:
        title = _clean(policy.title)
        for name in {title, *policy.names} & names:
            found.setdefault(name, set()).add(key)
        for start in range(len(title) - _MIN_CONTAINED + 1):
            for name in by_prefix.get(title[start:start + _MIN_CONTAINED], ()):
                if title.startswith(name, start):
                    found.setdefault(name, set()).add(key)
    return found


def pair_documents(run: RunView, policy_categories: tuple[str, ...]) -> tuple[list[Pair], dict[str, list[str]]]:
    """Each 解读 with the policy document it interprets, and per site the 解读 left unpaired
    because they link to several policy documents and name none of them.

    Candidates are the policy documents linked from or to the 解读 (any site of the run) and,
    on the same site, those its title names in 《》. Ranked: linked both ways, then named by
    title (plus any link), then linked from the policy, then linked to the policy; a tie
    between named documents goes to the latest one published on or before the 解读.

    Computed once per run view (both 解读 rules ask for it).
    """
    return run.shared((__name__, "pair_documents", tuple(policy_categories)),
                      lambda: _pair_documents(run, tuple(policy_categories)))


def _pair_documents(run: RunView, policy_categories: tuple[str, ...]) -> tuple[list[Pair], dict[str, list[str]]]:
    norm = _Normalised()
    interpretations: list[_Doc] = []
    policies: dict[str, _Doc] = {}
    for page in run.pages(kinds=("article", "page"), text=False, meta=False):
        if is_reposted(page):
            continue  # a higher level's document: its timeliness is not the site's to answer for
        if is_interpretation(page):
            interpretations.append(_doc(page))
        elif is_policy(page, policy_categories):
            policies[norm[page.url]] = _doc(page)
    if not interpretations or not policies:
        return [], {}
    docs = [*interpretations, *policies.values()]
    targets = _doc_targets(run, docs, norm)
    out_links = {norm[d.url]: targets.get(d.url, set()) for d in docs}
    linking_to: dict[str, set[str]] = {}  # 解读 url -> policies that link to it
    for key, policy in policies.items():
        for target in out_links[key]:
            linking_to.setdefault(target, set()).add(key)
    by_site: dict[str, list[tuple[str, _Doc]]] = {}
    for key, policy in policies.items():
        by_site.setdefault(policy.site, []).append((key, policy))
    interps_by_site: dict[str, list[_Doc]] = {}
    for interp in interpretations:
        interps_by_site.setdefault(interp.site, []).append(interp)
    named_by_site = {site: _named(interps, by_site.get(site, [])) for site, interps in interps_by_site.items()}

    pairs, ambiguous = [], {}
    for interp in interpretations:
        key = norm[interp.url]
        to_policy = {t for t in out_links[key] if t in policies and t != key}
        from_policy = linking_to.get(key, set()) - {key}
        named = set().union(*(named_by_site[interp.site].get(n, ()) for n in interp.names))
        candidates = to_policy | from_policy | named
        if not candidates:
            continue

        def score(k: str) -> int:
            mutual = k in to_policy and k in from_policy
            return 7 * mutual + 6 * (k in named) + 4 * (k in from_policy) + 3 * (k in to_policy)

        best = max(score(k) for k in candidates)
        top = [k for k in candidates if score(k) == best]
        if len(top) > 1 and all(k in named for k in top):
            top = _closest_before(interp, [policies[k] for k in top])
        if len(top) != 1:
            ambiguous.setdefault(interp.site, []).append(interp.url)
            continue
        (k,) = top
        pairs.append(Pair(interp, policies[k], k in to_policy, k in from_policy,
                          "link" if (k in to_policy or k in from_policy) else "title"))
    return pairs, ambiguous


def _doc_targets(run: RunView, docs: list[_Doc], norm: _Normalised) -> dict[str, set[str]]:
    """Page url -> the documents (normalised urls) it links to; the links to anything else
    are passed over as they stream by (a portal's documents carry hundreds of thousands)."""
    keys = {norm[d.url] for d in docs}
    out: dict[str, set[str]] = {}
    for page, target in run.link_targets(d.url for d in docs):
        target = norm[target]
        if target in keys:
            out.setdefault(page, set()).add(target)
    return out


def _closest_before(interp: _Doc, docs: list[_Doc]) -> list[str]:
    """Of several named policy documents, the latest one published on or before the 解读."""
    if interp.date is None:
        return [_norm_url(d.url) for d in docs]
    dated = [d for d in docs if d.date is not None and d.date <= interp.date]
    if not dated:
        return [_norm_url(d.url) for d in docs]
    latest = max(d.date for d in dated)
    return [_norm_url(d.url) for d in dated if d.date == latest]


def _ambiguous_notes(ambiguous: dict[str, list[str]]) -> Iterator[Note]:
    for site, urls in ambiguous.items():
        shown = "; ".join(urls[:5]) + (" ..." if len(urls) > 5 else "")
        yield Note(f"{len(urls)} 政策解读 page(s) link to several policy documents and name none of them "
                   f"in 《》, so their policy is not known and they were not judged: {shown}", site=site)


def _pair_rechecked(run: RunView, previous: PreviousViolation) -> bool:
    # both documents read again (or gone): the dates and links were looked at anew
    return _reread(run, previous.url) and _reread(run, previous.detail.get("policy"))


class InterpretationOverdue(Check):
    """A 政策解读 published more than 3 working days after its policy document (解读不及时).

    ## What it checks
    Each 政策解读 page (listed in an ``interpretation`` column, or titled 解读…/…解读/图解/
    一图读懂) is paired with its policy document (a page in a ``policy`` or ``notice`` column,
    or with a 发文字号): by a link from one to the other, or, when neither links, by the
    解读's title naming the policy in 《》 (《示例县某某办法》政策解读, 解读：《…》, 图解《…》).
    Working days are counted after the policy's 发布日期 (the 信息公开 block's, else the
    page's date): days d with P < d <= J, on the Chinese calendar with 调休 make-up days. More
    than ``max_workdays`` is overdue.

    ## Why it matters
    政策解读 "三同步" (解读材料与政策文件同步起草、同步审签、同步发布): local rules require the
    解读 "原则上应与政策文件同时公开发布，最迟应在政策文件公开发布后3个工作日内发布" (e.g. 郑州
    2016); inspections deduct under 发布解读. The national source of the 3-working-day figure
    was not found (research: [Gap]), so it is a parameter with the most common local value.

    ## Parameters
    - ``max_workdays`` (3): working days allowed after the policy's publication.
    - ``policy_categories`` (policy, notice): column categories whose pages are policy documents.

    ## Known problems
    A year after the ones the calendar knows (chinesecalendar covers 2004–2026) is counted on an
    estimated calendar (weekends and the statutory holidays, no 调休): the verdict's evidence
    says 预估 and how to add the year under ``calendar:`` in the sites file. A 解读
    that links to several policy documents and names none in 《》 is not judged (a note lists
    them). A policy with several 解读 (文字, 图解) has each judged on its own. Pairing by title
    looks only at policy documents of the 解读's own site. Documents reposted from a higher
    level (发文机关/信息来源 naming 国务院, 中国政府网, a ministry or a province that is not the
    site's own place, or a column such as 上级政策解读) are not the site's own and not judged.
    """

    id = "interpretation-overdue"
    title = "政策解读发布不及时"
    source = "政策解读“三同步”：解读材料最迟于政策文件公开发布后3个工作日内发布"
    severity = "deduction"
    points = Points(1, 5)  # provincial schemes' value

    @dataclass(frozen=True)
    class Params:
        max_workdays: int = 3
        policy_categories: tuple[str, ...] = ("policy", "notice")

    @dataclass(frozen=True)
    class Detail:
        title: str | None  # the 解读's
        policy: str  # the policy document's URL
        policy_title: str | None
        policy_published: str
        published: str  # the 解读's
        workdays: int  # working days after the policy's publication
        limit: int
        deadline: str  # the last day in time
        paired_by: str  # link | title
        calendar: str | None = optional()  # counted on the estimated calendar: says so

    def message(self, detail: dict[str, Any]) -> str:
        """政策文件发布于 …，解读发布于 …，相隔 14 个工作日（要求 3 个工作日内）；标题：…；政策文件：…；截止日期：…"""
        d = detail
        s = f"政策文件发布于 {d['policy_published']}，" if d.get("policy_published") else ""
        s += f"解读发布于 {d['published']}，" if d.get("published") else ""
        limit = d.get("limit") or d.get("max_workdays")  # max_workdays: rows of older versions
        if d.get("workdays") is not None:
            s += f"相隔 {d['workdays']} 个工作日" + (f"（要求 {limit} 个工作日内）" if limit else "")
        return evidence.line(s.rstrip("，"), evidence.field("标题", d.get("title")),
                             evidence.field("政策文件", d.get("policy_title")),
                             evidence.field("截止日期", d.get("deadline")), evidence.field("日历", d.get("calendar")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        calendar = WorkCalendar.for_run(run)
        pairs, ambiguous = pair_documents(run, params.policy_categories)
        yield from _ambiguous_notes(ambiguous)
        for pair in pairs:
            interp, policy = pair.interpretation, pair.policy
            if interp.date is None or policy.date is None:
                which = "政策解读" if interp.date is None else "政策文件"
                yield Note(f"{which} has no 发布日期: timeliness of {interp.url} (policy {policy.url}) not judged",
                           site=interp.site, subject=interp.url)
                continue
            try:
                days = calendar.workdays_between(policy.date, interp.date)
            except UnknownYear as exc:
                yield Note(f"timeliness of 政策解读 {interp.url} not judged: {exc}", site=interp.site,
                           subject=interp.url)
                continue
            if days > params.max_workdays:
                # the deadline lies between the two dates, in years the calendar knows
                deadline = calendar.add_workdays(policy.date, params.max_workdays)
                estimated = calendar.estimated_between(policy.date, interp.date)
                detail = self.Detail(
                    title=interp.title, policy=policy.url, policy_title=policy.title,
                    policy_published=policy.date.isoformat(), published=interp.date.isoformat(),
                    workdays=days, limit=params.max_workdays, deadline=deadline.isoformat(), paired_by=pair.by,
                    calendar=estimated_calendar_note(estimated) if estimated else None)
                yield Violation(self.id, interp.site, interp.url, page=interp.url, column=interp.column,
                                detail=detail)

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return _pair_rechecked(run, previous)


class InterpretationUnlinked(Check):
    """A 政策解读 and its policy document not linked both ways (未双向关联).

    ## What it checks
    Each 解读/policy pair found as in ``interpretation-overdue``. The policy page must link to
    its 解读 and the 解读 must link to its policy; a pair linked one way only is reported with
    the missing direction. A pair found only by the 解读's title (《…》) with no link either
    way is reported (both directions missing) only with ``title_pairs``. A policy without any 解读
    is not this rule. The subject is the 解读 page: a policy may have several 解读, each with
    its own links, and a 解读 has one policy.

    ## Why it matters
    Inspection 通报 criticise "解读稿未与政策原文做好双向关联" (株洲 2022 Q4); the 政策解读
    indicator asks for 政策文件与解读材料相互关联.

    ## Parameters
    - ``title_pairs`` (false): also report pairs matched by title only, with both directions
      missing (DESIGN.md scopes the rule to pairs linked one way; some provinces want both).
    - ``policy_categories`` (policy, notice): column categories whose pages are policy documents.

    ## Known problems
    A link is recognised by URL (scheme, host case and #fragment ignored); a 解读 that links to
    another copy of the policy (gov.cn, an attachment) is reported as not linking to it. A
    解读 linking to several policy documents without naming one is not judged.
    """

    id = "interpretation-unlinked"
    title = "政策解读未与政策文件双向关联"
    source = "政策解读与政策文件双向关联（政府网站检查：解读稿应与政策原文双向关联）"
    severity = "deduction"
    points = Points(0.5, 5)  # provincial schemes' value

    @dataclass(frozen=True)
    class Params:
        title_pairs: bool = False
        policy_categories: tuple[str, ...] = ("policy", "notice")

    @dataclass(frozen=True)
    class Detail:
        title: str | None  # the 解读's
        policy: str  # the policy document's URL
        policy_title: str | None
        missing: tuple[str, ...]  # the directions not linked: 政策文件→解读, 解读→政策文件
        paired_by: str  # link | title

    def message(self, detail: dict[str, Any]) -> str:
        """缺少：政策文件→解读；标题：…；政策文件：…"""
        d = detail
        return evidence.line(evidence.missing(d.get("missing")), evidence.field("标题", d.get("title")),
                             evidence.field("政策文件", d.get("policy_title")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        pairs, ambiguous = pair_documents(run, params.policy_categories)
        yield from _ambiguous_notes(ambiguous)
        for pair in pairs:
            if pair.by == "title" and not params.title_pairs:
                continue
            missing = ([] if pair.to_interpretation else ["政策文件→解读"]) + ([] if pair.to_policy else ["解读→政策文件"])
            if missing:
                interp, policy = pair.interpretation, pair.policy
                yield Violation(self.id, interp.site, interp.url, page=interp.url, column=interp.column,
                                detail=self.Detail(interp.title, policy.url, policy.title, tuple(missing), pair.by))

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        return _pair_rechecked(run, previous)


# -- 政府信息公开工作年度报告 --------------------------------------------------------------------

_CN_YEAR = re.compile(r"[〇零○一二三四五六七八九]{4}(?=年)")  # 二〇二五年
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_REPORT_NAME = r"政府信息公开(?:工作)?(?:年度报告|年度工作报告|工作报告|年报)"
# the name must end the title (a bracketed note may follow): "关于做好…年度报告编制工作的通知"
# and "…年度报告解读" are not reports
_REPORT = re.compile(
    r"^(?P<before>.*?)(?P<year>(?:19|20)\d{2})年度?(?P<middle>.*?)" + _REPORT_NAME
    + r"(?:[（(【\[][^）)】\]]*[）)】\]])?$")
# the year after the name: 政府信息公开工作年度报告（2025年度）
_REPORT_YEAR_AFTER = re.compile(
    r"^(?P<before>.*?)" + _REPORT_NAME + r"[（(【\[](?P<year>(?:19|20)\d{2})年?度?[）)】\]]$")
_PLACE_SUFFIXES = ("自治区", "自治州", "自治县", "省", "市", "县", "区", "州", "盟", "旗")
_TOWNSHIP_SUFFIXES = ("镇", "乡", "街道", "街道办事处")


def report_year(title: str) -> tuple[int, str] | None:
    """(year, issuer) of a 政府信息公开工作年度报告 title; None for any other title (a notice
    about preparing the reports, a 解读 of one)."""
    text = _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), _clean(title))
    match = _REPORT.match(text) or _REPORT_YEAR_AFTER.match(text)
    if not match:
        return None
    groups = match.groupdict()
    issuer = (groups.get("before") or "") + (groups.get("middle") or "")
    issuer = re.sub(r"的$", "", re.sub(r"^关于", "", issuer))
    return int(groups["year"]), issuer


def _site_body(site_name: str) -> str:
    """The site's name without 门户网站/网站/网: 示例县人民政府门户网站 -> 示例县人民政府."""
    name = _clean(site_name)
    for suffix in ("门户网站", "网站", "官网", "门户", "网"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_DEPARTMENT_NAMES = ("局", "委员会", "委", "办公室", "办", "厅", "署", "中心", "院", "所", "站", "馆", "会")


def guess_kind(site_name: str) -> str:
    """department only for a name that says so (示例县财政局); otherwise government, whose
    deadline is the later one (中国宜春, 首都之窗): a wrong guess must not make a report late."""
    body = _site_body(site_name)
    if body.endswith(("人民政府", "政府")):
        return "government"
    return "department" if body.endswith(_DEPARTMENT_NAMES) else "government"


def is_overall_report(issuer: str, site_name: str) -> bool:
    """The government's own (本级政府) report, not a department's or a township's hosted on its
    portal: no issuer, or the government itself (示例县人民政府, 示例县政府, 示例县, or 宜春市
    on the portal named 中国宜春)."""
    issuer = re.sub(r"(人民政府|政府)$", "", issuer)
    if not issuer:
        return True
    if issuer.endswith(_TOWNSHIP_SUFFIXES):
        return False  # a 乡镇 government's report on the county portal
    suffix = next((s for s in _PLACE_SUFFIXES if issuer.endswith(s)), None)
    if suffix is None:
        return False  # …局, …委员会, …办公室: a department
    # the place must be the site's own: 示例市示例区 on the 示例市 portal is a district's report
    place = re.sub(r"(人民政府|政府)$", "", _site_body(site_name))
    if place.endswith(_PLACE_SUFFIXES):
        return issuer == place or place.endswith(issuer) or issuer.endswith(place)
    return issuer[: -len(suffix)] in place  # a portal named without its unit (中国宜春)


def _month_day(key: str, value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", value.strip())
    if match:
        try:
            dt.date(2001, int(match[1]), int(match[2]))  # not a leap year: 02-29 would be unsafe
            return int(match[1]), int(match[2])
        except ValueError:
            pass
    raise ValueError(f"parameter '{key}' must be a month-day like 01-31, got {value!r}")


class AnnualReportOverdue(Check):
    """The previous year's 政府信息公开工作年度报告 missing or published after its deadline.

    ## What it checks
    On each site crawled to the end, the report of the year before the monitoring date
    (titles such as 2025年度政府信息公开工作年度报告, 示例县人民政府2025年政府信息公开工作年报,
    关于2025年度…政府信息公开工作年度报告, 政府信息公开工作年度报告（2025年）), looked for in
    every column list and every page read. A department's site must show its report by
    31 January, a government portal its overall report by 31 March. Reported when the deadline
    has passed and no report of that year is found (``missing``), or when the report is dated
    after the deadline (``late``, with the days late). A report only linked from the site (its
    anchor names the year's report; the file lives on a 信息公开 platform) counts as published:
    a note says so, and its date is not judged.

    A site's kind is its ``kind`` in the sites file; without one it is guessed from the name
    (…人民政府 / …政府网 → government, else department). On a government portal only the
    overall report counts: a title without an issuer, or naming the government itself
    (示例县人民政府…, 示例县…); departments' (…局, …办公室) and townships' (…镇) reports
    hosted there do not.

    ## Why it matters
    政府信息公开条例 第四十九条: 县级以上人民政府部门 publish their report by 1月31日; 县级以上
    地方人民政府 publish the overall report by 3月31日.

    ## Parameters
    ``department_due`` (01-31), ``government_due`` (03-31): the deadlines, month-day.

    ## Known problems
    A report the crawl did not reach (beyond ``max_pages``, in an unread column) is reported
    missing; a site not crawled to the end is not judged (a note says so). A missing report is
    recorded per year (the subject is the home page with ``#annual-report-YEAR``), a late one
    on the report itself. A government portal is not checked for its departments' reports.
    """

    id = "annual-report-overdue"
    title = "政府信息公开工作年度报告未按时发布"
    source = "政府信息公开条例 第四十九条（部门1月31日前、本级政府3月31日前）"
    severity = "deduction"
    points = Points(5, 5)  # provincial schemes' value: one report a year

    @dataclass(frozen=True)
    class Params:
        department_due: str = "01-31"
        government_due: str = "03-31"

        def __post_init__(self):
            _month_day("department_due", self.department_due)
            _month_day("government_due", self.government_due)

    @dataclass(frozen=True)
    class Detail:
        year: int  # the report's year
        deadline: str
        kind: str  # government | department: which deadline applies
        kind_guessed: bool  # from the site's name (the sites file gives no `kind`)
        problem: str  # missing | late
        # a late report:
        title: str | None = optional()
        published: str | None = optional()
        days_late: int | None = optional()

    def message(self, detail: dict[str, Any]) -> str:
        """未找到2025年度报告；截止日期：2026-03-31, or 逾期发布；年度：…；截止日期：…；标题：…；发布日期：…；逾期天数：…"""
        d = detail
        if d.get("problem") == "missing":
            lead = f"未找到{d['year']}年度报告" if d.get("year") else "未发布"
            return evidence.line(lead, evidence.field("截止日期", d.get("deadline")))
        return evidence.line("逾期发布" if d.get("problem") == "late" else "", evidence.field("年度", d.get("year")),
                             evidence.field("截止日期", d.get("deadline")), evidence.field("标题", d.get("title")),
                             evidence.field("发布日期", d.get("published")), evidence.field("逾期天数", d.get("days_late")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        year = run.as_of.year - 1
        for site in run.portals():  # a 政务新媒体 account publishes no annual report
            if run.site_settings and site.name not in run.site_settings:
                continue  # a portal no longer in the sites file
            configured = (run.site_settings.get(site.name) or {}).get("kind")
            kind = configured or guess_kind(site.name)
            month, day = _month_day(f"{kind}_due", getattr(params, f"{kind}_due"))
            deadline = dt.date(year + 1, month, day)
            if not site.completed:
                yield Note(f"the crawl of {site.name} did not complete: its {year} 政府信息公开工作年度报告 "
                           f"was not looked for", site=site.name)
                continue
            reports = list(self._reports(run, site.name, year, kind))
            if not reports and (linked := self._linked_report(run, site.name, year, kind)):
                # hosted elsewhere (a 信息公开 platform), linked from the site: published
                yield Note(f"{site.name}: the {year} report is linked from {linked[1]} as “{linked[2]}” "
                           f"({linked[0]}), hosted off the site: counted as published, its date not judged",
                           site=site.name, subject=linked[0])
                continue
            base = {"year": year, "deadline": deadline.isoformat(), "kind": kind, "kind_guessed": not configured}
            if not reports:
                if run.as_of > deadline:
                    yield Violation(self.id, site.name, f"{site.url}#annual-report-{year}", page=site.url,
                                    detail=self.Detail(**base, problem="missing"))
                continue
            dated = [r for r in reports if r[2] is not None]
            if not dated:
                yield Note(f"{site.name}: the {year} report {reports[0][0]} shows no date; timeliness not judged",
                           site=site.name, subject=reports[0][0])
                continue
            url, title, published, column = min(dated, key=lambda r: r[2])
            if published > deadline:
                yield Violation(self.id, site.name, url, page=url, column=column, detail=self.Detail(
                    **base, problem="late", title=title, published=published.isoformat(),
                    days_late=(published - deadline).days))

    @staticmethod
    def _reports(run: RunView, site: str, year: int,
                 kind: str) -> Iterator[tuple[str, str, dt.date | None, str | None]]:
        """(url, title, date, column) of the site's reports of ``year`` that count for its kind."""
        found: dict[str, tuple[str, str, dt.date | None, str | None]] = {}

        def counts(title: str) -> bool:
            parsed = report_year(title)
            return bool(parsed and parsed[0] == year and (kind == "department" or is_overall_report(parsed[1], site)))

        for page in run.pages(site=site, text=False, meta=False):
            if page.title and counts(page.title):
                found[_norm_url(page.url)] = (page.url, page.title, _published(page), page.column)
        for item in run.column_items(site=site):
            key = _norm_url(item.url)
            if counts(item.title):
                url, title, date, column = found.get(key, (item.url, item.title, None, item.column))
                found[key] = (url, title, date or item.date, column or item.column)
        return iter(found.values())

    @staticmethod
    def _linked_report(run: RunView, site: str, year: int, kind: str) -> tuple[str, str, str] | None:
        """(target, page, anchor) of a link on the site whose anchor names the year's report
        (the report itself may live on a 信息公开 platform the crawl does not read)."""
        pages = [p.url for p in run.pages(site=site, text=False, meta=False)]
        for page, link in run.iter_links_from(pages):
            if "报" not in link.anchor:
                continue
            parsed = report_year(link.anchor)
            if parsed and parsed[0] == year and (kind == "department" or is_overall_report(parsed[1], site)):
                return link.target, page, link.anchor
        return None

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        # only the previous year's report is looked for: an older year's missing report is
        # not "fixed" by no longer being looked for
        year = previous.detail.get("year")
        if year is not None and year != run.as_of.year - 1:
            return False
        site = run.site(previous.site)
        return bool(site and site.completed)


# -- columns with a cadence ----------------------------------------------------------------

def period_of(schedule: str, d: dt.date) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, label) of the monthly/quarterly/yearly period containing d."""
    if schedule == "monthly":
        start = d.replace(day=1)
        label = f"{d.year}-{d.month:02d}"
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    elif schedule == "quarterly":
        quarter = (d.month - 1) // 3
        start = dt.date(d.year, 3 * quarter + 1, 1)
        label = f"{d.year}-Q{quarter + 1}"
        end = (start + dt.timedelta(days=93)).replace(day=1) - dt.timedelta(days=1)
    elif schedule == "yearly":
        start, end, label = dt.date(d.year, 1, 1), dt.date(d.year, 12, 31), str(d.year)
    else:
        raise ValueError(f"unknown schedule {schedule!r} (monthly, quarterly, yearly)")
    return start, end, label


def last_due_period(schedule: str, due_days: int, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    """The most recent period whose deadline (its last day + due_days) is before as_of."""
    start, end, label = period_of(schedule, as_of)
    while end + dt.timedelta(days=due_days) >= as_of:
        start, end, label = period_of(schedule, start - dt.timedelta(days=1))
    return start, end, label


class ScheduleOverdue(Check):
    """A column with a configured cadence that missed its last period (定期发布逾期).

    ## What it checks
    Columns given a ``schedule`` in the sites file (``monthly``, ``quarterly``, ``yearly``) and
    optionally ``due_days`` (days allowed after the period ends, default 0). For the most
    recent period whose deadline (period end + due_days) is before the monitoring date, the
    column must list an item dated from the period's first day to its deadline (e.g. monthly,
    due_days 15, on 2026-11-22: an item dated 2026-10-01 … 2026-11-15 for period 2026-10).

    ## Why it matters
    Statistics, 财政 and 办事统计 columns have published cadences (月报, 季报, 年报); the
    indicators require 办事统计数据 within 3 months and inspections report columns that
    missed their period as 未按时更新.

    ## Parameters
    None here: the cadence and ``due_days`` are set per column in the sites file.

    ## Known problems
    An item is matched by its list date, not by the period its title names: a late report for
    the previous period published inside this period's window counts for this one. A column
    the run could not read, or that was not found, is not judged (a note says so).
    """

    id = "schedule-overdue"
    title = "定期发布栏目未按期更新"
    source = "栏目发布周期（本配置：月报/季报/年报）；国办秘函〔2019〕19号 栏目不更新"
    severity = "deduction"
    points = Points(2, 10)  # provincial schemes' value
    subject = "column"  # a column removed from the site has no cadence left

    @dataclass(frozen=True)
    class Detail:
        schedule: str  # monthly | quarterly | yearly
        period: str  # the period missed: 2026-10, 2026-Q3, 2025
        period_start: str
        period_end: str
        due_days: int
        deadline: str
        newest: str | None  # the column's newest dated item, if any
        items: int  # dated items listed

    def message(self, detail: dict[str, Any]) -> str:
        """最新信息 2026-01-26；更新周期：每季度；周期：2026年第三季度；截止日期：2026-09-30"""
        d = detail
        schedule = d.get("schedule")
        return evidence.line(evidence.freshness(d["newest"]) if d.get("newest") else "栏目无带日期的信息",
                             evidence.field("更新周期", evidence.SCHEDULES.get(schedule, schedule)
                                            if isinstance(schedule, str) else schedule),
                             evidence.field("周期", evidence.period_cn(d["period"]) if d.get("period") else None),
                             evidence.field("截止日期", d.get("deadline")))

    def check(self, run: RunView, params) -> Iterator[Violation | Note]:
        scheduled = {key: s for key, s in run.column_settings.items() if s.get("schedule")}
        if not scheduled:
            return
        columns = {(c.site, c.url): c for c in run.columns()}
        for (site, url), settings in scheduled.items():
            if site not in run.site_names:
                continue
            column = columns.get((site, url))
            if column is None or column.kind != "list":
                why = "was not found in this run" if column is None else (
                    "could not be read" if column.kind == "unread" else "is a single page, not a list")
                yield Note(f"column {url} with a {settings['schedule']} schedule {why}: not judged",
                           site=site, subject=url)
                continue
            due_days = int(settings.get("due_days") or 0)
            start, end, label = last_due_period(settings["schedule"], due_days, run.as_of)
            deadline = end + dt.timedelta(days=due_days)
            dates = [i.date for i in run.column_items(site=site, column_url=url) if i.date is not None]
            if any(start <= d <= deadline for d in dates):
                continue
            newest = max(dates, default=None)
            yield Violation(self.id, site, url, page=url, column=column.name, detail=self.Detail(
                schedule=settings["schedule"], period=label, period_start=start.isoformat(),
                period_end=end.isoformat(), due_days=due_days, deadline=deadline.isoformat(),
                newest=newest.isoformat() if newest else None, items=len(dates)))

