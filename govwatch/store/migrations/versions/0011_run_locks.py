"""run lock in the database: a row on SQLite (PostgreSQL uses an advisory lock); notify
targets' labels lose what older releases showed of a token in the URL's user position

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:40:00

Only adds a table: the previous release can still read the database.
"""

import re

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('run_locks',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('pid_started', sa.String(length=32), nullable=True),
    sa.Column('acquired_at', sa.DateTime(), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_run_locks'))
    )
    conn = op.get_bind()
    targets = sa.table('notify_targets', sa.column('id', sa.Integer), sa.column('label', sa.String))
    for id_, label in conn.execute(sa.select(targets.c.id, targets.c.label)).all():
        masked = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/?#:@\s]+@", r"\g<1>***@", label or "")
        if masked != (label or ""):
            conn.execute(targets.update().where(targets.c.id == id_).values(label=masked))


def downgrade() -> None:
    op.drop_table('run_locks')
