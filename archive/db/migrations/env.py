"""Alembic environment for the archive index, driven from code (see archive.db.engine.upgrade).

The caller passes an open connection in ``config.attributes["connection"]``;
the alembic command line works too when ``sqlalchemy.url`` is set
(``alembic -x`` is not needed). SQLite uses batch mode ("move and copy").

Full-text objects are engine-specific and live only in the migrations, so
autogenerate ignores them: the SQLite FTS5 table ``articles_fts`` (and its
shadow tables) and the PostgreSQL columns ``articles.search_vector`` and
``articles.rank_vector`` with their GIN indexes, and the GIN index over the
title's tsvector (``ix_articles_title_vector``). Note for future migrations:
a SQLite batch operation that recreates ``articles`` drops the FTS triggers;
recreate them afterwards.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context

from archive.db.models import FTS_TABLE_NAME, metadata

config = context.config

_IGNORED_COLUMNS = {"search_vector", "rank_vector"}
_IGNORED_INDEXES = {
    "ix_articles_search_vector", "ix_articles_rank_vector", "ix_articles_title_vector",
}


def include_object(
    obj: sa.schema.SchemaItem, name: str | None, type_: str, reflected: bool,
    compare_to: sa.schema.SchemaItem | None,
) -> bool:
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE_NAME):
        return False
    if type_ == "column" and name in _IGNORED_COLUMNS:
        return False
    if type_ == "index" and name in _IGNORED_INDEXES:
        return False
    return True


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata,
        include_object=include_object,
        compare_type=True,
        **kwargs,
    )


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic: sqlalchemy.url is not set")
    return url


def run_migrations_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: sa.Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from archive.db.engine import connect, make_engine

    engine = make_engine(_url())
    try:
        with connect(engine, begin=True) as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
