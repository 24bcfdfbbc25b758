"""Full-text search: SQLite FTS5 (articles_fts, kept by triggers) and PostgreSQL search_vector."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from archive.db.engine import make_engine, upgrade
from archive.db.models import articles, fts_table, search_vector
from archive.db.rows import ArticleRow
from archive.db.writer import IndexWriter as Index

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)


def search(engine, query: str) -> list[str]:
    """Content hashes matching ``query``, best first, with each engine's own index."""
    if engine.dialect.name == "sqlite":
        statement = (
            sa.select(articles.c.content_hash)
            .join(fts_table, fts_table.c.rowid == articles.c.id)
            .where(sa.text("articles_fts MATCH :q"))
            .order_by(sa.text("bm25(articles_fts, 10.0, 1.0)"))
        )
    else:
        tsquery = sa.func.websearch_to_tsquery("english", sa.bindparam("q"))
        statement = (
            sa.select(articles.c.content_hash)
            .where(search_vector.op("@@")(tsquery))
            .order_by(sa.func.ts_rank(search_vector, tsquery).desc())
        )
    with engine.connect() as conn:
        return list(conn.execute(statement, {"q": query}).scalars())


def add(engine, key: str, title: str, text: str) -> None:
    with Index(engine) as index:
        index.add_article(
            ArticleRow(content_hash=key * 64, title=title, text=text, first_seen=T0,
                       last_seen=T0)
        )


def test_finds_article_by_word_in_text_and_title(engine):
    add(engine, "a", "Glaciers retreat in the Alps", "Scientists measured the ice sheets.")
    add(engine, "b", "Local elections", "The mayor spoke about glaciers only briefly.")
    add(engine, "c", "Markets", "Stocks rose on Tuesday.")

    assert search(engine, "scientists") == ["a" * 64]  # text
    assert search(engine, "elections") == ["b" * 64]  # title
    assert search(engine, "stocks") == ["c" * 64]
    # the title word weighs more than the same word in the text
    assert search(engine, "glaciers") == ["a" * 64, "b" * 64]
    assert search(engine, "volcano") == []


def test_stemming_and_diacritics(engine):
    add(engine, "a", "Café culture", "Runners were running through Zürich.")
    assert search(engine, "run") == ["a" * 64]
    if engine.dialect.name == "sqlite":  # remove_diacritics 2
        assert search(engine, "cafe") == ["a" * 64]
        assert search(engine, "zurich") == ["a" * 64]
    assert search(engine, "café") == ["a" * 64]


def test_index_follows_updates_and_deletes(engine):
    add(engine, "a", "Old headline", "Original wording about turbines.")
    with engine.begin() as conn:
        conn.execute(
            sa.update(articles)
            .where(articles.c.content_hash == "a" * 64)
            .values(title="New headline about solar", text="Rewritten wording about panels.")
        )
    assert search(engine, "turbines") == []
    assert search(engine, "panels") == ["a" * 64]
    assert search(engine, "solar") == ["a" * 64]

    with engine.begin() as conn:
        conn.execute(sa.delete(articles).where(articles.c.content_hash == "a" * 64))
    assert search(engine, "panels") == []
    _integrity_check(engine)


def test_seen_bumps_keep_the_index_intact(engine):
    add(engine, "a", "Harbour", "Ships in the harbour.")
    with Index(engine) as index:
        for hours in (5, 1, 9):
            index.add_article(
                ArticleRow(content_hash="a" * 64, title="Harbour", text="Ships in the harbour.",
                           first_seen=T0 - timedelta(hours=hours),
                           last_seen=T0 + timedelta(hours=hours))
            )
            index.flush()
    assert search(engine, "ships") == ["a" * 64]
    _integrity_check(engine)


def test_postgresql_websearch_syntax(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    add(engine, "a", "Wind power", "Offshore wind farms grow.")
    add(engine, "b", "Wind chill", "A cold winter.")
    assert search(engine, '"offshore wind"') == ["a" * 64]
    assert search(engine, "wind -winter") == ["a" * 64]
    assert sorted(search(engine, "farms or cold")) == ["a" * 64, "b" * 64]
    engine.dispose()


def _integrity_check(engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:  # raises if the FTS index disagrees with articles
            conn.exec_driver_sql(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_sqlite_fts_merge_policy_is_set_by_the_first_write(sqlite_url):
    from archive.db.dialects import SQLiteBackend

    SQLITE_FTS_CONFIG = SQLiteBackend.FTS_CONFIG

    engine = make_engine(sqlite_url)
    upgrade(engine)
    try:
        index = Index(engine)
        at = datetime(2024, 5, 1, tzinfo=timezone.utc)
        index.add_article(ArticleRow(content_hash="a" * 64, text="merge policy words",
                                     first_seen=at, last_seen=at))
        index.flush()
        with engine.connect() as conn:
            config = dict(conn.exec_driver_sql("SELECT k, v FROM articles_fts_config").all())
            hits = conn.exec_driver_sql(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'policy'").all()
        assert {k: config.get(k) for k in SQLITE_FTS_CONFIG} == SQLITE_FTS_CONFIG
        assert len(hits) == 1
    finally:
        engine.dispose()
