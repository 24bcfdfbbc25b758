"""Every index table as plain sorted rows: two databases with equal dumps hold the same data."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from archive.db.models import metadata, topic_matches, topics
from archive.query.source import connection

_NOT_DUMPED = {"id", "search_vector", "rank_vector"}


def dump_tables(source: Any) -> dict[str, list[dict[str, Any]]]:
    """Every index table as a sorted list of row dicts, without surrogate ids.

    ``topic_matches`` names its topic by ``query`` instead of ``topic_id``.
    Full-text internals and Alembic's version table are left out. Used to
    check that a reindex rebuilds exactly what the live crawl stored.
    """
    dump: dict[str, list[dict[str, Any]]] = {}
    with connection(source) as conn:
        for table in metadata.sorted_tables:
            if table is topic_matches:
                query = sa.select(
                    topics.c.query,
                    topic_matches.c.content_hash,
                    topic_matches.c.score,
                    topic_matches.c.crawl_id,
                ).join(topics, topics.c.id == topic_matches.c.topic_id)
            else:
                query = sa.select(*(c for c in table.c if c.name not in _NOT_DUMPED))
            rows = [dict(row) for row in conn.execute(query).mappings()]
            rows.sort(key=_sort_key)
            dump[table.name] = rows
    return dict(sorted(dump.items()))


def _sort_key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)
