"""A Redis fixture for tests that share the server with other runs: own key prefix, own cleanup."""

from __future__ import annotations

import uuid

import pytest

from conftest import REDIS_HOST, REDIS_PORT, _require

REDIS_DB = 11
REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


@pytest.fixture
def own_redis():
    """(client, prefix): a unique key prefix on REDIS_DB; its keys are deleted afterwards."""
    _require("Redis", REDIS_HOST, REDIS_PORT)
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    prefix = f"t{uuid.uuid4().hex[:12]}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
