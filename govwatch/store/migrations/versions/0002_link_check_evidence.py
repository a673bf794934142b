"""link check evidence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:23:34.408372

A migration must not break the previous release reading the same database mid-upgrade.
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('link_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redirects', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='1', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('link_checks', schema=None) as batch_op:
        batch_op.drop_column('attempts')
        batch_op.drop_column('note')
        batch_op.drop_column('headers')
        batch_op.drop_column('redirects')

