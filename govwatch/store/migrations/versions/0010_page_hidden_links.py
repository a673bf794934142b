"""pages.hidden: the links a page hides from its readers (the evidence of injected 暗链)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03 12:30:00

Only adds a nullable column: the previous release can still read the database.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('hidden', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('hidden')
