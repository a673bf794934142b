"""probes, scores, identity, message state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:58:01.385155

A migration must not break the previous release reading the same database mid-upgrade.
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('probes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=2048), nullable=True),
    sa.Column('seconds', sa.Double(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_probes_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probes'))
    )
    with op.batch_alter_table('probes', schema=None) as batch_op:
        batch_op.create_index('ix_probes_site_at', ['site_id', 'at'], unique=False)

    op.create_table('site_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('vetoes', sa.JSON(), nullable=False),
    sa.Column('deductions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], name=op.f('fk_site_scores_run_id_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_scores')),
    sa.UniqueConstraint('run_id', 'site', name=op.f('uq_site_scores_run_id'))
    )
    with op.batch_alter_table('site_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_scores_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('column_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('answered_on', sa.Date(), nullable=True))

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meta', sa.JSON(), nullable=True))

    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('site_visits', schema=None) as batch_op:
        batch_op.drop_column('identity')

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('meta')

    with op.batch_alter_table('column_items', schema=None) as batch_op:
        batch_op.drop_column('answered_on')
        batch_op.drop_column('state')

    with op.batch_alter_table('site_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_scores_run_id'))

    op.drop_table('site_scores')
    with op.batch_alter_table('probes', schema=None) as batch_op:
        batch_op.drop_index('ix_probes_site_at')

    op.drop_table('probes')
