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
    if type_ == "column" and name in ("search_vector", "rank_vector"):
        return False
    return not (type_ == "index"
                and name in ("ix_articles_search_vector", "ix_articles_rank_vector",
                             "ix_articles_title_vector"))


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
        assert {"search_vector", "rank_vector"} <= set(columns)
        assert {"ix_articles_search_vector", "ix_articles_rank_vector",
                "ix_articles_title_vector"} <= _index_names(engine, "articles")
        with engine.connect() as conn:
            storage = conn.exec_driver_sql(
                "SELECT attstorage FROM pg_attribute "
                "WHERE attrelid = 'articles'::regclass AND attname = 'rank_vector'"
            ).scalar_one()
        assert storage == "m"  # kept in the row, so ranking reads no TOAST


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


def test_0002_database_upgrades_to_0003_and_ranks_existing_articles(engine):
    # 0003 adds the PostgreSQL ranking vector (title + lead), computed for rows already there;
    # on SQLite it changes nothing.
    from archive.query.search import search

    upgrade(engine, "0002")
    lead = "Glaciers retreat faster than forecast. " + "Filler words about weather. " * 40
    with engine.begin() as conn:
        conn.execute(
            metadata.tables["articles"].insert(),
            [
                {"content_hash": "a" * 64, "title": "Alpine report", "authors": [], "text": lead,
                 "tags": [], "first_seen": T0, "last_seen": T0},
                {"content_hash": "b" * 64, "title": "Weather notes", "authors": [],
                 "text": "Filler words about weather. " * 40 + "Glaciers were mentioned.",
                 "tags": [], "first_seen": T0, "last_seen": T0},
            ],
        )
    assert schema_state(engine) == "outdated"

    upgrade(engine, "0003")

    assert current_revision(engine) == "0003"
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            vectors = dict(conn.exec_driver_sql(
                "SELECT content_hash, rank_vector::text FROM articles").all())
        assert "'glacier':" in vectors["a" * 64]  # in the lead
        assert "'alpin':1A" in vectors["a" * 64]  # the title, weight A
        assert "'glacier'" not in vectors["b" * 64]  # only past the lead
    hits = [hit.content_hash for hit in search(engine, "glaciers")]
    assert sorted(hits) == ["a" * 64, "b" * 64]
    if engine.dialect.name == "postgresql":
        assert hits[0] == "a" * 64  # ranked by the new column: the lead counts

    with engine.begin() as conn:  # and back down: the column goes, the data stays
        command.downgrade(alembic_config(conn), "0002")
    assert "rank_vector" not in {c["name"] for c in sa.inspect(engine).get_columns("articles")}
    assert "ix_articles_rank_vector" not in _index_names(engine, "articles")
    assert current_revision(engine) == "0002"


def test_0004_stores_site_names_for_www_subdomain_and_listed_hosts(engine):
    # Rows written before 0004 hold the bare host for hosts other than the site URL's own;
    # the upgrade maps them with the sites each crawl recorded, and keeps what it cannot know.
    upgrade(engine, "0003")
    times = [{"name": "The Example Times", "url": "https://www.example.com/"}]
    other = [{"name": "Other Post", "url": "http://other.test/", "hosts": ["cdn-other.net"]}]
    t1 = datetime(2024, 6, 1, tzinfo=timezone.utc)
    captures = [("c1", "example.com"), ("c1", "news.example.com"), ("c1", "The Example Times"),
                ("c1", "unknown.org"), ("c2", "img.cdn-other.net"), (None, "www.other.test")]
    with engine.begin() as conn:
        conn.execute(metadata.tables["crawls"].insert(), [
            {"crawl_id": "c1", "spider": "topic", "topic": "", "sites": times, "settings_digest": "",
             "started_at": T0},
            {"crawl_id": "c2", "spider": "topic", "topic": "", "sites": other, "settings_digest": "",
             "started_at": t1},
        ])
        conn.execute(metadata.tables["captures"].insert(), [
            {"record_id": f"<urn:uuid:{i}>", "record_type": "response", "url": f"http://{site}/",
             "canonical_url": f"http://{site}/", "site": site, "fetched_at": T0, "warc_filename": "a",
             "warc_offset": 0, "warc_length": 1, "crawl_id": crawl}
            for i, (crawl, site) in enumerate(captures)
        ])
        conn.execute(metadata.tables["articles"].insert(), [
            {"content_hash": c * 64, "title": "t", "authors": [], "text": "x", "tags": [], "first_seen": T0,
             "last_seen": T0, "first_site": site}
            for c, site in (("a", "news.example.com"), ("b", "unknown.org"), ("c", "Other Post"))
        ])

    upgrade(engine)

    with engine.connect() as conn:
        sites = [r[0] for r in conn.execute(sa.text("SELECT site FROM captures ORDER BY id"))]
        first = dict(conn.execute(sa.text("SELECT substr(content_hash, 1, 1), first_site FROM articles")).all())
    assert sites == ["The Example Times"] * 3 + ["unknown.org", "Other Post", "Other Post"]
    assert first == {"a": "The Example Times", "b": "unknown.org", "c": "Other Post"}
