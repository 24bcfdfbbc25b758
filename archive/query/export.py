"""Export articles as JSON Lines, CSV or Parquet, streaming: memory stays flat at any size.

Each record has at least the fields DESIGN.md promises (content_hash, title,
text, published, authors, language, urls, sites, topics) plus the rest of the
article's metadata. Articles are read in id order with a streaming cursor (a
server-side cursor on PostgreSQL); the URLs, sites and topics of each batch
are fetched with one query per batch.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from archive.db.models import articles, captures, topic_matches, topics
from archive.errors import ArchiveError
from archive.query.filters import Filters
from archive.query.search import matching_conditions
from archive.query.source import connection

if TYPE_CHECKING:
    import pyarrow as pa

Format = Literal["jsonl", "csv", "parquet"]
FORMATS = ("jsonl", "csv", "parquet")

#: Field order of every export format.
FIELDS = (
    "content_hash", "title", "text", "published", "authors", "language", "urls", "sites",
    "topics", "canonical_url", "site_name", "description", "tags", "first_seen", "last_seen",
    "first_site", "first_url", "modified", "paywalled",
)
_ARTICLE_COLUMNS = (
    "id", "content_hash", "title", "text", "published", "authors", "language", "canonical_url",
    "site_name", "description", "tags", "first_seen", "last_seen", "first_site", "first_url",
    "modified", "paywalled",
)

Progress = Callable[[int], Any]
#: Articles as export records, one list per database round trip.
Batches = Iterable[list[dict[str, Any]]]


class ExportError(ArchiveError):
    """The export cannot be written (unknown format, unwritable destination)."""


def iter_records(
    source: Any,
    filters: Filters | None = None,
    *,
    query: str | None = None,
    batch_size: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Article records in id order: dicts with FIELDS (datetimes as tz-aware ``datetime``)."""
    for batch in iter_batches(source, filters, query=query, batch_size=batch_size):
        yield from batch


def iter_batches(
    source: Any,
    filters: Filters | None = None,
    *,
    query: str | None = None,
    batch_size: int = 1000,
) -> Iterator[list[dict[str, Any]]]:
    """Like iter_records, a list of up to ``batch_size`` records at a time."""
    filters = filters or Filters()
    with connection(source) as conn:
        stmt = (
            sa.select(*(articles.c[name] for name in _ARTICLE_COLUMNS))
            .where(*matching_conditions(conn, query, filters))
            .order_by(articles.c.id)
            .execution_options(yield_per=batch_size)
        )
        result = conn.execute(stmt)
        for rows in result.partitions():
            yield _records(conn, rows)


def _records(conn: sa.Connection, rows: Sequence[sa.Row[*tuple[Any, ...]]]) -> list[dict[str, Any]]:
    hashes = [row.content_hash for row in rows]
    urls: dict[str, set[str]] = {h: set() for h in hashes}
    sites: dict[str, set[str]] = {h: set() for h in hashes}
    for row in conn.execute(
        sa.select(captures.c.content_hash, captures.c.url, captures.c.site)
        .where(captures.c.content_hash.in_(hashes))
        .distinct()
    ):
        urls[row.content_hash].add(row.url)
        if row.site:
            sites[row.content_hash].add(row.site)
    matched: dict[str, list[dict[str, Any]]] = {h: [] for h in hashes}
    for row in conn.execute(
        sa.select(topic_matches.c.content_hash, topics.c.query, topic_matches.c.score)
        .join(topics, topics.c.id == topic_matches.c.topic_id)
        .where(topic_matches.c.content_hash.in_(hashes))
        .order_by(topic_matches.c.content_hash, topics.c.query)
    ):
        matched[row.content_hash].append({"query": row.query, "score": float(row.score)})
    records = []
    for row in rows:
        h = row.content_hash
        record = {name: getattr(row, name) for name in _ARTICLE_COLUMNS if name != "id"}
        record["authors"] = list(record["authors"] or [])
        record["tags"] = list(record["tags"] or [])
        record["urls"] = sorted(urls[h])
        record["sites"] = sorted(sites[h])
        record["topics"] = matched[h]
        records.append({name: record[name] for name in FIELDS})
    return records


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def export(
    source: Any,
    destination: str | os.PathLike[str] | IO[str] | IO[bytes],
    format: Format = "jsonl",
    filters: Filters | None = None,
    *,
    query: str | None = None,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> int:
    """Write matching articles to ``destination`` (a path, or an open file: text for jsonl and
    csv, binary for parquet). A path is written under a temporary name and renamed when
    complete. Returns how many articles were written; ``progress(n)`` is called per batch.
    """
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r}: use one of {', '.join(FORMATS)}")
    batches = iter_batches(source, filters, query=query, batch_size=batch_size)
    writers: dict[str, Callable[..., int]] = {
        "jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet,
    }
    writer = writers[format]
    if hasattr(destination, "write"):
        return writer(batches, destination, progress)
    path = Path(destination)
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        out: IO[Any]
        with (open(partial, "wb") if format == "parquet"
              else open(partial, "w", encoding="utf-8", newline="")) as out:
            written = writer(batches, out, progress)
        os.replace(partial, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if partial.exists():
            partial.unlink()
    return written


def _write_jsonl(batches: Batches, out: IO[str], progress: Progress | None) -> int:
    written = 0
    for batch in batches:
        out.write(
            "".join(
                json.dumps(r, ensure_ascii=False, default=json_default) + "\n" for r in batch
            )
        )
        written += len(batch)
        if progress:
            progress(len(batch))
    return written


def csv_value(value: Any) -> Any:
    """Lists joined with '; ', topics as 'query (score)', datetimes in ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "; ".join(
            f"{v['query']} ({v['score']:g})" if isinstance(v, dict) else str(v) for v in value
        )
    return value


def _write_csv(batches: Batches, out: IO[str], progress: Progress | None) -> int:
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    written = 0
    for batch in batches:
        writer.writerows({k: csv_value(v) for k, v in r.items()} for r in batch)
        written += len(batch)
        if progress:
            progress(len(batch))
    return written


def parquet_schema() -> pa.Schema:
    import pyarrow as pa

    timestamp = pa.timestamp("us", tz="UTC")
    strings = pa.list_(pa.string())
    return pa.schema(
        [
            ("content_hash", pa.string()),
            ("title", pa.string()),
            ("text", pa.string()),
            ("published", timestamp),
            ("authors", strings),
            ("language", pa.string()),
            ("urls", strings),
            ("sites", strings),
            ("topics", pa.list_(pa.struct([("query", pa.string()), ("score", pa.float64())]))),
            ("canonical_url", pa.string()),
            ("site_name", pa.string()),
            ("description", pa.string()),
            ("tags", strings),
            ("first_seen", timestamp),
            ("last_seen", timestamp),
            ("first_site", pa.string()),
            ("first_url", pa.string()),
            ("modified", timestamp),
            ("paywalled", pa.bool_()),
        ]
    )


def _write_parquet(batches: Batches, out: IO[bytes], progress: Progress | None) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    written = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            written += len(batch)
            if progress:
                progress(len(batch))
    return written


def read_jsonl(path_or_text: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a JSONL export back (for checks and notebooks)."""
    with open(path_or_text, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
