"""access path indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 09:20:00.000000

Every way the checks, the violation lifecycle and the reports read the large tables has an
index: without links(run_id, page_url) each page's links were a scan of all the run's links,
and a 20,000-page portal's check ran for more than 17 minutes.

A migration must not break the previous release reading the same database mid-upgrade:
this one only adds indexes.
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_pages_run_site_kind', 'pages', ['run_id', 'site_id', 'kind']),
    ('ix_links_run_page', 'links', ['run_id', 'page_url']),
    ('ix_link_checks_run_verdict', 'link_checks', ['run_id', 'verdict']),
    ('ix_violations_rule_site', 'violations', ['rule', 'site']),
    ('ix_violations_site_status', 'violations', ['site', 'status']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
