"""Site identity rules: the footer identifiers and the standard <meta> tags (网页标签)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from checks import evidence
from checks.base import Check, Note, Points, Violation
from govwatch.store.view import PreviousViolation, RunView

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
SITE_CODE = re.compile(r"^(?:\d{10}|bm\d{8})$", re.I)
ICP = re.compile(rf"^[{PROVINCES}]ICP备\d+号(?:-\d+)?$")
POLICE = re.compile(rf"^[{PROVINCES}]公网安备\d{{14}}号$")

LABELS = {
    "site_code": "网站标识码",
    "icp": "ICP备案号",
    "police": "公安机关备案号（公网安备）",
    "police_link": "公安备案链接（beian.gov.cn）",
    "badge": "党政机关网站标识",
    "jiucuo": "“我为政府网站找错”入口",
    "sponsor": "主办单位",
}
EXPECTED = {
    "site_code": "10位数字（地方网站）或 bm+8位数字（国务院部门网站）",
    "icp": "省份简称+ICP备+数字+号，可带“-序号”，如 赣ICP备12345678号-1",
    "police": "省份简称+公网安备+14位数字+号，如 赣公网安备36092202000123号",
}
KIND_LABELS = {"home": "首页", "list": "列表页", "article": "文章页", "page": "其他页面"}


class MissingSiteIdentity(Check):
    """A site whose home page lacks an identifier, shows one in the wrong form, or whose
    pages lack the standard meta tags (网站标识缺失或不规范).

    ## What it checks
    One finding per site, listing every problem:
    - on the home page (footer, or what its scripts write): 网站标识码 (``^(\\d{10}|bm\\d{8})$``),
      ICP备案号 (省份简称 + ICP备 + digits + 号, optional ``-n``), 公网安备号 (省份简称 + 公网安备
      + 14 digits + 号, and the beian.gov.cn link's ``recordcode`` agreeing with it), the
      党政机关网站标识 (中央编办's badge: bszs/dcs.conac.cn, wzsh.scopsr.gov.cn) and the
      “我为政府网站找错” entry; each missing or malformed one is named with the value found
      and the expected form. A 标识码 found only inside the 找错 entry's code is not shown to
      readers and counts as missing from the footer; a 找错 entry carrying another site's code
      is reported;
    - the 网页标签: 站点类 tags (SiteName, SiteDomain, SiteIDCode) on every home, list and
      article page, ColumnName on list pages, ArticleTitle, PubDate and ContentSource on
      article pages. Per tag: how many pages of that kind lack it (absent or empty), with up
      to 3 example URLs. A SiteIDCode different from the footer's 标识码 is reported with
      the pages that carry it. Error pages are ignored.

    ## Why it matters
    政府网站发展指引（国办发〔2017〕47号）: a government site must register and show its
    政府网站标识码, ICP备案 and 公安机关备案 and hang the 党政机关网站标识 (un-badged sites were
    closed in the 2017 clean-up); its 网页设计规范 sets the 网页标签 that search and the
    national monitoring platform read. The 2019 检查指标 (国办秘函〔2019〕19号) check that the
    “我为政府网站找错” entry is set up on the home page.

    ## Parameters
    - ``required``: footer items that must be present (default ``site_code``, ``icp``,
      ``police``, ``badge``, ``jiucuo``; ``sponsor`` 主办单位 and ``police_link`` may be added).
    - ``code_shown``: the 标识码 must be shown as text, not only inside the 找错 code (True).
    - ``site_tags`` / ``list_tags`` / ``article_tags``: tags required per page kind (defaults
      above; ColumnType, ColumnDescription, Keywords... may be added).
    - ``site_tag_kinds``: the page kinds that need the 站点类 tags (home, list, article).
    - ``empty_ok``: tags whose present-but-empty value is accepted (none).
    - ``examples``: example URLs per tag (3).

    ## Known problems
    The footer list (主办单位, 联系方式 among the items) comes from the 指引 as recalled and
    from real footers, not from the retrieved official text [R]: hence every item is a
    parameter, with the items every real footer shows as the default. Only the forms are
    checked, not whether the numbers are registered (that needs the MIIT, 公安 and 中央编办
    registries). A badge or footer that only a browser renders (an external script writing
    it) is seen through the script's URL, not its output. Tags are counted over the pages
    this run read (its page limit applies).
    """

    id = "missing-site-identity"
    title = "网站标识缺失或不规范"
    source = "政府网站发展指引（国办发〔2017〕47号）及其网页设计规范；国办秘函〔2019〕19号"
    severity = "deduction"
    points = Points(3, 3)  # provincial schemes' value: once per site

    @dataclass(frozen=True)
    class Params:
        required: tuple[str, ...] = ("site_code", "icp", "police", "badge", "jiucuo")
        code_shown: bool = True
        site_tags: tuple[str, ...] = ("SiteName", "SiteDomain", "SiteIDCode")
        list_tags: tuple[str, ...] = ("ColumnName",)
        article_tags: tuple[str, ...] = ("ArticleTitle", "PubDate", "ContentSource")
        site_tag_kinds: tuple[str, ...] = ("home", "list", "article")
        empty_ok: tuple[str, ...] = ()
        examples: int = 3

        def __post_init__(self) -> None:
            if unknown := [r for r in self.required if r not in LABELS]:
                raise ValueError(f"parameter 'required': unknown item(s) {', '.join(map(str, unknown))} "
                                 f"(known: {', '.join(LABELS)})")

    @dataclass(frozen=True)
    class Detail:
        missing: tuple[str, ...]  # the footer items not found (their Chinese labels)
        problems: tuple[str, ...]  # one Chinese line per other problem (malformed numbers, tags)
        items: dict[str, dict[str, Any]]  # per footer item: status, found, expected, faults
        tags: dict[str, Any]  # the <meta> tags per page kind
        identity: dict[str, Any]  # what the home page showed

    def message(self, detail: dict[str, Any]) -> str:
        """缺少：网站标识码、ICP备案号；问题：…"""
        return evidence.line(evidence.missing(detail.get("missing")), evidence.field("问题", detail.get("problems")))

    def check(self, run: RunView, params: Params) -> Iterator[Violation | Note]:
        for site in run.portals():  # accounts have no footer
            if run.site_settings and site.name not in run.site_settings:
                continue  # a portal no longer in the sites file
            identity = run.identity(site.name)
            if identity is None:
                yield Note("首页未读取，未检查网站标识与网页标签", site=site.name, subject=site.url)
                continue
            items, missing, problems = footer_problems(identity, params)
            tags, tag_problems = tag_problems_of(run, site.name, _norm(identity.get("site_code")), params)
            if not (missing or problems or tag_problems):
                continue
            yield Violation(
                self.id, site.name, site.url, page=identity.get("url") or site.url,
                detail=self.Detail(tuple(missing), tuple(problems + tag_problems), items, tags, _summary(identity)),
            )

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        site = run.site(previous.site)
        if not (site and site.reached and run.identity(previous.site) is not None):
            return False
        # the footer is settled by the home page alone; tags missing on other pages only by
        # a crawl that ran to its end (a partial crawl may simply not have met those pages)
        return site.completed or not previous.detail.get("tags")


# ------------------------------------------------------------------------ footer items


def _norm(value: Any) -> str:
    return re.sub(r"\s", "", str(value or ""))


def footer_problems(identity: dict[str, Any], params: MissingSiteIdentity.Params
                    ) -> tuple[dict[str, dict[str, Any]], list[str], list[str]]:
    """(per-item evidence, labels of missing items, one Chinese line per other problem)."""
    items: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    problems: list[str] = []

    def record(item: str, status: str, found: Any = None, faults: list[str] | None = None) -> None:
        if item not in params.required:
            return  # an item not required is not judged at all
        entry: dict[str, Any] = {"status": status, "found": found}
        if item in EXPECTED:
            entry["expected"] = EXPECTED[item]
        if faults:
            entry["faults"] = faults
        items[item] = entry
        if status == "missing":
            missing.append(LABELS[item])
        elif status != "ok":
            text = f"{LABELS[item]}“{found}”：{'；'.join(faults or [])}"
            if item in EXPECTED:
                text += f"（应为 {EXPECTED[item]}）"
            problems.append(text)

    jiucuo = identity.get("jiucuo") or {}
    code = _norm(identity.get("site_code"))
    if not code:
        record("site_code", "missing", identity.get("site_code_raw") or None)
    elif identity.get("site_code_source") not in (None, "label") and params.code_shown:
        record("site_code", "missing", code)
        if "site_code" in params.required:
            problems.append(f"网站标识码 {code} 只出现在找错入口的代码中，页面上没有显示")
    elif faults := site_code_faults(code):
        record("site_code", "malformed", identity.get("site_code_raw") or code, faults)
    else:
        record("site_code", "ok", code)

    icp = identity.get("icp")
    if not icp:
        record("icp", "missing")
    elif faults := icp_faults(icp):
        record("icp", "malformed", icp, faults)
    else:
        record("icp", "ok", icp)

    police, link, link_code = identity.get("police"), identity.get("police_link"), identity.get("police_link_code")
    if not police and not link_code:
        record("police", "missing")
    elif police and (faults := police_faults(police)):
        record("police", "malformed", police, faults)
    elif not police and not re.fullmatch(r"\d{14}", _norm(link_code)):
        record("police", "malformed", link_code, [f"备案链接中的备案号为 {len(_norm(link_code))} 位（应为14位）"])
    else:
        record("police", "ok", police or link_code)
    if "police" in params.required and police and link_code and _digits(police) and _digits(police) != _norm(link_code):
        problems.append(f"公网安备号 {_digits(police)} 与备案链接中的 recordcode={link_code} 不一致")
    record("police_link", "ok" if link else "missing", link)

    badge = identity.get("badge") or {}
    record("badge", "ok" if badge.get("found") else "missing", badge.get("src"))
    record("jiucuo", "ok" if jiucuo.get("found") else "missing", jiucuo.get("href"))
    jiucuo_code = _norm(jiucuo.get("site_code"))
    shown = identity.get("site_code_source") == "label"
    if "jiucuo" in params.required and shown and jiucuo_code and code and jiucuo_code.lower() != code.lower():
        problems.append(f"“我为政府网站找错”入口使用的网站标识码 {jiucuo_code} 与页脚的 {code} 不一致")
    sponsor = identity.get("sponsor")
    record("sponsor", "ok" if sponsor else "missing", sponsor)
    return items, missing, problems


def site_code_faults(code: str) -> list[str]:
    code = _norm(code)
    if SITE_CODE.match(code):
        return []
    if code.lower().startswith("bm"):
        return [f"bm 后为 {len(code) - 2} 位（应为8位数字）"] if code[2:].isdigit() else ["bm 后应为8位数字"]
    if code.isdigit():
        return [f"{len(code)} 位数字（应为10位）"]
    return ["含有数字以外的字符"]


def icp_faults(value: str) -> list[str]:
    v = _norm(value).replace("－", "-")
    if ICP.match(v):
        return []
    faults = []
    if not re.match(rf"^[{PROVINCES}]ICP", v):
        faults.append("缺少省份简称")
    if not re.search(r"ICP备\d+号", v):
        faults.append("备案号后缺少“号”" if re.search(r"ICP备\d+(?:-\d+)?$", v) else "不是“ICP备+数字+号”")
    return faults or ["不符合规定格式"]


def police_faults(value: str) -> list[str]:
    v = _norm(value)
    if POLICE.match(v):
        return []
    faults = []
    if not re.match(rf"^[{PROVINCES}]公网安备", v):
        faults.append("缺少省份简称")
    digits = _digits(v)
    if len(digits) != 14:
        faults.append(f"备案号为 {len(digits)} 位（应为14位）")
    if not v.endswith("号"):
        faults.append("缺少“号”")
    return faults or ["不符合规定格式"]


def _digits(value: str) -> str:
    m = re.search(r"公网安备[:：]?(\d+)", _norm(value))
    return m.group(1) if m else ""


def _summary(identity: dict[str, Any]) -> dict[str, Any]:
    jiucuo, badge = identity.get("jiucuo") or {}, identity.get("badge") or {}
    return {"site_code": identity.get("site_code"), "icp": identity.get("icp"), "police": identity.get("police"),
            "badge": bool(badge.get("found")), "jiucuo": bool(jiucuo.get("found")),
            "jiucuo_site_code": jiucuo.get("site_code"), "sponsor": identity.get("sponsor"),
            "SiteIDCode": (identity.get("meta") or {}).get("SiteIDCode")}


# ------------------------------------------------------------------------ meta tags


@dataclass
class _TagCount:
    kind: str
    pages: int = 0
    missing: int = 0
    empty: int = 0
    examples: list[str] | None = None


def tag_problems_of(run: RunView, site: str, footer_code: str, params: MissingSiteIdentity.Params
                    ) -> tuple[dict[str, Any], list[str]]:
    """Per (tag, page kind): pages of that kind lacking the tag; and pages whose SiteIDCode
    differs from the footer's 标识码."""
    lists: dict[str, list[str]] = {}
    for kinds, tags_ in ((params.site_tag_kinds, params.site_tags), (("list",), params.list_tags),
                         (("article",), params.article_tags)):
        for kind in kinds:
            lists.setdefault(kind, []).extend(t for t in tags_ if t not in lists[kind])
    wanted = {k: tuple(v) for k, v in lists.items() if v and k != "error"}  # error pages show nothing
    counts: dict[tuple[str, str], _TagCount] = {}
    mismatch_pages, mismatch_values = 0, []
    mismatch_examples: list[str] = []
    empty_ok = {t.lower() for t in params.empty_ok}
    for page in run.pages(site=site, kinds=tuple(wanted), text=False):
        meta = {k.strip().lower(): (v or "").strip() for k, v in (page.meta or {}).items()}
        for tag in wanted[page.kind]:
            c = counts.setdefault((tag, page.kind), _TagCount(page.kind, examples=[]))
            c.pages += 1
            value = meta.get(tag.lower())
            lacking = value is None or (not value and tag.lower() not in empty_ok)
            if value is None:
                c.missing += 1
            elif lacking:
                c.empty += 1
            if lacking and len(c.examples) < params.examples:
                c.examples.append(page.url)
        # a SiteIDCode must be the footer's 标识码; without one, at least a well-formed code
        page_code = _norm(meta.get("siteidcode"))
        if page_code and (page_code.lower() != footer_code.lower() if footer_code else not SITE_CODE.match(page_code)):
            mismatch_pages += 1
            if page_code not in mismatch_values and len(mismatch_values) < params.examples:
                mismatch_values.append(page_code)
            if len(mismatch_examples) < params.examples:
                mismatch_examples.append(page.url)
    tags: dict[str, Any] = {}
    problems: list[str] = []
    for (tag, kind), c in counts.items():
        lacking = c.missing + c.empty
        if not lacking:
            continue
        tags[f"{tag}@{kind}"] = {"tag": tag, "kind": kind, "pages": c.pages, "lacking": lacking,
                                 "missing": c.missing, "empty": c.empty, "examples": c.examples}
        how = "缺少" if not c.empty else ("为空" if not c.missing else f"缺少或为空（缺少 {c.missing}，为空 {c.empty}）")
        problems.append(f"{tag}：{KIND_LABELS.get(kind, kind)} {c.pages} 个中有 {lacking} 个{how}"
                        f"（例：{'、'.join(c.examples)}）")
    if mismatch_pages:
        tags["SiteIDCode@mismatch"] = {"tag": "SiteIDCode", "kind": "mismatch", "pages": mismatch_pages,
                                       "values": mismatch_values, "footer": footer_code or None,
                                       "examples": mismatch_examples}
        what = (f"与页脚网站标识码 {footer_code} 不一致" if footer_code
                else f"格式不符（应为 {EXPECTED['site_code']}）")
        problems.append(f"SiteIDCode {what}：{mismatch_pages} 个页面写作 {'、'.join(mismatch_values)}"
                        f"（例：{'、'.join(mismatch_examples)}）")
    return tags, problems
