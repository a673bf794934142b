"""Re-check now: fetch a problem's subject again and judge it by the crawler's own rules.

Link problems (dead-link, soft-404, bad-attachment and the link warnings) and documents with
missing metadata (missing-metadata: the page is read again and the fields that were missing
looked for with the crawler's extractor) are re-checked here: one request, with the sites file's User-Agent and timeout, robots.txt honoured,
at most one re-check per host every ``HOST_GAP`` seconds, and the verdict from
crawler.verdicts — the functions the nightly link checker uses. A clean answer marks the
problem fixed (a ``fixed`` event of the latest checked run, dated today); anything else
leaves it open with the re-check's evidence in its detail. Problems of other rules (stale
columns, deadlines, wording...) need a whole column or site read and are re-checked by the
next night's run.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from govwatch.config import Config
from govwatch.store import answers
from govwatch.store import models as m
from govwatch.store.db import Store
from crawler.verdicts import is_judged_file, judge_attachment, judge_page, verdict_for_status

LINK_RULES = frozenset({"dead-link", "soft-404", "bad-attachment", "link-redirected", "link-blocked",
                        "link-timeout", "link-rate-limited", "tls-error", "link-server-error"})
PAGE_RULES = frozenset({"missing-metadata"})
CLEAN = ("ok", "redirected")
HOST_GAP = 2.0  # seconds between two re-checks of one host
HEAD_BYTES = 64 * 1024  # enough for a file signature or an error page
PAGE_BYTES = 4 * 1024 * 1024  # a whole document, for its metadata block

@dataclass(frozen=True)
class Outcome:
    verdict: str
    status: int | None
    note: str | None
    fixed: bool


class RecheckError(Exception):
    """A re-check that cannot be done (rule not re-checkable, not an http(s) URL, robots.txt)."""


def supported(rule: str) -> bool:
    return rule in LINK_RULES or rule in PAGE_RULES


class _Pacer:
    """Keeps re-checks of one host ``HOST_GAP`` seconds apart (the crawler's politeness)."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._last.get(host, 0.0) + HOST_GAP)
            self._last[host] = start
        time.sleep(max(0.0, start - now))


_pacer = _Pacer()


def _allowed(url: str, agent: str, timeout: float) -> bool:
    parts = urlsplit(url)
    robots = urllib.robotparser.RobotFileParser()
    try:
        req = urllib.request.Request(f"{parts.scheme}://{parts.netloc}/robots.txt", headers={"User-Agent": agent})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) checked)
            robots.parse(resp.read(HEAD_BYTES).decode("utf-8", "replace").splitlines())
    except (urllib.error.URLError, OSError, ValueError):
        return True  # no robots.txt (or none readable): allowed, as Scrapy's RobotsTxtMiddleware does
    return robots.can_fetch(agent, url)


def fetch_verdict(url: str, home_url: str, agent: str, timeout: float, missing: list[str] | None = None) -> Outcome:
    """One request for ``url`` and the crawler's verdict on it; with ``missing`` (metadata
    field names), clean only when the page now shows every one of them."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise RecheckError("只能复查 http(s) 地址")
    if not _allowed(url, agent, timeout):
        raise RecheckError("该地址被网站的 robots.txt 禁止抓取")
    _pacer.wait(urlsplit(url).netloc)
    req = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (http(s) checked)
            status, final = resp.status, resp.geturl()
            ctype = resp.headers.get("Content-Type")
            head = resp.read(PAGE_BYTES if missing is not None else HEAD_BYTES)
            charset = resp.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        return Outcome(verdict_for_status(exc.code), exc.code, f"HTTP {exc.code}", False)
    except urllib.error.URLError as exc:
        return _failure(exc.reason)
    except (TimeoutError, socket.timeout, ConnectionError, OSError) as exc:
        return _failure(exc)
    verdict = verdict_for_status(status, redirected=final != url)
    note = f"HTTP {status}" + (f"，跳转至 {final}" if final != url else "")
    if is_judged_file(url):
        bad = judge_attachment(url, ctype, head)
        if bad:
            return Outcome(bad.verdict, status, bad.note, False)
    elif ctype is None or "html" in ctype:
        from crawler.extract.page import analyse

        facts = analyse(head, final, encoding=charset, status=status)
        soft = judge_page(url, final, facts.title, facts.text, home_url, facts.refresh)
        if soft:
            return Outcome(soft.verdict, status, soft.note, False)
        if missing is not None and verdict in CLEAN:
            still = [name for name in missing if not facts.metadata.get(name)]
            if still:
                return Outcome("missing-metadata", status, "仍缺少：" + "、".join(still), False)
    return Outcome(verdict, status, note, verdict in CLEAN)


def _failure(reason: object) -> Outcome:
    name = type(reason).__name__
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return Outcome("timeout", None, name, False)
    if isinstance(reason, ssl.SSLError):
        return Outcome("tls-error", None, name, False)
    if isinstance(reason, (socket.gaierror, ConnectionRefusedError)):
        return Outcome("dead", None, name, False)
    return Outcome("error", None, f"{name}: {reason}"[:200], False)


def recheck(store: Store, config: Config, violation_id: int, by: str) -> Outcome:
    """Re-check one problem now; a clean answer marks it fixed."""
    with store.session() as s:
        v = s.get(m.Violation, violation_id)
        if v is None:
            raise RecheckError(f"no problem with id {violation_id}")
        if not supported(v.rule):
            raise RecheckError("此类问题需整站或整栏目重新抓取，将在下次夜间监测时复查")
        url, site = v.url, v.site
        missing = list(v.detail.get("missing") or []) if v.rule in PAGE_RULES else None
    target = next((x for x in config.sites if x.name == site), None)
    crawl = config.crawl_for(target) if target is not None else config.crawl
    outcome = fetch_verdict(url, target.url if target is not None else url, crawl.user_agent, crawl.timeout, missing)
    today = config.today()
    with store.session() as s, s.begin():
        v = s.get(m.Violation, violation_id)
        v.detail = {**v.detail, "recheck": {"at": m.utcnow().isoformat(timespec="seconds"), "by": by,
                                            "verdict": outcome.verdict, "status": outcome.status, "note": outcome.note}}
        if outcome.fixed and v.status == "open":
            run_id = s.scalar(select(m.Run.id).where(m.Run.status == "checked").order_by(m.Run.id.desc()).limit(1))
            v.status, v.fixed_on, v.last_run_id = "fixed", max(today, v.last_seen), run_id or v.last_run_id
            s.add(m.ViolationEvent(violation_id=v.id, run_id=v.last_run_id, event="fixed", as_of=v.fixed_on))
        answers.audit(s, by, "recheck", f"violation {violation_id}", url=url, verdict=outcome.verdict,
                      status=outcome.status, fixed=outcome.fixed)
    if outcome.fixed:
        from workbench.answering import rescore

        with store.session() as s, s.begin():
            rescore(s, config, site)
    return outcome
