"""Engines for SQLite and PostgreSQL, Alembic upgrades and the schema state.

``make_engine`` opens (and probes) the database so that an unreachable one
fails at once with a single-line ``DatabaseUnavailable`` naming the URL
(password hidden) and the reason.

Schema set-up and migration run under a database-wide lock (``schema_lock``):
a PostgreSQL advisory lock per schema, a file lock next to a SQLite file. Any
number of crawler nodes can open the same empty database at once: the first
creates the schema, the others wait for it and then find it current.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from archive.errors import DatabaseUnavailable, SchemaOutdated

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10

SchemaState = Literal["empty", "current", "outdated"]

_WRITE_OPTION = "archive_write"
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")


def default_database_url(directory: str | os.PathLike[str]) -> str:
    """The embedded SQLite database inside the archive folder."""
    return f"sqlite:///{os.fspath(directory)}/archive.sqlite"


def describe_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD_IN_URL.sub(r"\1***@", str(url))


def make_engine(url: str | URL) -> Engine:
    """An Engine for ``url``, checked by opening one connection.

    SQLite: the parent folder is created; every connection runs in WAL mode
    with foreign keys on, a busy timeout and ``synchronous=NORMAL``, and
    transactions are real (``BEGIN`` is emitted by SQLAlchemy, not guessed by
    the sqlite3 module). PostgreSQL: plain ``postgresql://`` (or
    ``postgres://``) URLs use the psycopg 3 driver.

    Raises DatabaseUnavailable when the URL is malformed, the driver is
    missing or the database cannot be opened.
    """
    try:
        parsed = _normalise_url(make_url(url) if isinstance(url, str) else url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseUnavailable(
            f"invalid database URL {describe_url(url)}: {_one_line(exc)}"
        ) from None

    shown = describe_url(parsed)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        elif parsed.get_backend_name() == "postgresql":
            engine = _postgresql_engine(parsed)
        else:
            engine = sa.create_engine(parsed, pool_pre_ping=True)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(
            f"cannot open database {shown}: driver not available ({_one_line(exc)})"
        ) from None
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot open database {shown}: {_os_reason(exc)}") from None

    try:
        with connect(engine):
            pass
    except DatabaseUnavailable:
        engine.dispose()
        raise
    return engine


@contextlib.contextmanager
def connect(engine: Engine, *, begin: bool = False) -> Iterator[sa.Connection]:
    """A connection, in a transaction when ``begin``; failing to connect raises DatabaseUnavailable.

    Use ``begin=True`` for writes: on SQLite it starts with ``BEGIN IMMEDIATE``
    so that concurrent writers wait (busy_timeout) instead of failing with
    "database is locked". Only acquiring the connection is translated: SQL
    errors inside the block propagate unchanged.
    """
    try:
        connection = engine.connect()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        raise DatabaseUnavailable(
            f"cannot open database {describe_url(engine.url)}: {_dbapi_reason(exc)}"
        ) from None
    except sa.exc.DatabaseError as exc:  # e.g. SQLite's "file is not a database"
        raise DatabaseUnavailable(
            f"cannot open database {describe_url(engine.url)}: {_dbapi_reason(exc)} "
            "(damaged, or not a database file: restore it, or move it away and run "
            "`archive reindex` to rebuild it from the WARC files)"
        ) from None
    with connection:
        if begin:
            connection.execution_options(**{_WRITE_OPTION: True})
            with connection.begin():
                yield connection
        else:
            yield connection


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config built in code (no alembic.ini), optionally bound to a connection."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_migrations_dir()))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest) in one transaction,
    under the schema lock (concurrent callers wait, then find nothing left to do)."""
    from alembic import command

    with schema_lock(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def prepare_schema(engine: Engine, *, upgrade: bool = False) -> SchemaState:
    """Create the schema on an empty database (and migrate an older one when
    ``upgrade``), under the schema lock; returns the state found before.

    Raises SchemaOutdated for an older schema without ``upgrade``. Safe to call
    from many processes at once on the same empty database.
    """
    from alembic import command

    if schema_state(engine) == "current":
        return "current"  # the usual case: no lock, no write transaction (readers stay readers)
    with schema_lock(engine) as connection:
        state = _schema_state(connection)  # again, under the lock: another node may have done it
        if state == "empty" or (state == "outdated" and upgrade):
            command.upgrade(alembic_config(connection), "head")
        elif state == "outdated":
            raise SchemaOutdated(
                "the archive database schema is older than this version of the software; "
                "run `archive upgrade` (or pass --upgrade) to migrate it"
            )
    return state


@contextlib.contextmanager
def schema_lock(engine: Engine) -> Iterator[sa.Connection]:
    """A write transaction holding the database's schema lock until it ends.

    PostgreSQL: ``pg_advisory_xact_lock`` on a key derived from the current schema
    (released at commit or rollback, also when the process dies). SQLite: an
    exclusive ``flock`` on ``<database>.schema-lock`` (released when the process
    dies); an in-memory database needs none.
    """
    lock_path = _sqlite_lock_path(engine.url)
    with contextlib.ExitStack() as stack:
        if lock_path is not None:
            stack.enter_context(_file_lock(lock_path))
        connection = stack.enter_context(connect(engine, begin=True))
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(
                "SELECT pg_advisory_xact_lock(hashtext('news-archive schema ' || current_schema()))"
            ))
        yield connection


