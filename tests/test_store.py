"""Schema migrations: applied from nothing, in step with the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import inspect

from conftest import postgres_database
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
    with postgres_database(PG_ADMIN, lambda why: pytest.skip(f"{why}; set GOVWATCH_TEST_POSTGRES")) as url:
        yield url


def test_postgres_migrations(postgres_url):
    assert_schema_current(postgres_url)
