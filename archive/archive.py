"""The archive: a folder of WARC files plus the index database that points into them.

`Archive.open()` gives the read side (lookups, reading back responses) and
`Archive.start_crawl()` a `CrawlSession` that writes records and then indexes
them: WARC first, index second. Each committed batch advances its WARC file's
high-water mark, and `start_crawl` (or `archive recover`) first indexes every
record past the marks (archive.catchup), so a crash in between loses nothing and
needs no `reindex`.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from archive import indexing
from archive.db.engine import default_database_url, make_engine, prepare_schema
from archive.db.rows import CaptureRow
from archive.db.writer import IndexWriter
from archive.errors import (
    ArchiveError,
    DatabaseUnavailable,
    DiskFull,
    RecordNotFound,
    WriteStopped,
)
from archive.exchange import CaptureRef, HttpExchange, PreviousCapture, StoredResponse, TopicMatch
from archive.query import captures as captures_query
from archive.query.captures import CaptureInfo
from archive.sites import SiteRegistry
from archive.warc.naming import default_node_id, safe_part
from archive.warc.reader import read_record
from archive.warc.records import RecordLocation, WarcFormatError
from archive.warc.recovery import recover
from archive.warc.writer import WarcWriter

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine

    from archive.query.articles import ArticleView
    from archive.query.search import SearchHit
    from archive.reindex import ReindexReport
    from archive.stories.build import StoryUpdate

logger = logging.getLogger(__name__)
_P = ParamSpec("_P")
_T = TypeVar("_T")

MAX_AHEAD_SIGNATURES = 50_000
"""Story signatures a crawl session keeps for the stories update at its close (about 1.4 KB
each: 70 MB at most); articles beyond that have theirs computed at close."""
SERVER_NOT_MODIFIED = "server-not-modified"
IDENTICAL_PAYLOAD = "identical-payload-digest"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Archive:
    """An open archive. Use `Archive.open(...)`; close it (or use `with`) when done."""

    def __init__(
        self,
        directory: Path,
        database_url: str,
        engine: Engine,
        *,
        warc_prefix: str = "archive",
        warc_max_size: int = 10**9,
        warc_compress_level: int = 2,
        operator: str = "",
        user_agent: str = "",
        robots: str = "obey",
        index_batch_size: int = 500,
        index_background: bool = True,
        node_id: str | None = None,
        index_close_wait: float = 30.0,
        index_max_held_rows: int = 200_000,
        link_stories: bool = True,
    ) -> None:
        self.directory = directory
        # whether a crawl session links its new articles into stories when it closes (off:
        # `archive stories --update` or `update_stories()` does it later, e.g. once after
        # every node of a distributed crawl has finished)
        self.link_stories = link_stories
        # how long a crawl's end waits for an unreachable index database before giving up
        # (what is left is indexed by the next open's catch-up)
        self.index_close_wait = index_close_wait
        self.database_url = database_url
        self.engine = engine
        self.warc_prefix = warc_prefix
        self.warc_max_size = warc_max_size
        self.warc_compress_level = warc_compress_level
        self.operator = operator
        self.user_agent = user_agent
        self.robots = robots
        # The crawler node this process writes as: in its WARC file names, and the only
        # node whose abandoned files its crash recovery touches (default: the host name).
        self.node_id = safe_part(node_id) if node_id else default_node_id()
        # Full batches are written by a background thread so that a crawl never
        # waits for the database; lookups and close() wait for it to catch up.
        # index_max_held_rows: rows held through a database outage (IndexWriter.max_held_rows)
        self.index = IndexWriter(engine, batch_size=index_batch_size,
                                 background=index_background, max_held_rows=index_max_held_rows)
        # the ReindexReport of the last catch-up (recover()), None if nothing was behind
        self.last_catch_up: ReindexReport | None = None

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str],
        database_url: str | None = None,
        *,
        upgrade: bool = False,
        **options: Any,
    ) -> Archive:
        """Open (creating if needed) the archive in `directory`.

        An empty database gets the current schema; an older one raises
        SchemaOutdated unless `upgrade=True`. An unreachable database raises
        DatabaseUnavailable.
        """
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot use {directory} as the archive folder: "
                               f"{_folder_problem(directory, exc)}") from None
        url = database_url or default_database_url(directory)
        engine = make_engine(url)
        try:
            # under a database lock: any number of nodes may open an empty database at once
            prepare_schema(engine, upgrade=upgrade)
        except ArchiveError:
            engine.dispose()
            raise
        return cls(directory, url, engine, **options)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.index.close()
        finally:
            self.engine.dispose()

    # --- writing ---

    def start_crawl(
        self,
        *,
        spider: str,
        topic: str | None = None,
        sites: list[dict[str, Any]] | None = None,
        settings_digest: str = "",
        extra_warcinfo: dict[str, Any] | None = None,
    ) -> CrawlSession:
        """Begin writing: recovers WARC files a crashed writer left open, then
        opens a new rolling WARC file whose warcinfo names this crawl."""
        self._check_one_folder()
        self.recover()
        crawl_id = uuid.uuid4().hex
        warcinfo = {
            "operator": self.operator,
            "http-header-user-agent": self.user_agent,
            "robots": self.robots,
            "isPartOf": crawl_id,
            "description": f"topic crawl: {topic}" if topic else f"{spider} crawl",
            **(extra_warcinfo or {}),
        }
        writer = WarcWriter(
            self.directory,
            prefix=self.warc_prefix,
            max_size=self.warc_max_size,
            warcinfo_fields=warcinfo,
            compress_level=self.warc_compress_level,
            node_id=self.node_id,
        )
        return CrawlSession(
            self, writer, crawl_id=crawl_id, spider=spider, topic=topic,
            sites=list(sites or []), settings_digest=settings_digest,
        )

    def _check_one_folder(self) -> None:
        """Refuse to write where the other nodes' files are not: all nodes of a crawl write
        into one shared WARC folder (see docs/scaling.md). A node given a folder of its own
        while the shared database indexes other nodes' recent files elsewhere would make an
        archive that no reader can follow from the database to the records."""
        import sqlalchemy as sa

        from archive.db.engine import connect
        from archive.db.models import captures
        from archive.warc.naming import OPEN_SUFFIX, node_of

        recent = sa.select(captures.c.warc_filename).order_by(captures.c.id.desc()).limit(200)
        with connect(self.engine) as conn:
            names = {row[0] for row in conn.execute(recent)}
        others = {name for name in names if node_of(name) not in (None, self.node_id)}
        if others and not any((self.directory / name).exists()
                              or (self.directory / (name + OPEN_SUFFIX)).exists() for name in others):
            raise ArchiveError(
                f"the database indexes other nodes' recent WARC files ({len(others)} checked, e.g. "
                f"{sorted(others)[0]}) that are not in {self.directory}: every node of a crawl must "
                "write into the one shared ARCHIVE_DIR"
            )

    def recover(self, *, all_nodes: bool = False) -> list[str]:
        """Finish the WARC files a crash left open (this node's, or `all_nodes`'), then
        index every record the index has not committed (each file from its high-water
        mark, archive.catchup), so no one has to run `reindex` after a crash.
        Returns the names of the files finished."""
        from archive.catchup import catch_up

        names = [name for name, _ in recover(self.directory,
                                             node=None if all_nodes else self.node_id)]
        self.last_catch_up = catch_up(self)
        return names

    # --- querying (notebooks and scripts; see archive.query.api) ---

    def search(self, query: str, **filters: Any) -> list[SearchHit]:
        """Full-text search, best first: list of SearchHit (site, since, until, topic,
        lang, limit, offset as keyword filters)."""
        from archive.query import api

        self.index.flush()  # read what was written so far
        return api.search(self, query, **filters)

    def article(self, ref: str) -> ArticleView:
        """One article (by content hash, unique hash prefix or URL) with its captures
        and versions; raises RecordNotFound."""
        from archive.query import api

        self.index.flush()  # read what was written so far
        return api.article(self, ref)

    def captures(self, **where: Any) -> Iterator[CaptureInfo]:
        """Iterate captures (url=, content_hash=, site=, crawl_id=)."""
        from archive.query import api

        self.index.flush()  # read what was written so far
        return api.captures(self, **where)

    def articles(self, query: str | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
        """Iterate export records (the JSONL export's fields) matching the filters."""
        from archive.query import api

        self.index.flush()  # read what was written so far
        return api.articles(self, query, **filters)

    def dataframe(self, query: str | None = None, **filters: Any) -> pd.DataFrame:
        """A pandas DataFrame of matching articles (needs pandas)."""
        from archive.query import api

        self.index.flush()  # read what was written so far
        return api.dataframe(self, query, **filters)

    def update_stories(self, signatures: Mapping[str, Any] | None = None, *,
                       flush: bool = True) -> StoryUpdate:
        """Link the articles indexed since the last update into stories (archive.stories):
        only new articles are read. Returns a StoryUpdate with the counts. ``signatures``:
        story signatures computed ahead, by content hash (see CrawlSession.add_article).
        ``flush=False``: link only what the index has committed, without waiting for it."""
        from archive.stories import StoryBuilder

        if flush:
            self.index.flush()
        return StoryBuilder().update(self.engine, signatures=signatures)

    # --- reading ---

    def latest_capture(self, url: str) -> PreviousCapture | None:
        """The newest capture of `url` (exact or canonical form), for a conditional re-fetch."""
        self.index.flush()
        row = captures_query.latest_capture(self.engine, url)
        return _previous(row) if row else None

    def capture_states(self) -> Iterator[PreviousCapture]:
        """The latest capture of every canonical URL (for incremental crawls)."""
        self.index.flush()
        for row in captures_query.capture_states(self.engine):
            yield _previous(row)

    def read_response(self, record_id: str) -> StoredResponse:
        """The original HTTP response of a capture, read from its WARC record.

        A revisit is followed to the record it refers to for the body.
        """
        self.index.flush()
        row = captures_query.capture(self.engine, record_id)
        if row is None:
            raise RecordNotFound(f"no capture with record id {record_id}")
        record = read_record(self.directory, _location(row))
        if record.protocol is None or record.status is None or record.reason is None:
            raise WarcFormatError(row.warc_filename, row.warc_offset,
                                  f"{record_id} is not an HTTP response or revisit record")
        if row.record_type == "revisit" and row.refers_to_record_id:
            original = self.read_response(row.refers_to_record_id)
            return StoredResponse(
                url=row.url, protocol=record.protocol, status=record.status,
                reason=record.reason, headers=record.http_headers,
                raw_body=original.raw_body, body=original.body,
                extra={"revisit_of": row.refers_to_record_id},
            )
        return StoredResponse(
            url=row.url, protocol=record.protocol, status=record.status, reason=record.reason,
            headers=record.http_headers, raw_body=record.raw_payload, body=record.decoded_payload(),
        )


class CrawlSession:
    """Writes one crawl's records and their index rows.

    Each call writes its records, adds their rows and then the file's high-water
    mark (under one lock, so the marks follow the file's order). A full disk
    (ENOSPC, EDQUOT) stops the session: the call raises DiskFull, every later
    write raises WriteStopped, and `on_stop(reason)` (if set) is called once, so
    that the crawler stops fetching."""

    def __init__(
        self, archive: Archive, writer: WarcWriter, *, crawl_id: str, spider: str,
        topic: str | None, sites: list[dict[str, Any]], settings_digest: str,
    ) -> None:
        self.archive = archive
        self.writer = writer
        self.index = archive.index
        self.crawl_id = crawl_id
        self.sites = SiteRegistry(sites)  # URL -> site name, as reindex will compute it
        self.stopped: str | None = None  # why writing stopped (a full disk), else None
        self.on_stop: Callable[[str], None] | None = None
        self.index_incomplete = 0  # index writes left to the next catch-up at close
        self._lock = threading.RLock()
        self._signatures: dict[str, Any] = {}  # content hash -> story signature (add_article)
        self._stories_lock = threading.Lock()  # one stories update at a time (link_stories, close)
        started_at = _utcnow()
        fields = indexing.crawl_start_metadata(
            crawl_id=crawl_id, spider=spider, topic=topic, sites=self.sites.records,
            settings_digest=settings_digest, started_at=started_at,
        )
        with self._lock:
            location = self._write(writer.write_metadata, indexing.CRAWL_URN + crawl_id, None,
                                   fields, started_at)
            self.index.add_crawl(indexing.crawl_row(fields))
            self._mark(location)
        self.index.flush()

    def _write(self, method: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Call a WarcWriter method; a full disk stops the session (see the class doc)."""
        if self.stopped is not None:
            raise WriteStopped(self.stopped)
        try:
            return method(*args, **kwargs)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.stopped = (f"no space left for WARC files in {self.archive.directory} "
                            f"({exc.strerror}); the last record written is whole")
            if self.on_stop is not None:
                self.on_stop(self.stopped)
            raise DiskFull(self.stopped) from None

    def _mark(self, *locations: RecordLocation | None) -> None:
        for location in locations:
            if location is not None:
                self.index.mark(location.filename, location.offset + location.length)

    def write_response(self, exchange: HttpExchange) -> CaptureRef:
        """Archive one HTTP exchange (request + response records) and index it.

        The stored site is derived from the URL and the crawl's sites, so that
        reindex finds the same."""
        with self._lock:
            written = self._write(self.writer.write_exchange, exchange)
            self.index.add_capture(
                self._capture_row(exchange, written.response, "response",
                                  written.payload_digest, written.block_digest)
            )
            self._mark(written.response, written.request)
        return CaptureRef(
            record_id=written.response.record_id, url=exchange.url,
            fetched_at=exchange.fetched_at, location=written.response,
            payload_digest=written.payload_digest,
        )

    def write_revisit(
        self, exchange: HttpExchange, previous: PreviousCapture
    ) -> CaptureRef:
        """Archive a re-fetch that brought nothing new: a 304 (server-not-modified)
        or a body whose payload digest equals the previous capture's."""
        profile = SERVER_NOT_MODIFIED if exchange.status == 304 else IDENTICAL_PAYLOAD
        with self._lock:
            written = self._write(
                self.writer.write_revisit, exchange, profile, previous.record_id, previous.url,
                previous.fetched_at, previous.payload_digest,
            )
            self.index.add_capture(
                self._capture_row(
                    exchange, written.response, "revisit", previous.payload_digest,
                    written.block_digest, refers_to=previous.record_id,
                    content_hash=previous.content_hash,
                )
            )
            self._mark(written.response)
        return CaptureRef(
            record_id=written.response.record_id, url=exchange.url,
            fetched_at=exchange.fetched_at, location=written.response,
            payload_digest=previous.payload_digest, record_type="revisit",
            refers_to_record_id=previous.record_id, content_hash=previous.content_hash,
        )

    def add_article(
        self, ref: CaptureRef, result: Any, topics: Iterable[TopicMatch] = (),
        *, content_hash: str | None = None, story_signature: Any = None,
    ) -> str:
        """Write the clean text (conversion) and the extracted fields (metadata)
        for a captured article, then index the article. Returns its content hash.

        `content_hash` is `archive.text.content_hash(result.text)` when the caller
        has already computed it (the crawl's extraction workers do); it is trusted
        as given. Without it, it is computed here. `story_signature`
        (`archive.stories.build.article_signature(result.title, result.text)`, computed
        ahead the same way) is kept for the stories update at close, for at most
        MAX_AHEAD_SIGNATURES articles; later ones are computed then."""
        text = result.text or ""
        fields = indexing.article_metadata(result, text, topics=list(topics),
                                           crawl_id=self.crawl_id, content_hash=content_hash)
        article, matches = indexing.article_rows(
            fields, text, url=ref.url, fetched_at=ref.fetched_at, sites=self.sites
        )
        with self._lock:
            conversion, metadata = self._write(self.writer.write_article, ref.url,
                                               ref.record_id, text, fields, ref.fetched_at)
            self.index.add_article(article)
            self.index.set_capture_content_hash(ref.record_id, article.content_hash)
            self.index.add_derived(indexing.derived_row(conversion, ref.record_id, "conversion"))
            self.index.add_derived(indexing.derived_row(metadata, ref.record_id, "metadata"))
            for match in matches:
                self.index.add_topic_match(match)
            self._mark(conversion, metadata)
        if story_signature is not None and len(self._signatures) < MAX_AHEAD_SIGNATURES:
            self._signatures[article.content_hash] = story_signature
        return article.content_hash

    def flush(self) -> None:
        self.index.flush()

    def link_stories(self) -> StoryUpdate:
        """Link the articles the index has committed so far into stories now, with the
        signatures computed ahead for them, which are then let go; the crawl's close links
        the rest.

        For a long crawl's periodic update, from a thread other than the one writing
        (the crawler's StoriesExtension); updates run one at a time. The index is not
        flushed: a flush holds the index writer's lock until every batch is committed, and
        the crawl's writes would wait for it. An article still on its way to the database
        is linked by the next update, its signature computed then (the same signature).
        Raises DatabaseUnavailable when the database is down."""
        with self._stories_lock:
            ahead = dict(self._signatures)
            update = self.archive.update_stories(ahead, flush=False)
            for content_hash in ahead:
                self._signatures.pop(content_hash, None)
            return update

    def recover_articles(self, extract: Callable[[str, bytes], tuple[Any, list[TopicMatch],
                                                                   str | None] | None]) -> int:
        """Extract the articles that crawls of this node which stopped abruptly never
        extracted, from their archived responses, and close those crawls.

        A crash between capturing a page and writing its article leaves a capture
        without text. `extract(url, body)` gives (result, topics, content hash) for an
        article, None otherwise (the crawler's own test of what an article is). Each
        article is written (conversion + metadata records) and indexed as this crawl
        would have, then each such crawl gets its crawl-end record (finish reason
        "interrupted"), so that it is looked at once. Returns the articles written."""
        from archive.catchup import interrupted_crawls, unextracted_captures

        self.index.flush()
        written = 0
        for crawl_id in interrupted_crawls(self.archive, exclude=self.crawl_id):
            for row in list(unextracted_captures(self.archive.engine, crawl_id)):
                try:
                    stored = self.archive.read_response(row.record_id)
                except (ArchiveError, OSError) as exc:
                    logger.warning("recovery: cannot read %s (%s) to extract it", row.url, exc)
                    continue
                found = extract(row.url, stored.body)
                if found is None:
                    continue
                result, topics, content_hash = found
                ref = CaptureRef(
                    record_id=row.record_id, url=row.url, fetched_at=row.fetched_at,
                    location=_location(row), payload_digest=row.payload_digest)
                self.add_article(ref, result, topics, content_hash=content_hash)
                written += 1
            self._end_crawl(crawl_id, {"finish_reason": "interrupted",
                                       "recovered_by": self.crawl_id})
        return written

    def _end_crawl(self, crawl_id: str, stats: dict[str, Any]) -> None:
        finished_at = _utcnow()
        fields = indexing.crawl_end_metadata(crawl_id=crawl_id, finished_at=finished_at,
                                             stats=stats)
        with self._lock:
            location = self._write(self.writer.write_metadata, indexing.CRAWL_URN + crawl_id,
                                   None, fields, finished_at)
            self.index.finish_crawl(crawl_id, finished_at, fields["stats"])
            self._mark(location)

    def close(self, stats: dict[str, Any] | None = None) -> None:
        """Write the crawl-end record, close the WARC file and flush the index.

        Raises DatabaseUnavailable when the index could not be brought up to date
        (`index_incomplete` says how many writes wait for the next catch-up); the
        WARC file is finished all the same."""
        finished_at = _utcnow()
        fields = indexing.crawl_end_metadata(
            crawl_id=self.crawl_id, finished_at=finished_at, stats=stats or {}
        )
        try:
            with self._lock:
                location = self._write(self.writer.write_metadata,
                                       indexing.CRAWL_URN + self.crawl_id, None, fields,
                                       finished_at)
                self.index.finish_crawl(self.crawl_id, finished_at, fields["stats"])
                self._mark(location)
        except WriteStopped as exc:
            logger.error("the crawl-end record was not written: %s", exc)
        finally:
            self.writer.close()
        deadline = time.monotonic() + self.archive.index_close_wait
        while True:  # the database may be on its way back: wait a little for it
            try:
                self.index.flush()
                break
            except DatabaseUnavailable:
                if time.monotonic() >= deadline:
                    self.index_incomplete = self.index.pending()
                    raise
                time.sleep(1.0)
        if self.archive.link_stories:
            with self._stories_lock:  # after a periodic update still running (link_stories)
                self.archive.update_stories(self._signatures)
        else:
            logger.info("Stories not linked at the crawl's end (ARCHIVE_STORIES is off): "
                        "`archive stories --update` links the new articles")
        self._signatures = {}

    def _capture_row(
        self, exchange: HttpExchange, location: RecordLocation, record_type: str,
        payload_digest: str | None, block_digest: str | None, refers_to: str | None = None,
        content_hash: str | None = None,
    ) -> CaptureRow:
        return indexing.capture_row(
            location=location, record_type=record_type, url=exchange.url,
            fetched_at=exchange.fetched_at, status=exchange.status,
            http_headers=exchange.response_headers, payload_digest=payload_digest,
            block_digest=block_digest, ip_address=exchange.ip_address,
            crawl_id=self.crawl_id, sites=self.sites, refers_to_record_id=refers_to,
            content_hash=content_hash,
        )


def _folder_problem(directory: Path, exc: OSError) -> str:
    """Why a folder cannot be made, in words: a file in the way, or the OS's reason."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        blocker = next((p for p in (directory, *directory.parents) if p.is_file()), None)
        if blocker is not None:
            return f"{blocker} is a file, not a folder"
    return exc.strerror or str(exc)


def _location(row: CaptureInfo) -> RecordLocation:
    return RecordLocation(row.warc_filename, row.warc_offset, row.warc_length, row.record_id)


def _previous(row: CaptureInfo) -> PreviousCapture:
    return PreviousCapture(
        record_id=row.record_id, url=row.url, fetched_at=row.fetched_at, status=row.status,
        etag=row.etag, last_modified=row.last_modified, payload_digest=row.payload_digest,
        content_hash=row.content_hash,
    )


__all__ = ["Archive", "CrawlSession"]
