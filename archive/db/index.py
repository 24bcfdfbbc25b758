"""The archive index: buffered, idempotent batch writes and plain-dataclass lookups.

Writes are buffered and flushed in one transaction per batch with Core
``executemany`` statements (one statement per table, many rows), in an order
that satisfies the foreign keys. Every write is an upsert, so adding the same
rows again (a re-run, a reindex from the WARC files) changes nothing.

The per-page tables (articles, captures, derived records, topic matches) are
written through ``_Many``: the Core statement compiled once for the engine's
dialect and run with the driver's executemany on plain tuples, the values
converted by the columns' own SQLAlchemy bind processors. It is what
``Connection.execute`` does, without its per-row parameter bookkeeping, which
was a good share of the archive's CPU time per page.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections import deque
from operator import attrgetter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from archive.db.engine import connect
from archive.db.models import (
    UTCDateTime,
    articles,
    captures,
    crawls,
    derived_records,
    metadata,
    topic_matches,
    topics,
)

logger = logging.getLogger(__name__)

STREAM_BATCH = 1000


# --- rows ---


@dataclass(frozen=True, kw_only=True, slots=True)
class CrawlRow:
    crawl_id: str
    spider: str
    topic: str
    sites: list[Any]
    settings_digest: str
    started_at: datetime
    finished_at: datetime | None = None
    stats: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CaptureRow:
    record_id: str
    record_type: str  # "response" | "revisit"
    url: str
    canonical_url: str
    site: str | None = None
    fetched_at: datetime
    status: int | None = None
    content_type: str | None = None
    warc_filename: str
    warc_offset: int
    warc_length: int
    payload_digest: str | None = None
    block_digest: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    ip_address: str | None = None
    crawl_id: str | None = None
    content_hash: str | None = None
    refers_to_record_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DerivedRecordRow:
    record_id: str
    capture_record_id: str
    kind: str  # "conversion" | "metadata"
    warc_filename: str
    warc_offset: int
    warc_length: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ArticleRow:
    content_hash: str
    title: str | None = None
    authors: list[Any] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    text: str
    canonical_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    tags: list[Any] = field(default_factory=list)
    first_seen: datetime
    last_seen: datetime
    first_site: str | None = None
    first_url: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class TopicMatchRow:
    query: str
    content_hash: str
    score: float
    crawl_id: str | None = None


def _names(row_class: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(row_class))


CRAWL_FIELDS = _names(CrawlRow)
CAPTURE_FIELDS = _names(CaptureRow)
DERIVED_FIELDS = _names(DerivedRecordRow)
ARTICLE_FIELDS = _names(ArticleRow)
TOPIC_MATCH_FIELDS = ("topic_id", "content_hash", "score", "crawl_id")  # the table's columns


def _params(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


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


# --- the index ---

MAX_BACKLOG = 2  # full batches a background writer may be behind by


@dataclass
class _Buffer:
    """Rows waiting to be written, merged by key (the last word wins per the upsert rules)."""

    crawls: dict[str, CrawlRow] = field(default_factory=dict)
    finished: dict[str, tuple[datetime, dict[str, Any] | None]] = field(default_factory=dict)
    articles: dict[str, ArticleRow] = field(default_factory=dict)
    captures: dict[str, CaptureRow] = field(default_factory=dict)
    capture_hashes: dict[str, str] = field(default_factory=dict)
    derived: dict[str, DerivedRecordRow] = field(default_factory=dict)
    matches: dict[tuple[str, str], TopicMatchRow] = field(default_factory=dict)
    pending: int = 0


class Index:
    """Buffered writer and reader of the index tables.

    ``add_*`` calls only buffer rows; once ``batch_size`` rows are waiting
    (or on ``flush()``/``close()``/any lookup) they are written in one
    transaction. Thread-safe. Write order inside a batch: crawls, articles,
    captures, derived records, topics, topic matches; so add an article no
    later than the batch in which a capture refers to it.

    Upsert rules: crawls, captures, derived records do nothing on conflict
    (a re-added capture only fills a missing content_hash). Articles keep
    their first stored fields, with first_seen = min, last_seen = max and
    first_site/first_url of the earliest sighting; a capture that carries a
    content_hash widens its article's first/last seen the same way. Topic
    matches keep the highest score (and that score's crawl_id).

    A failed flush raises and keeps the buffer, so it can be retried; a
    connection that cannot be opened raises DatabaseUnavailable. On
    PostgreSQL, NUL characters (which it cannot store) become U+FFFD.
    """

    def __init__(self, engine: Engine, batch_size: int = 500, *, background: bool = False) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.engine = engine
        self.batch_size = batch_size
        self._lock = threading.RLock()
        # Background mode: full batches are written by one worker thread, so the
        # caller (a crawl's reactor thread) does not wait for the database. The
        # drivers release the GIL while the database works (FTS5 tokenising,
        # to_tsvector on the server), so that work overlaps with the caller's.
        self._writer = (ThreadPoolExecutor(1, thread_name_prefix="index-writer")
                        if background else None)
        self._batches: deque[tuple] = deque()  # (batch, future | None), oldest first
        self._replaying = False
        self._fts_tuned = engine.dialect.name != "sqlite"
        self._topic_ids: dict[str, int] = {}
        self._statements = _Statements(engine.dialect)
        self._clean = without_nul if engine.dialect.name == "postgresql" else _unchanged
        self._clear()

    # buffered writes

    def add_crawl(self, row: CrawlRow) -> None:
        with self._lock:
            self._buf.crawls.setdefault(row.crawl_id, row)
            self._added()

    def finish_crawl(
        self, crawl_id: str, finished_at: datetime, stats: dict[str, Any] | None
    ) -> None:
        with self._lock:
            self._buf.finished[crawl_id] = (finished_at, stats)
            self._added()

    def add_capture(self, row: CaptureRow) -> None:
        with self._lock:
            pending = self._buf.captures.get(row.record_id)
            if pending is None:
                self._buf.captures[row.record_id] = row
            elif pending.content_hash is None and row.content_hash is not None:
                self._buf.captures[row.record_id] = dataclasses.replace(
                    pending, content_hash=row.content_hash
                )
            self._added()

    def set_capture_content_hash(self, record_id: str, content_hash: str) -> None:
        """Record that a capture (added now or earlier) holds the article ``content_hash``."""
        with self._lock:
            pending = self._buf.captures.get(record_id)
            if pending is not None:
                self._buf.captures[record_id] = dataclasses.replace(pending, content_hash=content_hash)
            else:
                self._buf.capture_hashes[record_id] = content_hash
            self._added()

    def add_derived(self, row: DerivedRecordRow) -> None:
        with self._lock:
            self._buf.derived.setdefault(row.record_id, row)
            self._added()

    def add_article(self, row: ArticleRow) -> None:
        with self._lock:
            pending = self._buf.articles.get(row.content_hash)
            self._buf.articles[row.content_hash] = row if pending is None else _merge(pending, row)
            self._added()

    def add_topic_match(self, row: TopicMatchRow) -> None:
        with self._lock:
            key = (row.query, row.content_hash)
            pending = self._buf.matches.get(key)
            if pending is None or row.score > pending.score:
                self._buf.matches[key] = row
            self._added()

    def pending(self) -> int:
        """How many buffered writes are not yet in the database."""
        with self._lock:
            return self._buf.pending + sum(batch.pending for batch, _ in self._batches)

    def flush(self) -> None:
        """Write everything buffered (one transaction per batch) and wait for
        background writes. On error the unwritten batches are kept, to be
        retried by the next flush, and the error is raised."""
        with self._lock:
            self._hand_over()
            self._wait(keep=0)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.close()

    # lookups (read through the buffer: flush first)

    def article(self, content_hash: str) -> ArticleRow | None:
        rows = self._fetch(_select(articles, ARTICLE_FIELDS).where(
            articles.c.content_hash == content_hash
        ))
        return ArticleRow(**rows[0]) if rows else None

    def crawl(self, crawl_id: str) -> CrawlRow | None:
        rows = self._fetch(_select(crawls, CRAWL_FIELDS).where(crawls.c.crawl_id == crawl_id))
        return CrawlRow(**rows[0]) if rows else None

    def capture(self, record_id: str) -> CaptureRow | None:
        rows = self._fetch(
            _select(captures, CAPTURE_FIELDS).where(captures.c.record_id == record_id)
        )
        return CaptureRow(**rows[0]) if rows else None

    def latest_capture(self, url: str) -> CaptureRow | None:
        """The newest capture whose URL or canonical URL is ``url``."""
        rows = self._fetch(
            _select(captures, CAPTURE_FIELDS)
            .where(sa.or_(captures.c.url == url, captures.c.canonical_url == url))
            .order_by(captures.c.fetched_at.desc(), captures.c.id.desc())
            .limit(1)
        )
        return CaptureRow(**rows[0]) if rows else None

    def captures_for_url(self, url: str) -> list[CaptureRow]:
        """Every capture whose URL or canonical URL is ``url``, oldest first."""
        rows = self._fetch(
            _select(captures, CAPTURE_FIELDS)
            .where(sa.or_(captures.c.url == url, captures.c.canonical_url == url))
            .order_by(captures.c.fetched_at, captures.c.id)
        )
        return [CaptureRow(**row) for row in rows]

    def captures_for_hash(self, content_hash: str) -> list[CaptureRow]:
        """Every capture of the article ``content_hash``, oldest first."""
        rows = self._fetch(
            _select(captures, CAPTURE_FIELDS)
            .where(captures.c.content_hash == content_hash)
            .order_by(captures.c.fetched_at, captures.c.id)
        )
        return [CaptureRow(**row) for row in rows]

    def topic_matches(self, content_hash: str) -> list[TopicMatchRow]:
        """The topics an article matched, best score first."""
        rows = self._fetch(
            sa.select(
                topics.c.query,
                topic_matches.c.content_hash,
                topic_matches.c.score,
                topic_matches.c.crawl_id,
            )
            .join(topics, topics.c.id == topic_matches.c.topic_id)
            .where(topic_matches.c.content_hash == content_hash)
            .order_by(topic_matches.c.score.desc(), topics.c.query)
        )
        return [TopicMatchRow(**row) for row in rows]

    def iter_captures(self) -> Iterator[CaptureRow]:
        """Every capture, oldest first (streamed)."""
        query = _select(captures, CAPTURE_FIELDS).order_by(captures.c.fetched_at, captures.c.id)
        for row in self._stream(query):
            yield CaptureRow(**row)

    def iter_derived(self) -> Iterator[DerivedRecordRow]:
        """Every conversion and metadata record, in insertion order (streamed)."""
        query = _select(derived_records, DERIVED_FIELDS).order_by(derived_records.c.id)
        for row in self._stream(query):
            yield DerivedRecordRow(**row)

    def capture_states(self) -> Iterator[CaptureRow]:
        """The latest capture of every canonical URL (streamed, in no particular order).

        Ties on fetched_at go to the capture indexed last.
        """
        c = captures
        order = (c.c.fetched_at.desc(), c.c.id.desc())
        if self.engine.dialect.name == "postgresql":
            query = (
                _select(c, CAPTURE_FIELDS)
                .ext(postgresql.distinct_on(c.c.canonical_url))
                .order_by(c.c.canonical_url, *order)
            )
        else:
            ranked = sa.select(
                *(c.c[name] for name in CAPTURE_FIELDS),
                sa.func.row_number()
                .over(partition_by=c.c.canonical_url, order_by=order)
                .label("rank"),
            ).subquery()
            query = sa.select(*(ranked.c[name] for name in CAPTURE_FIELDS)).where(
                ranked.c.rank == 1
            )
        for row in self._stream(query):
            yield CaptureRow(**row)

    # internals

    def _clear(self) -> None:
        self._buf = _Buffer()

    def _added(self) -> None:
        self._buf.pending += 1
        if self._buf.pending >= self.batch_size and not self._replaying:
            self._hand_over()
            # Background mode: go on buffering while the writer thread works, but
            # never let more than MAX_BACKLOG batches pile up (backpressure).
            self._wait(keep=0 if self._writer is None else MAX_BACKLOG)

    def _hand_over(self) -> None:
        """Move the current buffer to the queue of batches to write."""
        if self._buf.pending:
            batch, self._buf = self._buf, _Buffer()
            future = self._writer.submit(self._write_batch, batch) if self._writer else None
            self._batches.append((batch, future))

    def _wait(self, keep: int) -> None:
        """Write (or wait for) queued batches, oldest first, until `keep` remain.

        On a failure every unwritten batch goes back into the buffer, merged
        with what was added since, so that the next flush retries it all in one
        transaction (and a later add can mend it, e.g. a missing crawl row)."""
        while len(self._batches) > keep:
            batch, future = self._batches.popleft()
            try:
                if future is None:
                    self._write_batch(batch)
                else:
                    future.result()
            except BaseException:
                failed = [batch]
                while self._batches:
                    later, later_future = self._batches.popleft()
                    try:
                        if later_future is None:
                            raise RuntimeError("not written")
                        later_future.result()
                    except BaseException:
                        failed.append(later)
                self._restore(failed)
                raise

    def _restore(self, failed: list["_Buffer"]) -> None:
        newer, self._buf = self._buf, _Buffer()
        self._replaying = True
        try:
            for batch in (*failed, newer):
                for row in batch.crawls.values():
                    self.add_crawl(row)
                for crawl_id, (finished_at, stats) in batch.finished.items():
                    self.finish_crawl(crawl_id, finished_at, stats)
                for row in batch.articles.values():
                    self.add_article(row)
                for row in batch.captures.values():
                    self.add_capture(row)
                for record_id, content_hash in batch.capture_hashes.items():
                    self.set_capture_content_hash(record_id, content_hash)
                for row in batch.derived.values():
                    self.add_derived(row)
                for row in batch.matches.values():
                    self.add_topic_match(row)
        finally:
            self._replaying = False

    def _write_batch(self, batch: "_Buffer") -> None:
        new_topic_ids: dict[str, int] = {}
        with connect(self.engine, begin=True) as conn:
            if not self._fts_tuned:
                _tune_sqlite_fts(conn)
            self._write(conn, batch, new_topic_ids)
        self._fts_tuned = True
        self._topic_ids.update(new_topic_ids)
        logger.debug("index: wrote %d buffered rows", batch.pending)

    def _write(self, conn: sa.Connection, buf: "_Buffer", new_topic_ids: dict[str, int]) -> None:
        st, clean = self._statements, self._clean

        if buf.crawls:
            conn.execute(
                st.crawls, clean([_params(row, CRAWL_FIELDS) for row in buf.crawls.values()])
            )
        if buf.finished:
            conn.execute(
                st.finish_crawl,
                clean([
                    {"b_crawl_id": crawl_id, "b_finished_at": finished_at, "b_stats": stats}
                    for crawl_id, (finished_at, stats) in buf.finished.items()
                ]),
            )
        if buf.articles:
            st.articles.execute(conn, map(st.articles.values, buf.articles.values()))
        sightings: list[tuple[str, datetime, str | None, str]] = []
        if buf.captures:
            st.captures.execute(conn, map(st.captures.values, buf.captures.values()))
            sightings.extend(
                (r.content_hash, r.fetched_at, r.site, r.url)
                for r in buf.captures.values()
                if r.content_hash is not None
            )
        if buf.capture_hashes:
            conn.execute(
                st.set_capture_hash,
                [{"b_record_id": k, "b_hash": v} for k, v in buf.capture_hashes.items()],
            )
            sightings.extend(_sightings_of(conn, buf.capture_hashes))
        # A sighting inside the span of an article written in this batch changes
        # nothing (the upsert above made the stored span at least that wide): the
        # usual case of a live crawl, which adds each article with its capture.
        sightings = [s for s in sightings if not _within(buf.articles.get(s[0]), s[1])]
        if sightings:
            st.widen_article.execute(conn, _widenings(sightings))
        if buf.derived:
            st.derived.execute(conn, map(st.derived.values, buf.derived.values()))
        if buf.matches:
            topic_ids = self._resolve_topics(
                conn, {r.query for r in buf.matches.values()}, new_topic_ids
            )
            st.topic_matches.execute(
                conn,
                [
                    (topic_ids[r.query], r.content_hash, float(r.score), r.crawl_id)
                    for r in buf.matches.values()
                ],
            )

    def _resolve_topics(
        self, conn: sa.Connection, queries: set[str], new_topic_ids: dict[str, int]
    ) -> dict[str, int]:
        known = {q: self._topic_ids[q] for q in queries if q in self._topic_ids}
        missing = sorted(queries - known.keys())
        if missing:
            conn.execute(self._statements.topics, [{"query": q} for q in missing])
            for chunk in _chunks(missing, 500):
                for topic_id, query in conn.execute(
                    sa.select(topics.c.id, topics.c.query).where(topics.c.query.in_(chunk))
                ):
                    new_topic_ids[query] = topic_id
            known.update(new_topic_ids)
        return known

    def _fetch(self, query: sa.Select) -> list[dict[str, Any]]:
        self.flush()
        with connect(self.engine) as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def _stream(self, query: sa.Select) -> Iterator[dict[str, Any]]:
        self.flush()
        with connect(self.engine) as conn:
            result = conn.execution_options(yield_per=STREAM_BATCH).execute(query)
            for row in result.mappings():
                yield dict(row)


def _unchanged(value: Any) -> Any:
    return value


# SQLite FTS5 merge policy for a write-heavy index. Every batch's commit flushes a
# new segment; FTS5 merges segments once `automerge` of them sit on one level
# (default 4) and at once when `crisismerge` do (default 16). Merging 16 at a
# time writes each entry fewer times over the index's life: measured on 15,000
# Zipf-text articles (as bench/bench_index.py makes them), 15-20% less FTS insert
# CPU and no measurable change in MATCH + bm25 query time. Runtime configuration
# that FTS5 keeps in its own config table: no schema change, nothing to migrate.
SQLITE_FTS_CONFIG = {"automerge": 16, "crisismerge": 64}


def _tune_sqlite_fts(conn: sa.Connection) -> None:
    """Set SQLITE_FTS_CONFIG on the articles_fts table where it differs (once per Index)."""
    if conn.dialect.name != "sqlite" or conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'articles_fts_config'"
    ).first() is None:
        return
    current = dict(conn.exec_driver_sql("SELECT k, v FROM articles_fts_config").all())
    for key, value in SQLITE_FTS_CONFIG.items():
        if current.get(key) != value:
            conn.exec_driver_sql(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES (?, ?)", (key, value)
            )


def _merge(old: ArticleRow, new: ArticleRow) -> ArticleRow:
    """Two sightings of one article: the first one's fields, the widest seen span."""
    earliest = new if new.first_seen < old.first_seen else old
    return dataclasses.replace(
        old,
        first_seen=earliest.first_seen,
        first_site=earliest.first_site,
        first_url=earliest.first_url,
        last_seen=max(old.last_seen, new.last_seen),
    )


def _sightings_of(
    conn: sa.Connection, capture_hashes: dict[str, str]
) -> Iterator[tuple[str, datetime, str | None, str]]:
    for chunk in _chunks(sorted(capture_hashes), 500):
        query = sa.select(
            captures.c.record_id, captures.c.fetched_at, captures.c.site, captures.c.url
        ).where(captures.c.record_id.in_(chunk))
        for record_id, fetched_at, site, url in conn.execute(query):
            yield capture_hashes[record_id], fetched_at, site, url


def _within(article: ArticleRow | None, fetched_at: datetime) -> bool:
    """Whether a sighting at ``fetched_at`` lies inside a buffered article's span."""
    if article is None:
        return False
    try:
        return article.first_seen <= fetched_at <= article.last_seen
    except TypeError:  # naive and aware datetimes mixed: let the database compare them
        return False


WIDEN_FIELDS = ("b_hash", "b_first", "b_site", "b_url", "b_last")


def _widenings(sightings: Iterable[tuple[str, datetime, str | None, str]]) -> list[tuple]:
    """One parameter set per article (WIDEN_FIELDS): its earliest sighting (with
    site/url) and latest time."""
    spans: dict[str, list[Any]] = {}
    for content_hash, fetched_at, site, url in sightings:
        span = spans.get(content_hash)
        if span is None:
            spans[content_hash] = [content_hash, fetched_at, site, url, fetched_at]
            continue
        if fetched_at < span[1]:
            span[1:4] = [fetched_at, site, url]
        if fetched_at > span[4]:
            span[4] = fetched_at
    return [tuple(span) for span in spans.values()]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select(table: sa.Table, names: tuple[str, ...]) -> sa.Select:
    return sa.select(*(table.c[name] for name in names))


class _Many:
    """A Core statement run with many parameter sets, through the driver.

    ``build(values)`` makes the statement: with ``values=None`` the one-row
    form, else a multi-row ``INSERT ... VALUES (...), (...)`` of the given
    bind parameters. Each form is compiled once for the dialect (exactly the
    SQL ``Connection.execute`` would send). Parameter sets are tuples of values
    in the order of ``keys``, converted by the bind processors SQLAlchemy has
    for those parameters' types (JSON, UTC timestamps), and on PostgreSQL
    cleaned of NUL characters first. Statements run with ``exec_driver_sql``:
    errors are the usual SQLAlchemy exceptions, in the connection's transaction.

    On SQLite, inserts (``multi_row``) go in multi-row statements of 2**k rows
    and at most ``MULTI_ROW_PARAMS`` parameters: one sqlite3 step (one release
    of the GIL; the triggers still run per row inside it) per statement instead
    of per row, which matters when the background index writer shares the GIL
    with the crawl, and few statement shapes to compile. PostgreSQL uses the
    driver's executemany (pipelined by psycopg).
    """

    MULTI_ROW_PARAMS = 999  # SQLite's historical bound parameter limit: safe everywhere

    def __init__(self, build, dialect: sa.Dialect, keys: tuple[str, ...], *,
                 multi_row: bool = False) -> None:
        self.keys = keys
        self._build = build
        self._dialect = dialect
        self._index = {key: i for i, key in enumerate(keys)}
        statement = build(None)
        self.sql, order, binds = self._compile(
            statement, column_keys=isinstance(statement, sa.Insert)
        )
        self._order: tuple[int, ...] | None = (
            tuple(self._index[name] for name in order) if order is not None else None
        )
        if order is None and set(binds) != set(keys):  # pragma: no cover - programming error
            raise ValueError(f"parameters {sorted(binds)} are not {sorted(keys)}")
        self._convert = tuple(
            (self._index[name], processor)
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        self._clean = dialect.name == "postgresql"
        # Statements of 2**k rows only, so that few shapes are ever compiled.
        most = self.MULTI_ROW_PARAMS // len(keys)
        self._rows_per_statement = (
            1 << (most.bit_length() - 1) if multi_row and dialect.name == "sqlite" and most else 1
        )
        self._multi: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {}
        self.values = attrgetter(*keys)  # a row dataclass -> its values in `keys` order

    def _compile(self, statement, *, column_keys: bool):
        compiled = statement.compile(
            dialect=self._dialect, column_keys=list(self.keys) if column_keys else None
        )
        order = tuple(compiled.positiontup) if compiled.positional else None
        return compiled.string, order, compiled.binds

    def _multi_row(self, count: int) -> tuple[str, tuple[tuple[int, int], ...]]:
        """SQL of a `count`-row insert and, per positional parameter, (row, key index)."""
        cached = self._multi.get(count)
        if cached is None:
            where: dict[str, tuple[int, int]] = {}
            values = []
            for row in range(count):
                params = {}
                for key, i in self._index.items():
                    name = f"r{row}_{key}"
                    params[key] = sa.bindparam(name)
                    where[name] = (row, i)
                values.append(params)
            sql, order, _ = self._compile(self._build(values), column_keys=False)
            cached = self._multi[count] = (sql, tuple(where[name] for name in order))
        return cached

    def parameters(self, rows: Iterable[tuple]) -> list[list]:
        """Each row as a list of converted values in `keys` order."""
        convert, clean = self._convert, self._clean
        out = []
        for row in rows:
            row = [without_nul(value) for value in row] if clean else list(row)
            for i, processor in convert:
                row[i] = processor(row[i])
            out.append(row)
        return out

    def execute(self, conn: sa.Connection, rows: Iterable[tuple]) -> None:
        parameters = self.parameters(rows)
        most = self._rows_per_statement
        if most > 1:
            start, total = 0, len(parameters)
            while start < total:
                size = min(most, 1 << ((total - start).bit_length() - 1))
                chunk = parameters[start:start + size]
                sql, where = self._multi_row(size)
                conn.exec_driver_sql(sql, tuple([chunk[row][i] for row, i in where]))
                start += size
            return
        if not parameters:
            return
        order = self._order
        if order is not None:
            conn.exec_driver_sql(self.sql, [tuple([row[i] for i in order]) for row in parameters])
        else:
            keys = self.keys
            conn.exec_driver_sql(self.sql, [dict(zip(keys, row)) for row in parameters])


class _Statements:
    """The per-dialect upsert statements, compiled once per Index."""

    def __init__(self, dialect: sa.Dialect) -> None:
        dialect_name = dialect.name
        if dialect_name == "postgresql":
            insert = postgresql.insert
        elif dialect_name == "sqlite":
            insert = sqlite.insert
        else:
            raise ValueError(f"unsupported database dialect {dialect_name!r}")

        def values(table, rows):  # one-row form (rows None) or multi-row VALUES
            return insert(table) if rows is None else insert(table).values(rows)

        self.crawls = insert(crawls).on_conflict_do_nothing(index_elements=["crawl_id"])
        self.finish_crawl = (
            sa.update(crawls)
            .where(crawls.c.crawl_id == sa.bindparam("b_crawl_id"))
            .values(finished_at=sa.bindparam("b_finished_at"), stats=sa.bindparam("b_stats"))
        )

        a = articles

        def upsert_articles(rows):
            stmt = values(a, rows)
            new = stmt.excluded
            earlier = new.first_seen < a.c.first_seen
            later = new.last_seen > a.c.last_seen
            return stmt.on_conflict_do_update(
                index_elements=["content_hash"],
                set_={
                    "first_seen": sa.case((earlier, new.first_seen), else_=a.c.first_seen),
                    "first_site": sa.case((earlier, new.first_site), else_=a.c.first_site),
                    "first_url": sa.case((earlier, new.first_url), else_=a.c.first_url),
                    "last_seen": sa.case((later, new.last_seen), else_=a.c.last_seen),
                },
                where=sa.or_(earlier, later),
            )

        self.articles = _Many(upsert_articles, dialect, ARTICLE_FIELDS, multi_row=True)

        def upsert_captures(rows):
            stmt = values(captures, rows)
            return stmt.on_conflict_do_update(
                index_elements=["record_id"],
                set_={"content_hash": stmt.excluded.content_hash},
                where=sa.and_(
                    captures.c.content_hash.is_(None), stmt.excluded.content_hash.is_not(None)
                ),
            )

        self.captures = _Many(upsert_captures, dialect, CAPTURE_FIELDS, multi_row=True)
        self.set_capture_hash = (
            sa.update(captures)
            .where(captures.c.record_id == sa.bindparam("b_record_id"))
            .values(content_hash=sa.bindparam("b_hash"))
        )

        first = sa.bindparam("b_first", type_=UTCDateTime())
        last = sa.bindparam("b_last", type_=UTCDateTime())
        earlier = a.c.first_seen > first
        later = a.c.last_seen < last
        widen = (
            sa.update(a)
            .where(a.c.content_hash == sa.bindparam("b_hash"), sa.or_(earlier, later))
            .values(
                first_seen=sa.case((earlier, first), else_=a.c.first_seen),
                first_site=sa.case((earlier, sa.bindparam("b_site")), else_=a.c.first_site),
                first_url=sa.case((earlier, sa.bindparam("b_url")), else_=a.c.first_url),
                last_seen=sa.case((later, last), else_=a.c.last_seen),
            )
        )
        self.widen_article = _Many(lambda rows: widen, dialect, WIDEN_FIELDS)

        self.derived = _Many(
            lambda rows: values(derived_records, rows).on_conflict_do_nothing(
                index_elements=["record_id"]),
            dialect, DERIVED_FIELDS, multi_row=True,
        )
        self.topics = insert(topics).on_conflict_do_nothing(index_elements=["query"])

        def upsert_topic_matches(rows):
            stmt = values(topic_matches, rows)
            return stmt.on_conflict_do_update(
                index_elements=["topic_id", "content_hash"],
                set_={"score": stmt.excluded.score, "crawl_id": stmt.excluded.crawl_id},
                where=stmt.excluded.score > topic_matches.c.score,
            )

        self.topic_matches = _Many(upsert_topic_matches, dialect, TOPIC_MATCH_FIELDS,
                                   multi_row=True)


# --- whole-database comparison ---

_NOT_DUMPED = {"id", "search_vector"}


def dump_tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every index table as a sorted list of row dicts, without surrogate ids.

    ``topic_matches`` names its topic by ``query`` instead of ``topic_id``.
    Full-text internals and Alembic's version table are left out. Two
    databases with equal dumps hold the same data (e.g. live vs reindexed).
    """
    dump: dict[str, list[dict[str, Any]]] = {}
    with connect(engine) as conn:
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
