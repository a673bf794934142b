"""Link rules: dead links (链接可用性)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from checks.base import Check, Violation
from crawler.store.view import PreviousViolation, RunView

# Verdicts that settle a URL either way; timeouts, blocks and errors settle nothing.
CONCLUSIVE = ("ok", "redirected", "dead")


class DeadLink(Check):
    """A link on the site whose target is gone: HTTP 404/410, an unknown host, a refused connection.

    ## What it checks
    Every link of every crawled page — internal and external, images and attachments — is
    checked once per run. A target is dead when it answers 404 or 410, or when its host does
    not resolve or refuses the connection after the crawler's retries. One violation per
    target and site, listing every page it appears on with the anchor text.

    ## Why it matters
    国办秘函〔2019〕19号 counts unusable links (链接可用性) on the home page and on other pages
    as deductions; the home page count is shown apart.

    ## Parameters
    - ``statuses``: the HTTP statuses that mean dead (default 404, 410).
    - ``max_pages``: how many source pages to list in the detail (default 50).

    ## Known problems
    Bot blocks (403/412), rate limits (429), timeouts and server errors are recorded as
    verdicts but are never reported as dead: they may say more about the monitor than about
    the site.
    """

    id = "dead-link"
    title = "死链"
    source = "国办秘函〔2019〕19号 政府网站检查指标：链接可用性"
    severity = "deduction"

    @dataclass(frozen=True)
    class Params:
        statuses: tuple[int, ...] = (404, 410)
        max_pages: int = 50

    def check(self, run: RunView, params: Params) -> Iterator[Violation]:
        homes = {s.name: s.url for s in run.sites()}
        for link in run.link_checks(verdicts=("dead",)):
            if link.status is not None and link.status not in params.statuses:
                continue
            for site, sources in run.link_sources(link.url).items():
                pages = [{"url": s.page, "anchor": s.anchor, "tag": s.tag} for s in sources[: params.max_pages]]
                yield Violation(
                    self.id, site, link.url, page=sources[0].page,
                    detail={
                        "status": link.status if link.status is not None else link.error,
                        "error": link.error,
                        "checked_at": link.checked_at.isoformat(timespec="seconds"),
                        "pages": pages,
                        "page_count": len(sources),
                        "on_home_page": any(s.page == homes.get(site) for s in sources),
                    },
                )

    def rechecked(self, run: RunView, previous: PreviousViolation) -> bool:
        site = run.site(previous.site)
        if not (site and site.completed):
            return False
        link = run.link_check(previous.url)
        # a link no longer on any page was removed: that is a fix too
        return link is None or link.verdict in CONCLUSIVE
