"""What a violation is about, and when a run has looked at it again.

A check declares its ``subject``; re-check and "fixed" follow from it (checks.base.Check.
rechecked). A violation that was not found again is fixed only when the run looked at its
subject: a site, column, document, link or account the run could not reach leaves it open.
Checks whose subject is none of these (a pair of documents, a probe window) override
``rechecked``.
"""

from __future__ import annotations

from collections.abc import Callable

from govwatch.store.view import PreviousViolation, RunView

# Link verdicts that settle a URL either way; a timeout or a block this time settles nothing.
CONCLUSIVE = ("ok", "redirected", "dead", "soft-404", "bad-attachment")


def site(run: RunView, previous: PreviousViolation) -> bool:
    """The run crawled the violation's site to the end."""
    found = run.site(previous.site)
    return bool(found and found.completed)


def column(run: RunView, previous: PreviousViolation) -> bool:
    """The site was crawled to the end and the column (the violation's url) was read as a list,
    or is gone from the site; an unread column proves nothing."""
    if not site(run, previous):
        return False
    found = next((c for c in run.columns(previous.site) if c.url == previous.url), None)
    return found is None or found.kind != "unread"


def document(run: RunView, previous: PreviousViolation) -> bool:
    """The document was read again (or is now gone); one the crawl did not reach this time (page
    limit, list not read) stays as it was."""
    return run.page_head(previous.url) is not None or run.link_verdict(previous.url) == "dead"


def link(run: RunView, previous: PreviousViolation) -> bool:
    """The link target got a conclusive verdict, or a page that carried it was read again (then
    the link is gone); a degraded night (the canary failed) settles nothing."""
    found = run.site(previous.site)
    if not (found and found.completed) or found.degraded:
        return False
    verdict = run.link_verdict(previous.url)
    if verdict is not None:
        return verdict in CONCLUSIVE
    sources = [p.get("url") for p in previous.detail.get("pages") or [] if isinstance(p, dict)] or [previous.page]
    return any(run.page_head(url) is not None for url in sources if url)


def account(run: RunView, previous: PreviousViolation) -> bool:
    """The account's feed or pages were read in this run."""
    found = run.site(previous.site)
    return bool(found and found.reached)


SUBJECTS: dict[str, Callable[[RunView, PreviousViolation], bool]] = {
    "site": site, "column": column, "document": document, "link": link, "account": account,
}
