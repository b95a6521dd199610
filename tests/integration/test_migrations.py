"""Migrations are the only source of the schema, and they match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from mcbackend.adapters.migrations import alembic_config, upgrade
from mcbackend.adapters.orm import Base


def _diff(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def test_migrated_schema_equals_models(empty_db_url):
    upgrade(empty_db_url)
    assert _diff(empty_db_url) == []


def test_migrations_downgrade_to_base_and_up_again(empty_db_url):
    from alembic import command

    upgrade(empty_db_url)
    command.downgrade(alembic_config(empty_db_url), "base")
    engine = create_engine(empty_db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_db_url)
    assert _diff(empty_db_url) == []
