"""Alembic environment: the engine comes from GovWatch (``Store``), not from an ini file."""

from alembic import context

from govwatch.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
