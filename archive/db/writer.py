"""The index writer: buffered, idempotent batch writes, optionally on a background thread.

Writes are buffered and flushed in one transaction per batch, one
``executemany`` per table (SQLAlchemy's own: on SQLite and PostgreSQL its
"insertmanyvalues" batches an INSERT's rows into multi-row VALUES), in an
order that satisfies the foreign keys. Every write is an upsert, so adding the
same rows again (a re-run, a reindex from the WARC files) changes nothing.
Reading is the query layer's job (`archive.query`); flush before reading what
was just added.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from archive.db.dialects import Backend, backend
from archive.db.engine import connect
from archive.db.models import (
    UTCDateTime,
    articles,
    captures,
    crawls,
    derived_records,
    topic_matches,
    topics,
    warc_files,
)
from archive.db.rows import (
    ARTICLE_FIELDS,
    CAPTURE_FIELDS,
    CRAWL_FIELDS,
    DERIVED_FIELDS,
    ArticleRow,
    CaptureRow,
    CrawlRow,
    DerivedRecordRow,
    TopicMatchRow,
)
from archive.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)

MAX_BACKLOG = 2  # full batches a background writer may be behind by
# While the database is unreachable, batches are held and retried with a growing pause.
OUTAGE_RETRY_FIRST_S = 1.0
OUTAGE_RETRY_MAX_S = 15.0
# Deadlock detected, serialization failure: a concurrent writer won; run the batch again.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 6


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
    marks: dict[str, int] = field(default_factory=dict)  # WARC file -> indexed to (bytes)
    pending: int = 0


class IndexWriter:
    """Buffered writer of the index tables.

    ``add_*`` calls only buffer rows; once ``batch_size`` rows are waiting
    (or on ``flush()``/``close()``) they are written in one
    transaction. Thread-safe. Write order inside a batch: crawls, articles,
    captures, derived records, topics, topic matches; so add an article no
    later than the batch in which a capture refers to it.

    Upsert rules: crawls, captures, derived records do nothing on conflict
    (a re-added capture only fills a missing content_hash). Articles keep
    their first stored fields, with first_seen = min, last_seen = max and
    first_site/first_url of the earliest sighting; a capture that carries a
    content_hash widens its article's first/last seen the same way. Topic
    matches keep the highest score (and that score's crawl_id).

    High-water marks (``mark(filename, end)``): the end of the last WARC record whose
    rows were added; written in the same transaction as the batch it ends, so a
    committed mark promises that every record before it is indexed.

    Database outages (the connection cannot be opened or drops): the batch is held, in
    order, and retried with a growing pause (1 s to 15 s) whenever a later batch is due,
    so the caller never waits for a dead database and sees no error. One warning when
    the database goes, one when it is back; ``outages`` and ``outage_retries`` count
    them. At most ``max_held_rows`` rows are held: beyond that the oldest batches are
    dropped (``rows_dropped``) and no later mark is written, which leaves their records
    to the WARC catch-up of the next open. ``flush()`` tries the held batches once
    and raises DatabaseUnavailable while the database is still down.

    Any other failed flush raises and keeps the buffer, so it can be retried. On
    PostgreSQL, NUL characters (which it cannot store) become U+FFFD.
    """

    def __init__(self, engine: Engine, batch_size: int = 500, *, background: bool = False,
                 max_held_rows: int = 200_000) -> None:
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
        self._batches: deque[tuple[_Buffer, Future[None] | None]] = deque()  # (batch, future | None), oldest first
        self._replaying = False
        self._backend = backend(engine)
        self._prepared = False
        self._topic_ids: dict[str, int] = {}
        self.retries = 0  # batches run again after a deadlock or serialization failure
        self._statements = _Statements(self._backend)
        self._buf = _Buffer()
        # database outages: batches not yet written, oldest first (see the class docstring)
        self.max_held_rows = max_held_rows
        self._held: deque[_Buffer] = deque()
        self._held_lock = threading.Lock()
        self._down_since: float | None = None
        self._next_try = 0.0
        self._pause = OUTAGE_RETRY_FIRST_S
        self._marks_frozen = False
        self.outages = 0  # times the database went away
        self.outage_retries = 0  # attempts to write held batches while it was away
        self.rows_dropped = 0  # held rows given up (their records wait for the WARC catch-up)

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

    def mark(self, filename: str, indexed_to: int) -> None:
        """Every record of WARC file `filename` before byte `indexed_to` has had its rows
        added: the mark is committed with the batch that holds the last of them."""
        with self._lock:
            marks = self._buf.marks
            if indexed_to > marks.get(filename, -1):
                marks[filename] = indexed_to

    def pending(self) -> int:
        """How many buffered writes are not yet in the database."""
        with self._lock:
            with self._held_lock:
                held = sum(batch.pending for batch in self._held)
            return self._buf.pending + held + sum(batch.pending for batch, _ in self._batches)

    @property
    def database_down(self) -> bool:
        """Whether the last attempt to write found the database unreachable."""
        return self._down_since is not None

    def flush(self) -> None:
        """Write everything buffered (one transaction per batch) and wait for
        background writes. On error the unwritten batches are kept, to be
        retried by the next flush, and the error is raised (DatabaseUnavailable
        while the database is unreachable)."""
        with self._lock:
            self._hand_over()
            self._wait(keep=0)
            with self._held_lock:
                self._drain(force=True)
                if self._held:
                    rows = sum(batch.pending for batch in self._held)
                    raise DatabaseUnavailable(
                        f"the index database is unreachable; {rows} index write(s) held")

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.close()

    # internals

    def _added(self) -> None:
        self._buf.pending += 1
        if self._buf.pending >= self.batch_size and not self._replaying:
            self._hand_over()
            # Background mode: go on buffering while the writer thread works, but
            # never let more than MAX_BACKLOG batches pile up (backpressure).
            self._wait(keep=0 if self._writer is None else MAX_BACKLOG)

    def _hand_over(self) -> None:
        """Move the current buffer to the queue of batches to write."""
        if self._buf.pending or self._buf.marks:
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

    def _restore(self, failed: list[_Buffer]) -> None:
        newer, self._buf = self._buf, _Buffer()
        self._replaying = True
        try:
            for batch in (*failed, newer):
                for crawl in batch.crawls.values():
                    self.add_crawl(crawl)
                for crawl_id, (finished_at, stats) in batch.finished.items():
                    self.finish_crawl(crawl_id, finished_at, stats)
                for article in batch.articles.values():
                    self.add_article(article)
                for capture in batch.captures.values():
                    self.add_capture(capture)
                for record_id, content_hash in batch.capture_hashes.items():
                    self.set_capture_content_hash(record_id, content_hash)
                for derived in batch.derived.values():
                    self.add_derived(derived)
                for match in batch.matches.values():
                    self.add_topic_match(match)
                for filename, indexed_to in batch.marks.items():
                    self.mark(filename, indexed_to)
        finally:
            self._replaying = False

    def _write_batch(self, batch: _Buffer) -> None:
        """Write `batch` after the held ones (in order); hold it while the database is down."""
        with self._held_lock:
            self._held.append(batch)
            try:
                self._drain(force=False)
            except BaseException:
                if any(held is batch for held in self._held):
                    self._held.remove(batch)  # the caller gets it back (_wait)
                raise

    def _drain(self, *, force: bool) -> None:
        """Write the held batches, oldest first, unless the database is down and its
        next retry is not due (`force`: try now). Caller holds `_held_lock`."""
        if self._down_since is not None and not force and time.monotonic() < self._next_try:
            self._bound_held()
            return
        while self._held:
            batch = self._held[0]
            try:
                self._write_one(batch)
            except DatabaseUnavailable as exc:
                self._went_down(exc)
                self._bound_held()
                return
            except BaseException:
                self._held.popleft()  # not an outage: the caller gets it back (_wait)
                raise
            self._held.popleft()
            if self._down_since is not None:
                logger.warning("index: the database is back after %.0f s; writing the held "
                               "index rows", time.monotonic() - self._down_since)
                self._down_since = None
                self._pause = OUTAGE_RETRY_FIRST_S

    def _went_down(self, exc: DatabaseUnavailable) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            self.outages += 1
            logger.warning("index: the database is unreachable (%s); holding index rows and "
                           "retrying (the WARC files keep everything)", exc)
        else:
            self.outage_retries += 1
            self._pause = min(self._pause * 2, OUTAGE_RETRY_MAX_S)
        self._next_try = now + self._pause

    def _bound_held(self) -> None:
        """Drop the oldest held batches beyond `max_held_rows`: their records stay in the
        WARC files, and no later mark is written, so the next open indexes them."""
        held = sum(batch.pending for batch in self._held)
        while held > self.max_held_rows and len(self._held) > 1:
            dropped = self._held.popleft()
            held -= dropped.pending
            self.rows_dropped += dropped.pending
            if not self._marks_frozen:
                self._marks_frozen = True
                logger.warning("index: more than %d index rows held while the database is "
                               "down; dropping the oldest (their WARC records are indexed at "
                               "the next start)", self.max_held_rows)

    def _write_one(self, batch: _Buffer) -> None:
        """One batch in one transaction; DatabaseUnavailable when the database is unreachable."""
        try:
            self._write_attempts(batch)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            if exc.connection_invalidated or _is_unavailable(exc):
                raise DatabaseUnavailable(_one_line(exc.orig or exc)) from None
            raise

    def _write_attempts(self, batch: _Buffer) -> None:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            new_topic_ids: dict[str, int] = {}
            try:
                with connect(self.engine, begin=True) as conn:
                    if not self._prepared:
                        self._backend.prepare_writes(conn)
                    self._write(conn, batch, new_topic_ids)
                    if batch.marks and not self._marks_frozen:
                        conn.execute(self._statements.marks, [
                            {"filename": name, "indexed_to": end}
                            for name, end in sorted(batch.marks.items())])
                break
            except sa.exc.DBAPIError as exc:
                # Several processes write one database (crawler nodes): a deadlock or a
                # serialization failure rolls the whole batch back; the upserts are
                # idempotent, so running it again is exactly right.
                state = getattr(exc.orig, "sqlstate", None)
                if state not in RETRY_SQLSTATES or attempt == WRITE_ATTEMPTS:
                    raise
                logger.info("index: batch rolled back (SQLSTATE %s), retrying (%d of %d)",
                            state, attempt, WRITE_ATTEMPTS - 1)
                self.retries += 1
                time.sleep(random.uniform(0.02, 0.1) * attempt)
        self._prepared = True
        self._topic_ids.update(new_topic_ids)
        logger.debug("index: wrote %d buffered rows", batch.pending)

    def _write(self, conn: sa.Connection, buf: _Buffer, new_topic_ids: dict[str, int]) -> None:
        st, clean = self._statements, self._backend.clean

        def rows(values: Iterable[Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
            return [clean(_params(row, names)) for row in values]

        if buf.crawls:
            conn.execute(st.crawls, rows(buf.crawls.values(), CRAWL_FIELDS))
        if buf.finished:
            conn.execute(
                st.finish_crawl,
                clean([
                    {"b_crawl_id": crawl_id, "b_finished_at": finished_at, "b_stats": stats}
                    for crawl_id, (finished_at, stats) in buf.finished.items()
                ]),
            )
        # Every table's rows in key order: concurrent writers (crawler nodes) then take
        # row locks in the same order; the retry in _write_batch handles what is left.
        if buf.articles:
            conn.execute(st.articles, rows(_by_key(buf.articles), ARTICLE_FIELDS))
        sightings: list[tuple[str, datetime, str | None, str]] = []
        if buf.captures:
            conn.execute(st.captures, rows(_by_key(buf.captures), CAPTURE_FIELDS))
            sightings.extend(
                (r.content_hash, r.fetched_at, r.site, r.url)
                for r in buf.captures.values()
                if r.content_hash is not None
            )
        if buf.capture_hashes:
            conn.execute(
                st.set_capture_hash,
                [{"b_record_id": k, "b_hash": v} for k, v in sorted(buf.capture_hashes.items())],
            )
            sightings.extend(_sightings_of(conn, buf.capture_hashes))
        # A sighting inside the span of an article written in this batch changes
        # nothing (the upsert above made the stored span at least that wide): the
        # usual case of a live crawl, which adds each article with its capture.
        sightings = [s for s in sightings if not _within(buf.articles.get(s[0]), s[1])]
        if sightings:
            widenings = sorted(_widenings(sightings), key=lambda w: w["b_hash"])
            conn.execute(st.widen_article, clean(widenings))
        if buf.derived:
            conn.execute(st.derived, rows(_by_key(buf.derived), DERIVED_FIELDS))
        if buf.matches:
            topic_ids = self._resolve_topics(
                conn, {r.query for r in buf.matches.values()}, new_topic_ids
            )
            conn.execute(st.topic_matches, [
                {"topic_id": topic_ids[r.query], "content_hash": r.content_hash,
                 "score": float(r.score), "crawl_id": r.crawl_id}
                for r in sorted(buf.matches.values(),
                                key=lambda r: (topic_ids[r.query], r.content_hash))
            ])

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

# SQLite: the file's disk is full or failing; the database may take writes again later.
_SQLITE_UNAVAILABLE = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")


def _is_unavailable(exc: sa.exc.DBAPIError) -> bool:
    """A lost or refused connection, or a full disk (not a bad statement): PostgreSQL's
    SQLSTATE class 08, a driver error raised before the server answered, SQLite's
    SQLITE_FULL / SQLITE_IOERR / SQLITE_CANTOPEN."""
    name = getattr(exc.orig, "sqlite_errorname", None)
    if name is not None:
        return str(name).startswith(_SQLITE_UNAVAILABLE)
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return str(state).startswith("08") or str(state) in ("57P01", "57P02", "57P03")
    return isinstance(exc, sa.exc.OperationalError) and exc.orig is not None and (
        type(exc.orig).__module__.startswith("psycopg"))


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


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


def _widenings(
    sightings: Iterable[tuple[str, datetime, str | None, str]],
) -> list[dict[str, Any]]:
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
    return [dict(zip(WIDEN_FIELDS, span)) for span in spans.values()]


def _by_key(rows: dict[Any, Any]) -> list[Any]:
    return [rows[key] for key in sorted(rows)]


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]




def _params(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


class _Statements:
    """The upsert statements, built once per writer with the engine's ``insert()``."""

    def __init__(self, backend: Backend) -> None:
        insert = backend.insert
        self.crawls = insert(crawls).on_conflict_do_nothing(index_elements=["crawl_id"])
        self.finish_crawl = (
            sa.update(crawls)
            .where(crawls.c.crawl_id == sa.bindparam("b_crawl_id"))
            .values(finished_at=sa.bindparam("b_finished_at"), stats=sa.bindparam("b_stats"))
        )

        a = articles
        stmt = insert(a)
        new = stmt.excluded
        earlier = new.first_seen < a.c.first_seen
        later = new.last_seen > a.c.last_seen
        self.articles = stmt.on_conflict_do_update(
            index_elements=["content_hash"],
            set_={
                "first_seen": sa.case((earlier, new.first_seen), else_=a.c.first_seen),
                "first_site": sa.case((earlier, new.first_site), else_=a.c.first_site),
                "first_url": sa.case((earlier, new.first_url), else_=a.c.first_url),
                "last_seen": sa.case((later, new.last_seen), else_=a.c.last_seen),
            },
            where=sa.or_(earlier, later),
        )

        stmt = insert(captures)
        self.captures = stmt.on_conflict_do_update(
            index_elements=["record_id"],
            set_={"content_hash": stmt.excluded.content_hash},
            where=sa.and_(
                captures.c.content_hash.is_(None), stmt.excluded.content_hash.is_not(None)
            ),
        )
        self.set_capture_hash = (
            sa.update(captures)
            .where(captures.c.record_id == sa.bindparam("b_record_id"))
            .values(content_hash=sa.bindparam("b_hash"))
        )

        first = sa.bindparam("b_first", type_=UTCDateTime())
        last = sa.bindparam("b_last", type_=UTCDateTime())
        earlier = a.c.first_seen > first
        later = a.c.last_seen < last
        self.widen_article = (
            sa.update(a)
            .where(a.c.content_hash == sa.bindparam("b_hash"), sa.or_(earlier, later))
            .values(
                first_seen=sa.case((earlier, first), else_=a.c.first_seen),
                first_site=sa.case((earlier, sa.bindparam("b_site")), else_=a.c.first_site),
                first_url=sa.case((earlier, sa.bindparam("b_url")), else_=a.c.first_url),
                last_seen=sa.case((later, last), else_=a.c.last_seen),
            )
        )

        self.derived = insert(derived_records).on_conflict_do_nothing(
            index_elements=["record_id"]
        )
        self.topics = insert(topics).on_conflict_do_nothing(index_elements=["query"])

        stmt = insert(warc_files)
        self.marks = stmt.on_conflict_do_update(
            index_elements=["filename"],
            set_={"indexed_to": stmt.excluded.indexed_to},
            where=stmt.excluded.indexed_to > warc_files.c.indexed_to,
        )

        stmt = insert(topic_matches)
        self.topic_matches = stmt.on_conflict_do_update(
            index_elements=["topic_id", "content_hash"],
            set_={"score": stmt.excluded.score, "crawl_id": stmt.excluded.crawl_id},
            where=stmt.excluded.score > topic_matches.c.score,
        )
