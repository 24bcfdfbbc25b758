"""Alembic migrations on SQLite and PostgreSQL: create, upgrade, detect outdated schemas."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from archive.db.engine import (
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    require_current,
    schema_state,
    upgrade,
)
from archive.db.models import metadata
from archive.errors import SchemaOutdated

FIRST_REVISION = "0001"
T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _index_names(engine, table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(engine).get_indexes(table)}


def _include_object(obj, name, type_, reflected, compare_to):
    # The same filter as migrations/env.py: full-text objects live only in the migrations.
    if type_ == "table" and name.startswith("articles_fts"):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    return not (type_ == "index" and name == "ix_articles_search_vector")


def test_empty_database_migrates_to_current(engine):
    assert schema_state(engine) == "empty"
    assert current_revision(engine) is None

    upgrade(engine)

    assert schema_state(engine) == "current"
    assert current_revision(engine) == head_revision()
    assert set(metadata.tables) <= _tables(engine)
    require_current(engine)  # does not raise


def test_migrated_schema_matches_the_models(engine):
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": _include_object, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def test_full_text_objects_exist(engine):
    upgrade(engine)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            names = set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"
                ).scalars()
            )
        assert {"articles_fts", "articles_fts_insert", "articles_fts_update",
                "articles_fts_delete"} <= names
    else:
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("articles")}
        assert "search_vector" in columns
        assert "ix_articles_search_vector" in _index_names(engine, "articles")


def test_older_schema_is_outdated_then_upgrades_keeping_data(engine):
    upgrade(engine, FIRST_REVISION)
    assert schema_state(engine) == "outdated"
    assert "ix_captures_canonical_url" in _index_names(engine, "captures")
    with pytest.raises(SchemaOutdated, match="archive upgrade"):
        require_current(engine)

    with engine.begin() as conn:
        conn.execute(
            metadata.tables["captures"].insert(),
            {
                "record_id": "<urn:uuid:1>", "record_type": "response",
                "url": "https://example.com/a", "canonical_url": "https://example.com/a",
                "fetched_at": T0, "warc_filename": "a.warc.gz", "warc_offset": 0,
                "warc_length": 10,
            },
        )

    upgrade(engine)

    assert schema_state(engine) == "current"
    indexes = _index_names(engine, "captures")
    assert "ix_captures_canonical_url_fetched_at" in indexes
    assert "ix_captures_canonical_url" not in indexes
    with engine.connect() as conn:
        row = conn.execute(sa.select(metadata.tables["captures"])).one()
    assert row.record_id == "<urn:uuid:1>"
    assert row.fetched_at == T0


def test_unknown_revision_is_outdated(engine):
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert schema_state(engine) == "outdated"


def test_tables_without_revision_are_outdated(engine):
    metadata.tables["topics"].create(engine)
    assert schema_state(engine) == "outdated"


def test_unrelated_tables_leave_the_database_empty(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE someone_elses (x INTEGER)")
    assert schema_state(engine) == "empty"


def test_downgrade_to_base_removes_everything(engine):
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert _tables(engine) & (set(metadata.tables) | {"articles_fts"}) == set()
    assert schema_state(engine) == "empty"


def test_upgrade_is_idempotent(engine):
    upgrade(engine)
    upgrade(engine)
    assert schema_state(engine) == "current"


def test_alembic_commands_work_from_a_url(db_url, capsys):
    # What a developer runs by hand (no alembic.ini): online by URL, and offline SQL.
    command.upgrade(alembic_config(url=db_url), "head")
    engine = make_engine(db_url)
    try:
        assert schema_state(engine) == "current"
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url=db_url), "0001:head", sql=True)
    assert "CREATE INDEX ix_captures_canonical_url_fetched_at" in capsys.readouterr().out
