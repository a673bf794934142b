"""SQLAlchemy 2 models: what one run saw, and the violations with their history.

Every crawl creates a ``Run``; pages, links, columns and link checks belong to that run, so
one night's results never overwrite another's. Violations live across runs: one row per
problem (``key``), with events recording when it was opened, fixed and reopened.

Portable types only (SQLite by default, PostgreSQL for the scale-out mode).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Predictable constraint names, so later migrations can drop them (Alembic naming docs).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, str: String(2048)}


class Run(Base):
    """One execution of ``govwatch crawl``/``run`` over some sites of a sites file."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date]  # the monitoring date every time rule uses
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    # crawling -> crawled -> checked; "aborted" when a killed or stopped run is found by the next
    # one, "failed" when writes were lost (govwatch.jobs): neither is ever checked
    status: Mapped[str] = mapped_column(String(16), default="crawling")
    sites: Mapped[list[Any]] = mapped_column(default=list)  # site names covered by this run
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Site(Base):
    """A portal or account, by its name in the sites file (stable across runs)."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str]
    kind: Mapped[str] = mapped_column(String(16), default="portal")  # portal | account


class SiteVisit(Base):
    """How a site fared in one run: reached at all, how much was crawled."""

    __tablename__ = "site_visits"
    __table_args__ = (UniqueConstraint("run_id", "site_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    home_status: Mapped[int | None]
    home_error: Mapped[str | None]
    reached: Mapped[bool] = mapped_column(default=False)
    completed: Mapped[bool] = mapped_column(default=False)  # the crawl of this site finished
    pages: Mapped[int] = mapped_column(default=0)
    links: Mapped[int] = mapped_column(default=0)
    # what the home page shows of the site's identity (网站标识码, ICP, 公网安备, badges, meta
    # tags): crawler.extract.identity.site_identity; None when the home page was not read
    identity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # what the night covered and why not more (crawler.coverage.Coverage.as_dict): pages read,
    # carried over from earlier nights, only status-checked, discovered but left, and the limits hit
    coverage: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Column(Base):
    """A 栏目 as seen in one run, with its newest item date and item count."""

    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("run_id", "site_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str]  # the first list page
    category: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # config | nav
    owner: Mapped[str | None] = mapped_column(String(200))
    # list (has dated items or a list container) | static (single page) | unread (could not read)
    kind: Mapped[str] = mapped_column(String(16), default="unread")
    list_pages: Mapped[int] = mapped_column(default=0)
    item_count: Mapped[int] = mapped_column(default=0)
    dated_items: Mapped[int] = mapped_column(default=0)
    newest_date: Mapped[dt.date | None]
    error: Mapped[str | None]


class ColumnItem(Base):
    """One row of a column's list pages."""

    __tablename__ = "column_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"), index=True)
    url: Mapped[str]
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None]
    # interaction (留言) rows: answered | unanswered, and the reply's date where the row shows one
    state: Mapped[str | None] = mapped_column(String(16))
    answered_on: Mapped[dt.date | None]


class Page(Base):
    """An HTML page the crawler fetched and parsed in one run."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("run_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str]
    status: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # home | list | article | static
    column_url: Mapped[str | None]  # the column it was reached from
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[dt.date | None]
    published_source: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)  # visible text, capped (crawl.text_cap)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)  # 信息公开 block
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the standard <meta> tags (SiteName, PubDate...)
    # outbound links hidden from readers: [{target, anchor, how}] (injected 暗链 evidence)
    hidden: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # when it was read (or revalidated)
    # the run whose row this one copies: a page not re-read tonight keeps its facts and the
    # date they were read (incremental nights); None when read in this run
    carried_from: Mapped[int | None]


# pages(site, kinds) and the per-site page counts
Index("ix_pages_run_site_kind", Page.run_id, Page.site_id, Page.kind)


class Link(Base):
    """One occurrence of a link on a page: every page a target appears on, with its anchor."""

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    page_url: Mapped[str]
    target: Mapped[str]
    anchor: Mapped[str | None] = mapped_column(Text)
    tag: Mapped[str] = mapped_column(String(16))  # a | img | script | link | iframe | ...


Index("ix_links_run_target", Link.run_id, Link.target)
# the links a page carries (RunView.links_on / links_from; a carried page's links)
Index("ix_links_run_page", Link.run_id, Link.page_url)


class LinkCheck(Base):
    """The verdict on one unique URL in one run."""

    __tablename__ = "link_checks"
    __table_args__ = (UniqueConstraint("run_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str]
    # one of crawler.verdicts.VERDICTS
    verdict: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None]
    error: Mapped[str | None]
    final_url: Mapped[str | None]
    content_type: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # evidence: the redirect chain, the response headers that matter, why (phrase, signature)
    redirects: Mapped[list[Any] | None] = mapped_column(JSON)
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1, server_default="1")  # existing rows: one
    carried_from: Mapped[int | None]  # a good verdict kept from that run (not re-checked tonight)


# link_checks(verdicts=...): the dead and doubtful ones among a run's tens of thousands
Index("ix_link_checks_run_verdict", LinkCheck.run_id, LinkCheck.verdict)


class Violation(Base):
    """One problem, tracked across runs. Nothing is ever deleted."""

    __tablename__ = "violations"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha1 of rule, site, subject
    rule: Mapped[str] = mapped_column(String(64), index=True)
    site: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str]
    page: Mapped[str | None]
    column: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | fixed
    first_seen: Mapped[dt.date]
    last_seen: Mapped[dt.date]
    fixed_on: Mapped[dt.date | None]
    reopened: Mapped[int] = mapped_column(default=0)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


# a rule's violations on the run's sites (lifecycle, RunView.previous); a site's open ones
# (verdicts, `govwatch violations`)
Index("ix_violations_rule_site", Violation.rule, Violation.site)
Index("ix_violations_site_status", Violation.site, Violation.status)


class ViolationEvent(Base):
    """History: opened, fixed, reopened — the weekly report replays these."""

    __tablename__ = "violation_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # opened | fixed | reopened
    as_of: Mapped[dt.date]
    notified: Mapped[bool] = mapped_column(default=False)


class CheckNote(Base):
    """Why a check could not decide something in a run (never silently nothing)."""

    __tablename__ = "check_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    site: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str | None]
    note: Mapped[str] = mapped_column(Text)


class Probe(Base):
    """One availability probe of a site's home page (`govwatch probe`), kept across runs."""

    __tablename__ = "probes"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)  # UTC
    ok: Mapped[bool]  # the page loaded within the limit
    status: Mapped[int | None]
    error: Mapped[str | None]
    seconds: Mapped[float | None]


