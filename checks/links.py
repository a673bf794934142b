"""Link rules (链接可用性): one check per link verdict, all reading the run's link checks.

Violations: ``dead-link``, ``soft-404``, ``bad-attachment``. Warnings, recorded so that nothing
is hidden but never counted as dead: ``link-blocked``, ``link-rate-limited``, ``link-timeout``,
``link-server-error``, ``link-error``, ``link-redirect-loop``, ``tls-error``, ``malformed-link``, ``link-private-address``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

from checks import evidence
from checks.base import Check, Points, Violation
from checks.subjects import CONCLUSIVE  # noqa: F401  (re-exported: verdicts that settle a URL)
from govwatch.store.view import RunView


@dataclass(frozen=True)
class FoundOn:
    """A page the link is on, with its anchor text (the evidence a department needs to fix it)."""

    url: str
    anchor: str
    tag: str


@dataclass(frozen=True)
class LinkDetail:
    """A link problem's evidence: the link checker's verdict on the target and where it is linked."""

    status: int | str | None  # the HTTP status, else the error class (dns, timeout, ...)
    verdict: str
    error: str | None
    note: str | None  # the checker's note (页面不存在, an HTML page served as .pdf)
    headers: dict[str, str] | None
    redirects: list[str] | None
    attempts: int
    checked_at: str
    pages: tuple[FoundOn, ...]  # at most the rule's max_pages
    page_count: int  # every page it is on
    on_home_page: bool


# 链接可用性: about 1 point per unusable link on the home page, a fraction elsewhere [R]
LINK_POINTS = Points(0.1, 10, home_points=1)


class LinkVerdictCheck(Check):
    """Base of the link rules: one violation per target URL and site with its evidence."""

    verdicts: ClassVar[tuple[str, ...]]
    subject = "link"
    Detail = LinkDetail

    @dataclass(frozen=True)
    class Params:
        max_pages: int = 50

    def message(self, detail: dict[str, Any]) -> str:
        """状态码 404；位于首页；出现在 3 个页面；说明：页面不存在."""
        return evidence.line(evidence.status(detail.get("status")), evidence.found_on(detail),
                             evidence.note(detail.get("note")))

    def check(self, run: RunView, params) -> Iterator[Violation]:
        homes = {s.name: s.url for s in run.sites()}
        degraded = {s.name for s in run.sites() if s.degraded}  # the monitor's network failed
        for link, by_site in run.link_checks_with_sources(verdicts=self.verdicts):
            for site, sources in by_site.items():
                if site in degraded:
                    continue
                yield Violation(
                    self.id, site, link.url, page=sources[0].page,
                    detail=LinkDetail(
                        status=link.status if link.status is not None else link.error,
                        verdict=link.verdict,
                        error=link.error,
                        note=link.note,
                        headers=link.headers,
                        redirects=link.redirects,
                        attempts=link.attempts,
                        checked_at=link.checked_at.isoformat(timespec="seconds"),
                        pages=tuple(FoundOn(s.page, s.anchor, s.tag) for s in sources[: params.max_pages]),
                        page_count=len(sources),
                        on_home_page=any(s.page == homes.get(site) for s in sources),
                    ),
                )


class DeadLink(LinkVerdictCheck):
    """A link whose target is gone: HTTP 404 or 410, an unknown host, a refused connection.

    ## What it checks
    Every link of every crawled page — internal and external, images and attachments — is
    checked once per run. A target is dead when it answers 404 or 410 twice (a second attempt
    confirms the first), or when its host does not resolve or refuses the connection after the
    crawler's retries. One violation per target and site, listing every page it appears on with
    the anchor text, and whether the home page is one of them.

    ## Why it matters
    国办秘函〔2019〕19号 counts unusable links (链接可用性) on the home page and on other pages
    as deductions; the home page count is shown apart.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50; the count is complete).

    ## Known problems
    Bot blocks (403/412), rate limits (429), timeouts and server errors are warnings of their
    own (``link-blocked``, ...), never dead links: they may say more about the monitor than
    about the site.
    """

    id = "dead-link"
    title = "死链"
    source = "国办秘函〔2019〕19号 政府网站检查指标：链接可用性"
    severity = "deduction"
    points = LINK_POINTS
    verdicts = ("dead",)


class Soft404(LinkVerdictCheck):
    """A link to an error page served as if it were a page (HTTP 200 with 页面不存在 ...).

    ## What it checks
    A 2xx HTML response whose title says 页面不存在 (or a similar phrase), or whose short body
    does; a missing page redirected to the home page or to /404.html; a page that moves on by
    meta refresh or script to an error page. The body is judged before any refresh is followed.

    ## Why it matters
    For a reader it is a dead link; 国办秘函〔2019〕19号 counts it under 链接可用性.

    ## Parameters
    ``max_pages``: as for ``dead-link``.

    ## Known problems
    A long page that merely mentions 页面不存在 in its text is not taken for an error page.
    """

    id = "soft-404"
    title = "伪装正常的错误页面"
    source = "国办秘函〔2019〕19号 政府网站检查指标：链接可用性"
    severity = "deduction"
    points = LINK_POINTS
    verdicts = ("soft-404",)


class BadAttachment(LinkVerdictCheck):
    """An attachment link that answers 2xx but does not deliver the file its extension promises.

    ## What it checks
    .pdf .doc(x) .xls(x) .ppt(x) .wps .et .dps .zip .rar .7z .ofd and images: an empty body, an
    HTML page, or bytes without the file type's signature (%PDF, the Office/ZIP/OLE2 headers,
    the image headers). A 404 attachment is a ``dead-link``.

    ## Why it matters
    Documents and forms that cannot be downloaded fail 办事附件 and 链接可用性 checks.

    ## Parameters
    ``max_pages``: as for ``dead-link``.
    """

    id = "bad-attachment"
    title = "附件无法打开"
    source = "国办秘函〔2019〕19号 政府网站检查指标：链接可用性、办事服务"
    severity = "deduction"
    points = LINK_POINTS
    verdicts = ("bad-attachment",)


class _LinkWarning(LinkVerdictCheck):
    severity = "warning"
    source = "GovWatch 链接核查（不计入扣分）"


class LinkBlocked(_LinkWarning):
    """A link the server refused to show the monitor (403, 401, 412 or a JavaScript challenge).

    ## What it checks
    Recorded apart from dead links: the page may well exist for a browser.

    ## Why it matters
    A false dead link costs a department points it did not lose; a blocked link is listed
    for a person to open in a browser, and never counts in the verdict.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-blocked"
    title = "链接访问被拦截"
    verdicts = ("blocked",)


