"""access path indexes (links by page)

Revision ID: 0005
Revises: 0004
"""

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_links_run_page', 'links', ['run_id', 'page_url'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_links_run_page', table_name='links')
