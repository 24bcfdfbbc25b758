"""Engines: SQLite pragmas, psycopg URLs, tz-aware timestamps, one-line errors for
unreachable databases."""

import socket
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from archive.db.engine import default_database_url, describe_url, make_engine, upgrade
from archive.db.models import crawls
from archive.errors import ArchiveError, DatabaseUnavailable


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_one_clear_line(exc: BaseException, *fragments: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert "Traceback" not in message
    assert "(Background on this error" not in message
    for fragment in fragments:
        assert fragment in message
    assert exc.__cause__ is None and exc.__suppress_context__


def test_default_database_url(tmp_path):
    assert default_database_url(tmp_path) == f"sqlite:///{tmp_path}/archive.sqlite"
    assert default_database_url("data") == "sqlite:///data/archive.sqlite"


def test_sqlite_creates_folder_and_sets_pragmas(tmp_path):
    path = tmp_path / "nested" / "deeper" / "archive.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert path.exists()
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") >= 1000
    finally:
        engine.dispose()


def _hold_a_write_transaction(path: Path, seconds: float) -> threading.Thread:
    """Another connection, in rollback-journal mode, holds a write transaction on
    ``path`` for ``seconds``: the lock that makes SQLite's switch to WAL fail at
    once, without waiting for its busy timeout."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE held (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO held VALUES (1)")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_sqlite_waits_for_another_connection_before_switching_to_wal(tmp_path):
    # Many nodes opening one new database at once: all but the first used to fail
    # with "database is locked" (tests/test_distributed_startup.py, about 1 run in 5).
    path = tmp_path / "archive.sqlite"
    thread = _hold_a_write_transaction(path, 0.3)
    started = time.monotonic()
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert time.monotonic() - started >= 0.25  # it waited for the holder
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
        thread.join()


def test_sqlite_gives_up_on_wal_after_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr("archive.db.engine.SQLITE_BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "archive.sqlite"
    thread = _hold_a_write_transaction(path, 1.0)
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            make_engine(f"sqlite:///{path}")
        _assert_one_clear_line(caught.value, str(path), "database is locked")
    finally:
        thread.join()


def test_sqlite_foreign_keys_are_enforced(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO derived_records (record_id, capture_record_id, kind, warc_filename,"
                " warc_offset, warc_length) VALUES ('d', 'missing', 'conversion', 'f', 0, 1)"
            )
    finally:
        engine.dispose()


def test_sqlite_transactions_roll_back(sqlite_url):
    engine = make_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError), engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            raise RuntimeError("abort")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    finally:
        engine.dispose()


def test_plain_postgresql_url_uses_psycopg(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    engine = make_engine(plain)
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.dialect.driver == "psycopg"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_timestamps_round_trip_as_aware_utc(engine):
    paris = timezone(timedelta(hours=2))
    started = datetime(2024, 5, 1, 14, 30, 15, 654321, tzinfo=paris)
    with engine.begin() as conn:
        conn.execute(
            crawls.insert(),
            [
                {"crawl_id": "aware", "spider": "s", "topic": "", "sites": [],
                 "settings_digest": "", "started_at": started, "finished_at": None},
                # naive values are taken as UTC, dates as midnight UTC
                {"crawl_id": "naive", "spider": "s", "topic": "", "sites": [],
                 "settings_digest": "", "started_at": datetime(2024, 5, 1, 12, 30, 15, 1),
                 "finished_at": date(2024, 5, 2)},
            ],
        )
    with engine.connect() as conn:
        rows = {r.crawl_id: r for r in conn.execute(sa.select(crawls))}
    aware = rows["aware"].started_at
    assert aware == started
    assert aware.tzinfo == timezone.utc
    assert aware.microsecond == 654321
    assert rows["naive"].started_at == datetime(2024, 5, 1, 12, 30, 15, 1, tzinfo=timezone.utc)
    assert rows["naive"].finished_at == datetime(2024, 5, 2, tzinfo=timezone.utc)
    assert rows["aware"].finished_at is None
    assert rows["aware"].stats is None

    with engine.connect() as conn:
        later = conn.execute(
            sa.select(crawls.c.crawl_id).where(
                crawls.c.started_at > datetime(2024, 5, 1, 12, 30, 15, 2, tzinfo=timezone.utc)
            )
        ).scalars().all()
    assert later == ["aware"]


def test_unreachable_postgresql_port():
    port = _closed_port()
    url = f"postgresql://postgres:s3cret@127.0.0.1:{port}/test"
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    _assert_one_clear_line(caught.value, f"127.0.0.1:{port}", "***")
    assert "s3cret" not in str(caught.value)
    assert "refused" in str(caught.value).lower()
    assert isinstance(caught.value, ArchiveError)


def test_missing_postgresql_database(pg_url):
    url = make_url(pg_url).set(database="no_such_database_here", query={})
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    _assert_one_clear_line(caught.value, "no_such_database_here")


def test_sqlite_under_a_file_cannot_be_opened(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    url = f"sqlite:///{blocker / 'archive.sqlite'}"
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    _assert_one_clear_line(caught.value, str(blocker))


def test_sqlite_file_that_is_a_folder_cannot_be_opened(tmp_path):
    folder = tmp_path / "archive.sqlite"
    folder.mkdir()
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(f"sqlite:///{folder}")
    _assert_one_clear_line(caught.value, str(folder), "unable to open database file")


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("not a url at all", "invalid database URL"),
        ("nosuchdialect://user:pw@host/db", "driver not available"),
    ],
)
def test_bad_urls(url, fragment):
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    _assert_one_clear_line(caught.value, fragment)
    assert ":pw@" not in str(caught.value)


def test_describe_url_hides_password():
    assert describe_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"
    assert "secret" not in describe_url(make_url("postgresql://u:secret@h/db"))
    assert describe_url("sqlite:///x/archive.sqlite") == "sqlite:///x/archive.sqlite"


def test_in_memory_sqlite(tmp_path):
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        assert not any(Path(tmp_path).iterdir())
    finally:
        engine.dispose()
