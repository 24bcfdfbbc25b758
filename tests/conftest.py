"""Shared fixtures: real SQLite and PostgreSQL databases, Redis, and offline guards.

PostgreSQL and Redis tests run for real against 127.0.0.1. Under CI=true an
unreachable server fails the test; elsewhere the test skips naming what is missing.
"""

import os
import socket
import uuid
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get(
    "ARCHIVE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _require(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{service} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (required under CI=true)")
    pytest.skip(message)


@contextmanager
def fresh_pg_schema():
    """A SQLAlchemy URL whose search_path is a fresh schema, dropped afterwards."""
    _require("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url():
    with fresh_pg_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'archive.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def redis_url():
    """A Redis URL on a database number of its own, flushed afterwards."""
    _require("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    db = 9
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
    client.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(autouse=True)
def _offline_environment(monkeypatch):
    """Keep libraries that like to download things (tldextract) offline."""
    monkeypatch.setenv("TLDEXTRACT_CACHE", "/nonexistent-offline")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def engine(db_url):
    """A migrated engine on each database of ``db_url`` (SQLite, PostgreSQL)."""
    from archive.db.engine import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


SHARED_REDIS_DB = 11
SHARED_REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{SHARED_REDIS_DB}"


@pytest.fixture
def own_redis():
    """(client, prefix) on SHARED_REDIS_URL: Redis is shared with other test runs, so
    a test gets a key prefix of its own, and only its keys are deleted afterwards."""
    _require("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=SHARED_REDIS_DB)
    prefix = f"t{uuid.uuid4().hex[:12]}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
