"""Notifications through apprise URLs (e-mail, DingTalk, WeCom, Feishu, JSON webhooks, ...).

Notification URLs carry secrets (passwords, webhook tokens, header values). They are never
logged or returned: every result and warning names the target by `redact(url)`, and apprise's
own log records are scrubbed of the URL's secret parts while a send is under way.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .model import ReportViolation, describe, display_url

log = logging.getLogger(__name__)

MASK = "***"
# Query parameters whose values are secrets even when apprise's privacy mode prints them:
# custom headers (+X-Token), GET parameters (-key) and payload extras (:field) of the
# json/xml/form plugins, and anything named like a credential.
_SECRET_PREFIXES = ("+", "-", ":")
_SECRET_NAMES = re.compile(r"tok|key|secret|pass|pwd|auth|sign|sig|cred|session|code|hook",
                           re.IGNORECASE)
# apprise's global defaults, printed on every URL: noise in a log line naming the target.
_NOISE = {("overflow", "upstream"), ("retry", "0"), ("wait", "0.5"), ("optional", "no")}
# Loggers that may echo parts of the URL while apprise sends (urllib3 logs request paths).
_SCRUBBED_LOGGERS = ("apprise", "urllib3.connectionpool")


@dataclass(frozen=True)
class NotifyResult:
    target: str  # the URL with its secrets masked
    ok: bool
    error: str | None = None
    attached: bool = False  # the attachment went with the message


def _scheme(url: str) -> str:
    m = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*)://", url)
    return m.group(1).lower() if m else "unknown"


def _mask_query(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, MASK if k.startswith(_SECRET_PREFIXES) or _SECRET_NAMES.search(k) else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if (k, v) not in _NOISE]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*@,")))


def _load(url: str):
    import apprise

    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:  # a URL apprise chokes on is just an unusable target
        return None


def _redact_plugin(url: str, plugin) -> str:
    if plugin is None:
        return f"{_scheme(url)}://{MASK}"
    try:
        return mask_userinfo(_mask_query(plugin.url(privacy=True)))
    except Exception:
        return f"{_scheme(url)}://{MASK}"


def mask_userinfo(url: str) -> str:
    """A user without a password masked: privacy mode hides a password (user:****@) but prints
    a token written in the user position (jsons://TOKEN@host/hook) as if it were a name."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#:@]+@", rf"\g<1>{MASK}@", url)


def redact(url: str) -> str:
    """The URL as apprise prints it in privacy mode, with secret-looking query values masked
    too (privacy mode keeps custom header values); `scheme://***` if it cannot be parsed."""
    with _scrub_logs([url], [f"{_scheme(url)}://{MASK}"]):
        return _redact_plugin(url, _load(url))


def takes_attachments(url: str) -> bool:
    """Whether the service behind the apprise URL can carry a file (e-mail, json://, form://
    do; DingTalk and WeCom robots do not)."""
    with _scrub_logs([url], [f"{_scheme(url)}://{MASK}"]):
        return bool(getattr(_load(url), "attachment_support", False))


def _secrets(url: str, redacted: str) -> set[str]:
    """Fragments of the raw URL that the redacted form does not show: those are the secrets
    (password, tokens in the path, masked query values), in raw and percent-decoded forms."""
    found: set[str] = set()
    for frag in re.split(r"[/:@?&=#,;+\s]+", url):
        for form in (frag, unquote(frag)):
            if len(form) >= 4 and form not in redacted and form not in unquote(redacted):
                found.add(form)
    return found


class _Scrubber(logging.Filter):
    def __init__(self, secrets: set[str]):
        super().__init__()
        # Longest first so that a secret containing another is masked whole.
        self.secrets = sorted(secrets, key=len, reverse=True)
        self.problems: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:
            return False  # unformattable: cannot be checked, so not emitted
        for s in self.secrets:
            msg = msg.replace(s, MASK)
        record.msg, record.args = msg, ()
        # apprise sends from a worker thread, so warnings are collected from any thread; a
        # concurrent send() elsewhere could lend its message, which is only a diagnostic.
        if record.levelno >= logging.WARNING:
            self.problems.append(msg)
        return True


@contextmanager
def _scrub_logs(urls: Sequence[str], redacted: Sequence[str]) -> Iterator[_Scrubber]:
    secrets: set[str] = set()
    for u, r in zip(urls, redacted):
        secrets |= _secrets(u, r)
    f = _Scrubber(secrets)
    loggers = [logging.getLogger(n) for n in _SCRUBBED_LOGGERS]
    for lg in loggers:
        lg.addFilter(f)
    try:
        yield f
    finally:
        for lg in loggers:
            lg.removeFilter(f)


def _send_one(url: str, title: str, body: str, attach: Path | None) -> NotifyResult:
    import apprise

    fallback = f"{_scheme(url)}://{MASK}"
    # Until apprise has parsed the URL only its scheme is known to be safe to log; after that
    # the redacted form says which parts are secret, so diagnostics keep host and path.
    with _scrub_logs([url], [fallback]):
        plugin = _load(url)
        target = _redact_plugin(url, plugin)
    # Services without attachments (DingTalk, WeCom bots, ...) simply get the text.
    attach = attach if plugin is not None and getattr(plugin, "attachment_support", False) else None
    if plugin is None:
        error: str | None = "无法解析的通知地址"
    else:
        with _scrub_logs([url], [target]) as scrub:
            try:
                a = apprise.Apprise()
                a.add(plugin)
                ok = bool(a.notify(title=title, body=body,
                                   body_format=apprise.NotifyFormat.MARKDOWN,
                                   attach=str(attach) if attach else None))
                error = None if ok else (scrub.problems[-1] if scrub.problems else "发送失败")
            except Exception as e:  # a plugin bug must not abort the nightly run
                error = type(e).__name__
    if error is not None:
        log.warning("notification to %s failed: %s", target, error)
        return NotifyResult(target, False, error)
    return NotifyResult(target, True, None, attach is not None)


def send(urls: Sequence[str], title: str, body: str,
         attach: Path | None = None) -> list[NotifyResult]:
    """Send one notification per apprise URL. Never raises for a bad URL or a failed send:
    each gives a result with ok=False (and a warning naming only the redacted target). The
    attachment goes only to services that take one (`attached` says whether it went)."""
    if attach is not None and not Path(attach).is_file():
        log.warning("notification attachment %s not found; sending without it", attach)
        attach = None
    return [_send_one(u, title, body, attach) for u in urls]


# -- message text --------------------------------------------------------------------------

_SEVERITY_ORDER = {"veto": 0, "deduction": 1, "warning": 2}
VETO_TAG = "【单项否决】"


def _rank(v: ReportViolation) -> tuple:
    return _SEVERITY_ORDER.get(v.severity, 9), v.site, v.rule, v.url


def _where(v: ReportViolation) -> str:
    """Site and column, ready for " · rule": 甲县人民政府「县长信箱」· or 甲县人民政府 ·"""
    return f"{v.site}「{v.column}」·" if v.column else f"{v.site} ·"


def _example(v: ReportViolation, rule_titles: Mapping[str, str], site: bool = True) -> str:
    what = describe(v)
    head = f"{_where(v)} " if site else (f"「{v.column}」" if v.column else "")
    return f"{head}{rule_titles.get(v.rule, v.rule)}：{display_url(v.url)}" + (f"（{what}）" if what else "")


def _rule_counts(items: Sequence[ReportViolation], rule_titles: Mapping[str, str]) -> str:
    c = Counter(v.rule for v in items)
    return "、".join(f"{rule_titles.get(r, r)} {n} 个" for r, n in c.most_common())


def _owners_line(items: Sequence[ReportViolation]) -> list[str]:
    owners = sorted({v.owner for v in items if v.owner})
    return [f"**责任单位**：{'、'.join(owners)}"] if owners else []


def veto_alerts(*, as_of: date, vetoes: Sequence[ReportViolation],
                rule_titles: Mapping[str, str], max_sites: int = 5,
                max_examples: int = 10) -> list[tuple[str, str, list[ReportViolation]]]:
    """The immediate alerts for new veto-level (单项否决) problems: (title, markdown body, the
    problems it announces), one per site; more than `max_sites` sites make one alert, so that
    a province-wide outage is one message, not hundreds."""
    per_site: dict[str, list[ReportViolation]] = {}
    for v in sorted(vetoes, key=_rank):
        per_site.setdefault(v.site, []).append(v)
    groups = list(per_site.values()) if len(per_site) <= max_sites else [sorted(vetoes, key=_rank)]
    out = []
    for items in groups:
        sites = list(dict.fromkeys(v.site for v in items))
        if len(sites) == 1:
            title = f"【GovWatch 单项否决】{sites[0]}：{_rule_counts(items, rule_titles)}"
        else:
            title = f"【GovWatch 单项否决】{sites[0]}等 {len(sites)} 个网站：单项否决问题 {len(items)} 个"
        lines = [f"**监测日期**：{as_of.isoformat()}",
                 f"新发现单项否决问题 {len(items)} 个。单项否决项直接导致网站检查不合格，请尽快整改。",
                 *_owners_line(items), ""]
        shown = items[:max_examples]
        lines += [f"{i}. {_example(v, rule_titles, site=len(sites) > 1)}" for i, v in enumerate(shown, 1)]
        if len(items) > len(shown):
            lines.append(f"……另有 {len(items) - len(shown)} 个，详见 `govwatch violations`")
        out.append((title, "\n".join(lines).strip() + "\n", items))
    return out


def _counts_by_site(items: Sequence[ReportViolation],
                    rule_titles: Mapping[str, str]) -> list[str]:
    per_site: dict[str, Counter[str]] = {}
    for v in items:
        per_site.setdefault(v.site, Counter())[v.rule] += 1
    lines = []
    for site, c in per_site.items():
        parts = "、".join(f"{rule_titles.get(r, r)} {n}" for r, n in c.most_common())
        lines.append(f"- {site}：{sum(c.values())} 个（{parts}）")
    return lines


def run_digest(*, as_of: date, new: Sequence[ReportViolation],
               fixed: Sequence[ReportViolation] = (), rule_titles: Mapping[str, str],
               open_counts: Mapping[str, int] | None = None, max_examples: int = 10,
               report: str | None = None, owners: Sequence[str] = ()) -> tuple[str, str]:
    """Title and markdown body (Chinese) of one run's digest: new problems per site and rule,
    up to `max_examples` example lines (veto first) with their URL, the fixed ones with a few
    URLs, and the open totals per site (`open_counts`, optional). `report` names where the
    full report is (a path, URL or 见附件), if any; `owners` the units a target is limited to."""
    vetoes = sum(1 for v in new if v.severity == "veto")
    veto_part = f"（单项否决 {vetoes} 个）" if vetoes else ""
    title = (f"【GovWatch】{as_of.isoformat()} 监测：新发现问题 {len(new)} 个{veto_part}，"
             f"已整改 {len(fixed)} 个")
    lines = [f"**监测日期**：{as_of.isoformat()}"]
    if owners:
        lines.append(f"**责任单位**：{'、'.join(owners)}")
    lines.append("")
    if new:
        lines += [f"**新发现问题 {len(new)} 个**" + (f"（其中单项否决 {vetoes} 个）" if vetoes else ""),
                  *_counts_by_site(new, rule_titles), ""]
        examples = sorted(new, key=_rank)[:max_examples]
        lines.append("**示例**")
        for i, v in enumerate(examples, 1):
            tag = VETO_TAG if v.severity == "veto" else ""
            lines.append(f"{i}. {tag}{_example(v, rule_titles)}")
        if len(new) > len(examples):
            lines.append(f"……另有 {len(new) - len(examples)} 个，详见周报或 `govwatch violations`")
        lines.append("")
    else:
        lines += ["本次监测无新发现问题。", ""]
    if fixed:
        lines += [f"**已整改 {len(fixed)} 个**", *_counts_by_site(fixed, rule_titles)]
        shown = sorted(fixed, key=_rank)[:max(3, max_examples // 2)]
        lines += [f"  - {_where(v)} {rule_titles.get(v.rule, v.rule)}：{display_url(v.url)}" for v in shown]
        if len(fixed) > len(shown):
            lines.append(f"  - ……另有 {len(fixed) - len(shown)} 个")
        lines.append("")
    if open_counts:
        lines.append("**当前未整改**：" + "；".join(f"{s} {n} 个" for s, n in open_counts.items()))
    if report:
        lines.append(f"完整报告：{report}")
    return title, "\n".join(lines).strip() + "\n"
