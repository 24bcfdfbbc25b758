"""What differs between database engines, in one place: a new backend is one new class here.

Everything else (the writer, the query layer, the boilerplate learner's
storage) asks ``backend(conn_or_engine)`` and stays engine-neutral. Outside
this module only three things still name an engine: engine creation and
connection set-up (`archive/db/engine.py`), the column types that have a
PostgreSQL variant (`archive/db/models.py`), and full-text search, whose two
implementations (FTS5 + bm25, tsvector + ts_rank) are the search module's
subject (`archive/query/search.py`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar, TypeAlias

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

#: an INSERT with ON CONFLICT clauses (both engines spell them alike)
Insert: TypeAlias = "sqlite.Insert | postgresql.Insert"


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters replaced by U+FFFD, in strings, lists and dicts.

    PostgreSQL cannot store NUL in text or JSONB; a stray one in a header or a
    title must not make a whole batch fail.
    """
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


class Backend:
    """The engine-specific pieces the archive needs. Subclass per engine."""

    name: ClassVar[str]

    def insert(self, table: sa.Table) -> Insert:
        """The dialect's ``insert()``, which has ``on_conflict_do_nothing/do_update``."""
        raise NotImplementedError

    def clean(self, value: Any) -> Any:
        """A value (or a list/dict of them) made storable by this engine."""
        return value

    def prepare_writes(self, conn: sa.Connection) -> None:
        """Once per writer, in its first write transaction: engine tuning for bulk writes."""

    def latest_per(
        self, columns: Sequence[sa.Column[Any]], partition: sa.Column[Any],
        order: Sequence[sa.ColumnElement[Any]],
    ) -> sa.Select[Any]:
        """``columns`` of the first row (by ``order``) of each ``partition`` value."""
        ranked = sa.select(
            *columns,
            sa.func.row_number().over(partition_by=partition, order_by=order).label("rank"),
        ).subquery()
        return sa.select(*(ranked.c[column.name] for column in columns)).where(ranked.c.rank == 1)

    def database_size(self, conn: sa.Connection) -> int | None:
        """Bytes the archive's tables take, where the engine can tell."""
        return None


class SQLiteBackend(Backend):
    name = "sqlite"

    def insert(self, table: sa.Table) -> Insert:
        return sqlite.insert(table)

    # FTS5 merge policy for a write-heavy index. Every batch's commit flushes a new
    # segment; FTS5 merges segments once `automerge` of them sit on one level
    # (default 4) and at once when `crisismerge` do (default 16). Merging 16 at a
    # time writes each entry fewer times over the index's life: measured on 15,000
    # Zipf-text articles (as bench/bench_index.py makes them), 15-20% less FTS
    # insert CPU and no measurable change in MATCH + bm25 query time. Runtime
    # configuration that FTS5 keeps in its own config table: no schema change.
    FTS_CONFIG: ClassVar[dict[str, int]] = {"automerge": 16, "crisismerge": 64}

    def prepare_writes(self, conn: sa.Connection) -> None:
        """Set FTS_CONFIG on the articles_fts table where it differs."""
        if conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'articles_fts_config'"
        ).first() is None:
            return
        current = {k: v for k, v in conn.exec_driver_sql("SELECT k, v FROM articles_fts_config")}
        for key, value in self.FTS_CONFIG.items():
            if current.get(key) != value:
                conn.exec_driver_sql(
                    "INSERT INTO articles_fts(articles_fts, rank) VALUES (?, ?)", (key, value)
                )

    def database_size(self, conn: sa.Connection) -> int | None:
        """The SQLite file and its write-ahead log."""
        path = conn.engine.url.database
        if not path or path == ":memory:":
            return None
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


class PostgreSQLBackend(Backend):
    name = "postgresql"

    def insert(self, table: sa.Table) -> Insert:
        return postgresql.insert(table)

    def clean(self, value: Any) -> Any:
        return without_nul(value)

    def latest_per(
        self, columns: Sequence[sa.Column[Any]], partition: sa.Column[Any],
        order: Sequence[sa.ColumnElement[Any]],
    ) -> sa.Select[Any]:
        """DISTINCT ON reads each group's first row straight from the index."""
        return (
            sa.select(*columns).ext(postgresql.distinct_on(partition))
            .order_by(partition, *order)
        )

    def database_size(self, conn: sa.Connection) -> int | None:
        """The tables of the current schema, with their indexes and TOAST."""
        return int(conn.execute(
            sa.text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = current_schema()"
            )
        ).scalar_one())


BACKENDS: dict[str, Backend] = {b.name: b for b in (SQLiteBackend(), PostgreSQLBackend())}


def backend(source: sa.Engine | sa.Connection | sa.Dialect) -> Backend:
    """The Backend of an engine, a connection or a dialect; ValueError if unsupported."""
    dialect = source if isinstance(source, sa.Dialect) else source.dialect
    try:
        return BACKENDS[dialect.name]
    except KeyError:
        raise ValueError(f"unsupported database dialect {dialect.name!r}") from None
