"""notify targets and what each was sent

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 06:46:47.107570

A migration must not break the previous release reading the same database mid-upgrade:
this one only adds tables.
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notify_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('alert_upto', sa.Integer(), nullable=False),
    sa.Column('digest_upto', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['last_run_id'], ['runs.id'], name=op.f('fk_notify_targets_last_run_id_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_targets')),
    sa.UniqueConstraint('key', name=op.f('uq_notify_targets_key'))
    )
    op.create_table('notify_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['violation_events.id'], name=op.f('fk_notify_sent_event_id_violation_events')),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_notify_sent_run_id_runs')),
    sa.ForeignKeyConstraint(['target_id'], ['notify_targets.id'], name=op.f('fk_notify_sent_target_id_notify_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_sent')),
    sa.UniqueConstraint('target_id', 'event_id', 'kind', name=op.f('uq_notify_sent_target_id'))
    )
    with op.batch_alter_table('notify_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notify_sent_target_id'), ['target_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notify_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notify_sent_target_id'))

    op.drop_table('notify_sent')
    op.drop_table('notify_targets')