def head_revision() -> str:
    """The newest migration revision id known to this code."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:  # pragma: no cover - guards against a forked migration history
        raise RuntimeError(f"expected one migration head, found {heads}")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None when it has none."""
    from alembic.runtime.migration import MigrationContext

    with connect(engine) as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
    return heads[0] if heads else None


def schema_state(engine: Engine) -> SchemaState:
    """``"empty"`` (no archive tables), ``"current"`` (at head) or ``"outdated"``.

    "outdated" covers any other state: an older revision, a revision this
    code does not know, or archive tables without a recorded revision.
    """
    with connect(engine) as connection:
        return _schema_state(connection)


def _schema_state(connection: sa.Connection) -> SchemaState:
    from alembic.runtime.migration import MigrationContext

    from archive.db.models import metadata

    heads = MigrationContext.configure(connection).get_current_heads()
    if not heads:
        existing = set(sa.inspect(connection).get_table_names())
        return "outdated" if existing & set(metadata.tables) else "empty"
    return "current" if heads[0] == head_revision() else "outdated"


def require_current(engine: Engine) -> None:
    """Raise SchemaOutdated unless the schema is at the newest revision."""
    state = schema_state(engine)
    if state != "current":
        raise SchemaOutdated(
            f"database {describe_url(engine.url)} schema is {state} "
            f"(revision {current_revision(engine) or 'none'}, code expects {head_revision()}); "
            "run `archive upgrade`"
        )


# --- internals ---


@functools.lru_cache(maxsize=1)
def _migrations_dir() -> Path:
    """The migrations folder; copied out to a temporary folder when the package is run
    from a zip (a scrapyd egg), as Alembic reads its scripts from the file system."""
    if MIGRATIONS_DIR.is_dir():
        return MIGRATIONS_DIR
    import atexit
    import importlib.resources
    import shutil
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="archive-migrations-")) / "migrations"
    atexit.register(shutil.rmtree, target.parent, True)

    def copy(source: Traversable, destination: Path) -> None:
        destination.mkdir()
        for entry in source.iterdir():
            if entry.is_dir():
                if entry.name != "__pycache__":
                    copy(entry, destination / entry.name)
            else:
                (destination / entry.name).write_bytes(entry.read_bytes())

    copy(importlib.resources.files("archive.db") / "migrations", target)
    return target


def _sqlite_lock_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or "mode=memory" in database or database.startswith("file:"):
        return None
    return Path(database).expanduser().with_name(Path(database).name + ".schema-lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot create lock file {path}: {_os_reason(exc)}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for another process's set-up
        yield
    finally:
        os.close(fd)  # releases the lock


def _normalise_url(url: URL) -> URL:
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if not in_memory and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            blocker = next((p for p in (folder, *folder.parents) if p.is_file()), folder)
            raise OSError(f"{blocker} is a file, not a folder") from None
        except OSError as exc:
            raise OSError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
        path = Path(database).expanduser()
        if path.is_file() and not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
            # A read-only archive (read-only mount, no write permission) can still be
            # read: opened read-only, and immutable when its folder cannot change
            # (a WAL database would otherwise need to create its -shm file).
            query = {"mode": "ro", "uri": "true"}
            if not os.access(folder, os.W_OK):
                query["immutable"] = "1"
            engine = sa.create_engine(url.set(database=f"file:{path}", query=query))
            event.listen(engine, "connect", _sqlite_on_connect_read_only)
            event.listen(engine, "begin", _sqlite_on_begin)
            return engine
    engine = sa.create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect_read_only(dbapi_connection: sqlite3.Connection, connection_record: object) -> None:
    dbapi_connection.isolation_level = None  # as _sqlite_on_connect, without the writes
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, connection_record: object) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin): the sqlite3
    # module's implicit transactions would otherwise skip SELECTs and DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _set_wal_mode(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _set_wal_mode(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL, waiting as long as the busy timeout for other connections.

    SQLite does not call its busy handler for the lock this switch takes, so
    when several processes open one new database at once all but one would
    fail at once with "database is locked"; they retry here instead.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _sqlite_on_begin(connection: sa.Connection) -> None:
    # Writers take the write lock up front; a deferred transaction that reads
    # first and writes later cannot wait for it (SQLITE_BUSY_SNAPSHOT in WAL).
    immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _postgresql_engine(url: URL) -> Engine:
    connect_args = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def _dbapi_reason(exc: sa.exc.DBAPIError) -> str:
    original = exc.orig if exc.orig is not None else exc
    if isinstance(original, OSError):
        return _os_reason(original)
    return _one_line(original) or type(original).__name__


def _os_reason(exc: OSError) -> str:
    if exc.strerror and exc.filename:
        return f"{exc.strerror}: {exc.filename}"
    return _one_line(exc) or type(exc).__name__
