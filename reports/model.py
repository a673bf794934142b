"""The weekly report model: plain, frozen data that every output format renders.

`reports/weekly.py` builds a `WeeklyReport` from the store; the renderers (HTML/PDF, XLSX,
JSON/CSV) and the notifier only read it. Everything here is stdlib-only and pure, so a report
can be built by hand in tests and rendered without a database.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from checks.evidence import period_cn  # noqa: F401  (part of the model's API)

from .notes import ReportNote

SEVERITY_LABELS: dict[str, str] = {"veto": "单项否决", "deduction": "扣分", "warning": "提示"}
STATUS_LABELS: dict[str, str] = {"open": "未整改", "fixed": "已整改"}
# Lower sorts first: an auditor reads veto items before deductions before warnings.
_SEVERITY_ORDER = {"veto": 0, "deduction": 1, "warning": 2}


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str  # Chinese, e.g. 死链
    source: str  # e.g. 国办秘函〔2019〕19号 链接可用性
    severity: str  # veto | deduction | warning
    summary: str = ""  # one line
    # the parameters in effect: the defaults with the sites file's `rules:` overrides
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # the registry's defaults, to say which values the sites file changed; empty: not known
    defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)
    enabled: bool = True  # False: switched off in the sites file (`enabled: false`)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def changed(self) -> tuple[str, ...]:
        """Parameter names whose value the sites file changed from the default."""
        return tuple(k for k, v in self.parameters.items() if k in self.defaults and self.defaults[k] != v)

    @property
    def parameters_text(self) -> str:
        """The parameters in effect as one readable line, e.g. news_days = 14；fields = 索引号、发文机关;
        a value the sites file changed says its default: min_probes = 21（默认 140）."""
        changed = set(self.changed)
        return "；".join(f"{k} = {_plain_value(v)}" + (f"（默认 {_plain_value(self.defaults[k])}）" if k in changed else "")
                        for k, v in self.parameters.items()) or "无"


@dataclass(frozen=True)
class ReportViolation:
    rule: str
    site: str
    url: str  # the subject: broken target, column's first list page, document, account
    page: str | None  # where it was found
    column: str | None
    severity: str
    status: str  # open | fixed
    first_seen: date
    last_seen: date
    fixed_on: date | None
    # Rule-specific evidence, e.g. dead-link {"status": 404, "pages": [{"url", "anchor"}]}.
    # Excluded from hashing: a dict cannot be hashed, and identity is rule/site/url anyway.
    detail: Mapping[str, Any] = field(hash=False)
    new: bool  # opened or reopened during the report week
    days_open: int
    owner: str | None = None

    @classmethod
    def from_row(cls, row: Any, **fields: Any) -> ReportViolation:
        """From a stored violation (the store's Violation row, or anything with its attributes);
        ``fields`` set what the report computes (new, days_open, owner, a replayed status)."""
        base = {"rule": row.rule, "site": row.site, "url": row.url, "page": row.page, "column": row.column,
                "severity": row.severity, "status": row.status, "first_seen": row.first_seen,
                "last_seen": row.last_seen, "fixed_on": row.fixed_on, "detail": dict(row.detail or {})}
        return cls(**{**base, **fields})

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.severity, self.severity)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def found_on(self) -> list[dict[str, str]]:
        """Pages the subject was found on, each {"url", "anchor"}: dead-link evidence lists
        every linking page with its anchor text; other rules have at most `page`."""
        pages = self.detail.get("pages") if isinstance(self.detail, Mapping) else None
        out: list[dict[str, str]] = []
        if isinstance(pages, (list, tuple)):
            for p in pages:
                if isinstance(p, Mapping) and p.get("url"):
                    out.append({"url": str(p["url"]), "anchor": str(p.get("anchor") or "")})
                elif isinstance(p, str):
                    out.append({"url": p, "anchor": ""})
        if not out and self.page:
            out.append({"url": self.page, "anchor": ""})
        return out

    @property
    def description(self) -> str:
        return describe(self)


VERDICTS = ("合格", "不合格", "未判定")
# why a night did not cover a site whole (crawl limits in the sites file)
_LIMIT_LABELS = {"time_budget": "当晚抓取时限已到，其余页面次日继续", "max_pages": "超出每晚页面上限 max_pages",
                 "max_list_pages": "超出栏目列表页上限 max_list_pages",
                 "collapse": "覆盖面较上次骤减，本次不据此认定整改或新增问题", "page_error": "部分页面无法解析"}
PLATFORM_LABELS: dict[str, str] = {
    "wechat": "微信公众号", "weibo": "新浪微博", "douyin": "抖音", "toutiao": "今日头条", "kuaishou": "快手",
    "bilibili": "哔哩哔哩", "other": "政务新媒体",
}


@dataclass(frozen=True)
class SiteState:
    """A site as the previous week's report showed it, for the week-on-week comparison."""

    week: str
    as_of: date | None
    verdict: str | None
    score: float | None
    open: int


@dataclass(frozen=True)
class SiteSummary:
    name: str
    url: str
    owner: str | None
    as_of: date | None
    pages: int
    links: int
    columns: int
    open: int
    new: int
    fixed: int
    by_rule: Mapping[str, int] = field(hash=False)  # open problems per rule id
    status: str = "ok"  # or a short note such as 未能访问 when the crawl failed
    # the national verdict of the run (checks.scoring): 合格 | 不合格 | 未判定, None before scoring
    verdict: str | None = None
    score: float | None = None  # the 100-point deduction score; None when a veto decided
    vetoes: tuple[str, ...] = ()  # rule ids of the veto items hit
    deductions: Mapping[str, float] = field(default_factory=dict, hash=False)
    previous: SiteState | None = None  # None: the site was not monitored before this week
    kind: str = "portal"  # portal (政府网站) | account (政务新媒体)
    platform: str | None = None  # an account's platform: wechat, weibo, ...
    # what the night covered (crawler.revisit.Coverage.as_dict); None for runs before it was kept
    coverage: Mapping[str, Any] | None = field(default=None, hash=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def coverage_complete(self) -> bool:
        return not self.coverage or bool(self.coverage.get("complete", True))

    @property
    def coverage_label(self) -> str | None:
        """已检查页面 13,762 / 已发现 19,029 (why not more), for a site not covered whole."""
        if self.coverage_complete:
            return None
        c = self.coverage
        why = "、".join(_LIMIT_LABELS.get(k, k) for k in c.get("limits", {}))
        return f"已检查页面 {c.get('audited', 0):,} / 已发现 {c.get('discovered', 0):,}" + (f"（{why}）" if why else "")

    @property
    def kind_label(self) -> str:
        if self.kind != "account":
            return "政府网站"
        return PLATFORM_LABELS.get(self.platform or "", "政务新媒体")

    @property
    def verdict_label(self) -> str:
        return self.verdict or "未判定"

    @property
    def open_change(self) -> int | None:
        return None if self.previous is None else self.open - self.previous.open

    @property
    def open_change_label(self) -> str:
        """↑3 (three more open problems than last week), ↓2, 持平, or 首次监测."""
        return change_label(self.open_change, first="首次监测")


@dataclass(frozen=True)
class RuleCount:
    """One row of the per-rule totals table."""

    rule: RuleInfo
    open: int
    new: int
    fixed: int


@dataclass(frozen=True)
class WeekPoint:
    """One ISO week of the trend: the state after the last run in that week. A week without a
    run has ``as_of`` None and no values: charts show it as a gap, never as zero."""

    week: str
    week_start: date
    as_of: date | None = None
    open_by_severity: Mapping[str, int] = field(default_factory=dict, hash=False)
    # per site monitored in that week
    open_by_site: Mapping[str, int] = field(default_factory=dict, hash=False)
    score_by_site: Mapping[str, float | None] = field(default_factory=dict, hash=False)
    verdict_by_site: Mapping[str, str | None] = field(default_factory=dict, hash=False)

    @property
    def gap(self) -> bool:
        return self.as_of is None

    @property
    def open(self) -> int | None:
        return None if self.gap else sum(self.open_by_severity.values())

    @property
    def label(self) -> str:
        return f"第{int(self.week[-2:])}周"

    def verdict_count(self, verdict: str) -> int:
        return sum(1 for v in self.verdict_by_site.values() if (v or "未判定") == verdict)


# kw_only: the report has many fields and defaults in the middle; keywords keep builders honest.
@dataclass(frozen=True, kw_only=True)
class WeeklyReport:
    week: str  # ISO week, "2026-W47"
    week_start: date
    week_end: date
    generated_at: datetime
    as_of: date | None  # monitoring date of the run the week shows
    run_id: int | None
    title: str = "政府网站监测周报"
    organisation: str | None = None
    sites: tuple[SiteSummary, ...] = ()
    open: tuple[ReportViolation, ...] = ()  # still open at the end of the week, incl. new
    fixed: tuple[ReportViolation, ...] = ()  # fixed during the week
    rules: tuple[RuleInfo, ...] = ()  # every rule of the registry
    previous_week: str | None = None  # the ISO week the comparison columns show
    trend: tuple[WeekPoint, ...] = ()  # the last 8 ISO weeks, oldest first, ending with `week`
    # every owner (责任单位) the sites file names; empty: no per-owner sections
    owners: tuple[str, ...] = ()
    pass_mark: float | None = None  # the score a site needs to pass (checks.scoring), for the chart
    # what the runs shown could not decide, and why (reports.notes): never a silent "0 problems"
    notes: tuple[ReportNote, ...] = ()
    # problems a false alarm or an exemption in force takes out of the lists above
    # (reports.answered.AnsweredViolation), listed in an appendix
    answered: tuple = ()

    # -- lookups ---------------------------------------------------------------------------
    def rule(self, id: str) -> RuleInfo | None:
        for r in self.rules:
            if r.id == id:
                return r
        return None

    def rule_title(self, id: str) -> str:
        r = self.rule(id)
        return r.title if r else id

    @property
    def portals(self) -> tuple[SiteSummary, ...]:
        return tuple(s for s in self.sites if s.kind != "account")

    @property
    def accounts(self) -> tuple[SiteSummary, ...]:
        return tuple(s for s in self.sites if s.kind == "account")

    def site(self, name: str) -> SiteSummary | None:
        for s in self.sites:
            if s.name == name:
                return s
        return None

    # -- ordering --------------------------------------------------------------------------
    def _rule_rank(self, rule_id: str) -> tuple[int, str]:
        # Registry order first, unknown (plugin or retired) rules after it alphabetically.
        for i, r in enumerate(self.rules):
            if r.id == rule_id:
                return (i, "")
        return (len(self.rules), rule_id)

    def _site_rank(self, site: str) -> tuple[int, str]:
        for i, s in enumerate(self.sites):
            if s.name == site:
                return (i, "")
        return (len(self.sites), site)

    def sort_key(self, v: ReportViolation) -> tuple:
        return (_SEVERITY_ORDER.get(v.severity, 9), self._site_rank(v.site),
                self._rule_rank(v.rule), v.url)

    def _sorted(self, items: Iterable[ReportViolation]) -> tuple[ReportViolation, ...]:
        return tuple(sorted(items, key=self.sort_key))

    # -- sections --------------------------------------------------------------------------
    @property
    def new(self) -> tuple[ReportViolation, ...]:
        """Open items opened or reopened this week."""
        return self._sorted(v for v in self.open if v.new)

    @property
    def carried_over(self) -> tuple[ReportViolation, ...]:
        """Open items found before this week and still not fixed (longest-open first)."""
        return tuple(sorted((v for v in self.open if not v.new),
                            key=lambda v: (-v.days_open, self.sort_key(v))))

    @property
    def fixed_sorted(self) -> tuple[ReportViolation, ...]:
        return self._sorted(self.fixed)

    @property
    def all_violations(self) -> tuple[ReportViolation, ...]:
        return self._sorted(self.open) + self._sorted(self.fixed)

    def open_by_site_and_rule(self) -> dict[str, dict[str, list[ReportViolation]]]:
        """site name -> rule id -> open items; sites in report order (every site, even one
        without problems), rules in registry order."""
        out: dict[str, dict[str, list[ReportViolation]]] = {s.name: {} for s in self.sites}
        by_site = sorted(self.open, key=lambda v: (self._site_rank(v.site),
                                                   self._rule_rank(v.rule), not v.new, v.url))
        for v in by_site:
            out.setdefault(v.site, {}).setdefault(v.rule, []).append(v)
        return out

    def by_rule(self, items: Iterable[ReportViolation]) -> dict[str, list[ReportViolation]]:
        out: dict[str, list[ReportViolation]] = {}
        for v in sorted(items, key=lambda v: (self._rule_rank(v.rule), self._site_rank(v.site),
                                              v.url)):
            out.setdefault(v.rule, []).append(v)
        return out

    @property
    def rule_counts(self) -> tuple[RuleCount, ...]:
        """Totals per rule for rules with any open or fixed item, in registry order."""
        counts: dict[str, list[int]] = {}
        for v in self.open:
            c = counts.setdefault(v.rule, [0, 0, 0])
            c[0] += 1
            c[1] += v.new
        for v in self.fixed:
            counts.setdefault(v.rule, [0, 0, 0])[2] += 1
        rows = []
        for rid in sorted(counts, key=self._rule_rank):
            info = self.rule(rid) or RuleInfo(rid, rid, "", "warning", "")
            rows.append(RuleCount(info, *counts[rid]))
        return tuple(rows)

    @property
    def rule_counts_by_severity(self) -> tuple[RuleCount, ...]:
        return tuple(sorted(self.rule_counts, key=lambda c: _SEVERITY_ORDER.get(c.rule.severity, 9)))

    def site_rule_counts(self, site: SiteSummary) -> list[tuple[str, int]]:
        """(rule title, count) of a site's open problems in registry order, non-zero only."""
        return [(self.rule_title(rid), n)
                for rid, n in sorted(site.by_rule.items(), key=lambda kv: self._rule_rank(kv[0]))
                if n]

    def open_by_owner(self) -> dict[str, list[ReportViolation]]:
        """owner -> open items, for owners with any (sites file order); items without an
        owner come last under 未指定责任单位. Empty when the sites file names no owners."""
        if not self.owners:
            return {}
        out: dict[str, list[ReportViolation]] = {o: [] for o in self.owners}
        for v in self._sorted(self.open):
            out.setdefault(v.owner or UNOWNED, []).append(v)
        return {o: vs for o, vs in out.items() if vs}

    @property
    def owners_without_problems(self) -> list[str]:
        mine = {v.owner for v in self.open}
        return [o for o in self.owners if o not in mine]

    def rules_by_severity(self, items: Iterable[ReportViolation]) -> dict[str, list[ReportViolation]]:
        """Like by_rule, but veto rules first, then deductions, then warnings (how a 通报 reads)."""
        groups = self.by_rule(items)
        order = sorted(groups, key=lambda rid: (_SEVERITY_ORDER.get(groups[rid][0].severity, 9),
                                                self._rule_rank(rid)))
        return {rid: groups[rid] for rid in order}

    @property
    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for s in self.sites:
            counts[s.verdict_label] = counts.get(s.verdict_label, 0) + 1
        return counts

    @property
    def pass_rate(self) -> float | None:
        judged = [s for s in self.sites if s.verdict in ("合格", "不合格")]
        return sum(s.verdict == "合格" for s in judged) / len(judged) if judged else None

    @property
    def previous_open(self) -> int | None:
        """Open problems of the previous week's report, over the sites monitored then."""
        prev = [s.previous for s in self.sites if s.previous is not None]
        return sum(p.open for p in prev) if prev else None

    @property
    def previous_verdict_counts(self) -> dict[str, int] | None:
        prev = [s.previous for s in self.sites if s.previous is not None]
        if not prev:
            return None
        counts = dict.fromkeys(VERDICTS, 0)
        for p in prev:
            counts[p.verdict or "未判定"] = counts.get(p.verdict or "未判定", 0) + 1
        return counts

    @property
    def carried_forward(self) -> bool:
        """No run in the report week: it shows the state of an earlier run."""
        return self.as_of is not None and self.as_of < self.week_start

    @property
    def trend_weeks(self) -> int:
        """How many of the trend's weeks have a run."""
        return sum(1 for p in self.trend if not p.gap)

    @property
    def has_trend(self) -> bool:
        """A trend needs two weeks with data: one week alone is a single bar and a single dot."""
        return self.trend_weeks >= 2

    @property
    def any_previous(self) -> bool:
        return any(s.previous is not None for s in self.sites)

    @property
    def any_first(self) -> bool:
        return any(s.previous is None for s in self.sites)

    @property
    def site_header(self) -> str:
        """The column header for the site a problem belongs to: 网站, or 网站/账号 with accounts."""
        return "网站/账号" if self.accounts else "网站"

    @property
    def veto_open(self) -> int:
        return sum(1 for v in self.open if v.severity == "veto")

    @property
    def totals(self) -> dict[str, int]:
        return {"sites": len(self.sites), "open": len(self.open),
                "new": sum(1 for v in self.open if v.new), "fixed": len(self.fixed),
                "veto": self.veto_open}


UNOWNED = "未指定责任单位"


def change_label(delta: int | None, first: str = "—") -> str:
    """↑3 / ↓2 / 持平; `first` when there is nothing to compare with."""
    if delta is None:
        return first
    return "持平" if delta == 0 else (f"↑{delta}" if delta > 0 else f"↓{-delta}")


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{score:g}"


# Fragments a check appends to make a violation key unique (one typo per page, one missing annual
# report per year): part of the key, meaningless to a reader and not an address anyone can open.
_INTERNAL_FRAGMENT = re.compile(r"#(?:wording|annual-report|injected)-[^#]*$")  # wording-variant-… too


def display_url(url: object) -> str:
    """The URL as a report shows it: without the internal #wording-… / #annual-report-… fragment
    (the violation keeps it); a missing annual report is shown as the site's address."""
    return _INTERNAL_FRAGMENT.sub("", str(url or ""))


def _plain_value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "、".join(str(x) for x in v) if v else "（空）"
    if isinstance(v, bool):
        return "是" if v else "否"
    return str(v)


def overview(r: WeeklyReport) -> str:
    """The 总体情况 paragraph of the cover, in the words of a provincial 通报."""
    if r.as_of is None:
        return f"{r.week_start.month}月{r.week_start.day}日至{r.week_end.month}月{r.week_end.day}日无监测记录。"
    t, vc = r.totals, r.verdict_counts
    watched = f"政府网站 {len(r.portals)} 个" + (f"、政务新媒体 {len(r.accounts)} 个" if r.accounts else "")
    text = (f"本周共监测{watched}，其中合格 {vc['合格']} 个、不合格 {vc['不合格']} 个、"
            f"未判定 {vc['未判定']} 个")
    if r.pass_rate is not None:
        text += f"，合格率 {r.pass_rate:.1%}"
    text += (f"。截至{r.as_of.month}月{r.as_of.day}日，共有未整改问题 {t['open']} 个（其中单项否决 {t['veto']} 个）")
    if r.previous_open is not None:
        delta = t["open"] - r.previous_open
        text += "，与上周持平" if delta == 0 else f"，较上周{'增加' if delta > 0 else '减少'} {abs(delta)} 个"
    text += f"；本周新发现问题 {t['new']} 个，已整改 {t['fixed']} 个。"
    failed = [s.name for s in r.sites if s.verdict == "不合格"]
    if failed:  # a province has hundreds: name a few, the table lists them all
        text += "不合格：" + "、".join(failed[:10]) + (f"等 {len(failed)} 个" if len(failed) > 10 else "") + "。"
    return text


# -- human-readable evidence ---------------------------------------------------------------


def describe(v: ReportViolation) -> str:
    """One readable Chinese line for a violation's detail, e.g. 状态码 404;
    缺少：发文字号、索引号; 最新信息 2026-04-01，已 200 天未更新（要求 183 天内）: the rule's own
    sentence, asked of the registry (checks.registry.message), as for every rule, built-in or
    plugin; a rule no check defines any more gets the common evidence line."""
    from checks.registry import message

    return message(v.rule, v.detail if isinstance(v.detail, Mapping) else {})
