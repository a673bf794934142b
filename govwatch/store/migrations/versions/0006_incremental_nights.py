"""incremental nights: URL memory, carried-over rows, coverage per site visit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:10:00

Only adds a table and nullable columns: the previous release can still read the database.
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('url_memory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('read_run_id', sa.Integer(), nullable=True),
    sa.Column('read_on', sa.Date(), nullable=True),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('content_hash', sa.String(length=40), nullable=True),
    sa.Column('check_run_id', sa.Integer(), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['check_run_id'], ['runs.id'], name=op.f('fk_url_memory_check_run_id_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['read_run_id'], ['runs.id'], name=op.f('fk_url_memory_read_run_id_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_url_memory_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_url_memory')),
    sa.UniqueConstraint('url', name=op.f('uq_url_memory_url'))
    )
    op.create_index(op.f('ix_url_memory_site_id'), 'url_memory', ['site_id'], unique=False)
    with op.batch_alter_table('pages') as batch:
        batch.add_column(sa.Column('carried_from', sa.Integer(), nullable=True))
    with op.batch_alter_table('link_checks') as batch:
        batch.add_column(sa.Column('carried_from', sa.Integer(), nullable=True))
    with op.batch_alter_table('site_visits') as batch:
        batch.add_column(sa.Column('coverage', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_visits') as batch:
        batch.drop_column('coverage')
    with op.batch_alter_table('link_checks') as batch:
        batch.drop_column('carried_from')
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('carried_from')
    op.drop_index(op.f('ix_url_memory_site_id'), table_name='url_memory')
    op.drop_table('url_memory')