class LinkRateLimited(_LinkWarning):
    """A link whose server kept answering 429 after its Retry-After was honoured.

    ## What it checks
    Recorded apart from dead links; the next run tries again.

    ## Why it matters
    The server limited the monitor, not the reader: the link is not known to be broken.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-rate-limited"
    title = "链接访问受限流"
    verdicts = ("rate-limited",)


class LinkTimeout(_LinkWarning):
    """A link that did not answer within the crawl's timeout, on every attempt.

    ## What it checks
    Recorded apart from dead links: slow is not gone.

    ## Why it matters
    A slow server is worth fixing, but it is not a dead link under 链接可用性.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-timeout"
    title = "链接响应超时"
    verdicts = ("timeout",)


class LinkServerError(_LinkWarning):
    """A link whose server answered 5xx on every attempt.

    ## What it checks
    Recorded apart from dead links; a persistent server error is worth a look.

    ## Why it matters
    A 500 on every attempt is a broken page for readers; it is listed for the office to
    confirm before it is counted as dead.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-server-error"
    title = "链接服务器错误"
    verdicts = ("server-error",)


class LinkError(_LinkWarning):
    """A link whose connection broke (reset, lost, data loss) on every attempt.

    ## What it checks
    Recorded apart from dead links.

    ## Why it matters
    Broken connections are often the network between the monitor and the site.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-error"
    title = "链接连接异常"
    verdicts = ("error",)


class LinkRedirectLoop(_LinkWarning):
    """A link whose redirects loop or never end.

    ## What it checks
    More redirects than the crawl follows (REDIRECT_MAX_TIMES, 10).

    ## Why it matters
    Readers see an error in the browser; the target is not known to be gone.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-redirect-loop"
    title = "链接循环跳转"
    verdicts = ("redirect-loop",)


class TlsError(_LinkWarning):
    """An HTTPS link whose TLS handshake failed.

    ## What it checks
    Old government servers (TLS 1.0, legacy renegotiation) are recorded apart from dead links.

    ## Why it matters
    Browsers refuse such servers; no national rule makes HTTPS a scored item yet.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "tls-error"
    title = "HTTPS 证书或协议错误"
    verdicts = ("tls-error",)


class MalformedLink(_LinkWarning):
    """A link whose address cannot be requested at all, as the page writes it.

    ## What it checks
    An editor's full-width colon (``http://www.xx.gov.cn：8080/``), a port like ``:99999`` or
    ``:8O8O``, an unclosed IPv6 bracket: the href is recorded as written with why it is
    malformed and the pages it is on; the rest of the page is audited as usual.

    ## Why it matters
    A reader who clicks it gets an error page; it is not known to be dead (no server was
    asked), so it is a warning for the editor, never a deduction.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "malformed-link"
    title = "链接地址格式错误"
    verdicts = ("malformed",)


class PrivateAddressLink(_LinkWarning):
    """A public site's link to a loopback, private or link-local address (10.x, 127.x,
    169.254.169.254, ::1).

    ## What it checks
    Such links are not fetched: they reach the monitor's own network, not the reader's. A site
    that is itself on such a network (an intranet portal) is exempt, and
    ``crawl.private_addresses: true`` fetches them anyway.

    ## Why it matters
    A reader outside the government network cannot open them: an editor linked a test or
    internal server by mistake.

    ## Parameters
    ``max_pages``: how many source pages the evidence lists (default 50).
    """

    id = "link-private-address"
    title = "链接指向内网地址"
    verdicts = ("private",)
