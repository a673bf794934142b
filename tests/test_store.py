"""Schema migrations: applied from nothing, in step with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from govwatch.store.db import Store, alembic_config, current_revision, head_revision, upgrade

PG_ADMIN = os.environ.get("GOVWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def assert_schema_current(url: str) -> None:
    store = Store(url)  # migrates on open
    assert current_revision(store.engine) == head_revision(store.engine)
    assert {"runs", "sites", "columns", "pages", "links", "link_checks", "violations",
            "violation_events"} <= set(inspect(store.engine).get_table_names())
    command.check(alembic_config(store.engine))  # models and migrations agree
    assert upgrade(store.engine) is False  # idempotent
    store.close()


def test_sqlite_migrations(tmp_path):
    assert_schema_current(f"sqlite:///{tmp_path}/nested/dir/g.db")


@pytest.fixture
def postgres_url():
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # a laptop without PostgreSQL; CI machines run one
        pytest.skip(f"no PostgreSQL at {PG_ADMIN} ({type(exc).__name__}); set GOVWATCH_TEST_POSTGRES")
    name = f"govwatch_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'drop database "{name}" with (force)'))
    admin.dispose()


def test_postgres_migrations(postgres_url):
    assert_schema_current(postgres_url)