Index("ix_probes_site_at", Probe.site_id, Probe.at)


class SiteScore(Base):
    """The national verdict on one site in one run (checks.scoring)."""

    __tablename__ = "site_scores"
    __table_args__ = (UniqueConstraint("run_id", "site"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    site: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(16))  # 合格 | 不合格 | 未判定
    score: Mapped[float | None]  # the 100-point deduction score; None when a veto decided
    vetoes: Mapped[list[Any]] = mapped_column(default=list)  # rule ids of the veto items hit
    deductions: Mapped[dict[str, Any]] = mapped_column(default=dict)  # rule id -> points taken


class NotifyTarget(Base):
    """A `notify:` target, known by a hash of its name (or of its redacted URL): never the URL
    itself, which carries secrets."""

    __tablename__ = "notify_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(300))  # its name or redacted URL, for people
    # Per message kind, every event id up to this one was dealt with (announced or not for
    # this target). A new target starts at the last event before its first run: no backlog.
    alert_upto: Mapped[int] = mapped_column(default=0)
    digest_upto: Mapped[int] = mapped_column(default=0)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))  # last notified run
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NotifySent(Base):
    """A violation event announced to a target in a message of one kind (alert | digest)."""

    __tablename__ = "notify_sent"
    __table_args__ = (UniqueConstraint("target_id", "event_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("notify_targets.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("violation_events.id"))
    kind: Mapped[str] = mapped_column(String(8))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))  # the run whose notification carried it
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UrlMemory(Base):
    """What the crawler last saw at a URL, across runs: the basis of incremental nights.

    A page is re-read when it is new, due on the rotation (``crawl.revisit_days``) or changed
    (a conditional request with its ETag/Last-Modified answers 200); otherwise its facts are
    carried over from ``read_run_id``. A good link verdict is kept the same way; anything else
    is re-checked every night.
    """

    __tablename__ = "url_memory"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)  # the site that met it last
    # the last read: its facts live in pages/links rows of read_run_id
    read_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    read_on: Mapped[dt.date | None]  # the monitoring (as-of) date of that run: the rotation counts in nights
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str | None] = mapped_column(String(40))
    # the last check: its evidence lives in the link_checks row of check_run_id
    check_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    checked_on: Mapped[dt.date | None]
    verdict: Mapped[str | None] = mapped_column(String(16))


# -- the workbench (`govwatch serve`): its people, their answers for problems, the audit log ----


class User(Base):
    """A person of the workbench: admin (sites, users), office (everything else), or department
    (sees and answers only the problems of its ``owner`` unit)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | office | department
    owner: Mapped[str | None] = mapped_column(String(200))  # the 责任单位 of a department user
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id (workbench.passwords)
    # sessions carry it: a new password or a removal ends every session signed before
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None]  # kept for the audit log's names; cannot log in


class Answer(Base):
    """The office's answer for a problem: a false alarm (误报) or an exemption until a date.

    Kept for ever like the violations: revoking sets ``revoked_at``; a new answer revokes the
    one before. An active answer takes the problem out of the verdict, the score, the weekly
    report's lists and the notifications (govwatch.store.answers)."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    violation_id: Mapped[int] = mapped_column(ForeignKey("violations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # false-alarm | exemption
    reason: Mapped[str] = mapped_column(Text)
    expires: Mapped[dt.date | None]  # an exemption's last day; a false alarm has none
    by: Mapped[str] = mapped_column(String(100))  # the user's name (or "cli:<login>")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(100))


class AuditEntry(Base):
    """Every change made through the workbench or its commands: who, when, what."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # login | login-failed | answer | revoke | recheck | user-...
    subject: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RunLockRow(Base):
    """The run lock of a SQLite database (govwatch.lock): one row while a run holds it. A
    PostgreSQL database is locked with an advisory lock instead and leaves this table empty."""

    __tablename__ = "run_locks"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)  # "run"
    token: Mapped[str] = mapped_column(String(64))  # the holder's own, for release and heartbeat
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    pid_started: Mapped[str | None] = mapped_column(String(32))  # tells a reused pid from the holder
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
