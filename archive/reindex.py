"""`reindex`: rebuild the index database from the WARC files alone.

Files are read in name order (their names start with the creation time). Each
record becomes the same rows the live crawl wrote, through archive.indexing:
warcinfo -> which crawl the file belongs to; crawl-start/-end metadata -> the
crawl row; response/revisit -> a capture; conversion + article metadata -> the
article, its topic matches and the capture's content hash. Upserts are
idempotent, so reindexing into a database that already has rows only adds
what is missing. A damaged stretch of a file is reported and reading goes on at
the next whole record; an empty file, a file the index knows but the folder
lacks, and a `.open` file left by a crash are reported with how to repair them.
Each file read gets its high-water mark (archive.db.models.WarcFile), and the
crash catch-up (archive.catchup) reads files from their marks through here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from archive import indexing
from archive.db.engine import connect
from archive.db.models import crawls
from archive.db.models import warc_files as warc_files_table
from archive.query.captures import capture
from archive.sites import SiteRegistry
from archive.warc.naming import OPEN_SUFFIX, final_name
from archive.warc.reader import WarcRecord, iter_records, warc_files
from archive.warc.records import RecordLocation, WarcFormatError
from archive.warc.recovery import is_being_written

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from archive.archive import Archive
    from archive.db.rows import CaptureRow
    from archive.db.writer import IndexWriter

logger = logging.getLogger(__name__)

_NO_SITES = SiteRegistry()  # a file without its crawl-start record: sites are bare hosts


@dataclass
class ReindexReport:
    files: int = 0
    records: int = 0
    captures: int = 0
    articles: int = 0
    crawls: int = 0
    stories: int = 0  # articles linked into stories
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not wrong

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{self.files} WARC file(s), {self.records} record(s): {self.captures} "
                f"capture(s), {self.articles} article record(s), {self.crawls} crawl(s): {verdict}")


class _Rebuilder:
    def __init__(self, index: IndexWriter, report: ReindexReport) -> None:
        self.index = index
        self.report = report
        self.read_to: dict[str, int] = {}  # WARC file name -> bytes read (its new mark)
        self.captured: set[str] = set()  # capture record ids read in this pass
        self.crawl_sites: dict[str, SiteRegistry] = {}
        self.crawl_id: str | None = None  # of the file being read (its warcinfo isPartOf)
        self.texts: dict[str, str] = {}  # capture record id -> clean text awaiting its metadata
        self.conversions: dict[str, RecordLocation] = {}  # capture record id -> its conversion
        self.article_of: dict[str, str] = {}  # capture record id -> content hash
        # revisits whose original was not read yet: (record, its URI and date, sites, crawl)
        self.deferred_revisits: list[
            tuple[WarcRecord, tuple[str, datetime], SiteRegistry, str | None]
        ] = []

    def file(self, path: Path, start: int = 0) -> None:
        """Index the records of `path` from byte `start` (a record boundary)."""
        self.crawl_id = None
        size = path.stat().st_size
        if size == 0:
            self.report.problems.append(f"{path.name}: empty file (no WARC records): delete it")
            return
        if start > 0:  # the file's crawl, from its warcinfo record
            for record in iter_records(path, on_damage=lambda exc: None):
                if record.rec_type == "warcinfo":
                    self.on_warcinfo(record)
                break
        for record in iter_records(path, start=start, on_damage=self._damaged):
            self.report.records += 1
            handler = getattr(self, "on_" + record.rec_type, None)
            if handler:
                handler(record)
        self.read_to[final_name(path.name)] = size

    def _damaged(self, exc: WarcFormatError) -> None:
        name = Path(exc.file).name
        self.report.problems.append(f"{name} @ {exc.offset}: {exc.reason}")
        logger.error("reindex: %s @ %s: %s", name, exc.offset, exc.reason)

    def on_warcinfo(self, record: WarcRecord) -> None:
        for line in record.payload.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "isPartOf":
                self.crawl_id = value.strip() or None

    @property
    def sites(self) -> SiteRegistry:
        crawl_id = self.crawl_id or ""
        if crawl_id and crawl_id not in self.crawl_sites:
            # read from the middle of a file (catch-up): the crawl row has its sites
            self.crawl_sites[crawl_id] = _stored_sites(self.index.engine, crawl_id)
        return self.crawl_sites.get(crawl_id) or _NO_SITES

    def on_metadata(self, record: WarcRecord) -> None:
        try:
            fields = json.loads(record.payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.report.problems.append(f"{record.location.filename} @ {record.location.offset}: "
                                        f"metadata record is not JSON: {exc}")
            return
        kind = fields.get("kind") if isinstance(fields, dict) else None
        if kind == "crawl-start":
            self.crawl_sites[fields["crawl_id"]] = SiteRegistry(fields.get("sites") or [])
            self.index.add_crawl(indexing.crawl_row(fields))
            self.report.crawls += 1
        elif kind == "crawl-end":
            self.index.finish_crawl(fields["crawl_id"],
                                    datetime.fromisoformat(fields["finished_at"]),
                                    fields.get("stats") or {})
        elif kind == "article":
            capture_id = record.refers_to
            text = self.texts.pop(capture_id, None) if capture_id is not None else None
            if capture_id is None or text is None:
                self.report.problems.append(
                    f"{record.location.filename} @ {record.location.offset}: article metadata "
                    f"without its conversion record (capture {capture_id})")
                return
            where = self._addressed(record)
            if where is None:
                return
            url, fetched_at = where
            article, matches = indexing.article_rows(
                fields, text, url=url, fetched_at=fetched_at, sites=self.sites)
            self.index.add_article(article)
            self.index.set_capture_content_hash(capture_id, article.content_hash)
            if self._capture_known(capture_id, record):
                self.index.add_derived(indexing.derived_row(record.location, capture_id,
                                                            "metadata"))
            for match in matches:
                self.index.add_topic_match(match)
            self.article_of[capture_id] = article.content_hash
            self.report.articles += 1

    def on_conversion(self, record: WarcRecord) -> None:
        if record.refers_to is None:
            return  # text of no capture: nothing to attach it to (as before: never indexed)
        self.texts[record.refers_to] = record.text()
        self.conversions[record.refers_to] = record.location

    def _capture_known(self, capture_id: str, metadata: WarcRecord) -> bool:
        """Whether the capture an article's records refer to is indexed (read in this pass,
        or committed before: a catch-up starts after it); if so, both derived rows are
        added. A capture lost to damage is reported instead (the text is still indexed)."""
        conversion = self.conversions.pop(capture_id, None)
        known = capture_id in self.captured or (
            capture(self.index.engine, capture_id) is not None)  # committed rows only
        if not known:
            self.report.problems.append(
                f"{metadata.location.filename} @ {metadata.location.offset}: article records "
                f"of capture {capture_id}, which is not in the archive (lost to damage?)")
            return False
        if conversion is not None:
            self.index.add_derived(indexing.derived_row(conversion, capture_id, "conversion"))
        return True

    def on_response(self, record: WarcRecord) -> None:
        if record.http is None:
            return  # not an HTTP capture (e.g. a DNS record written by another tool)
        where = self._addressed(record)
        if where is None:
            return
        self.index.add_capture(self._capture(record, where, "response", self.sites,
                                             self.crawl_id))
        self.captured.add(record.record_id)
        self.report.captures += 1

    def on_revisit(self, record: WarcRecord) -> None:
        where = self._addressed(record)
        if where is None:
            return
        if record.refers_to not in self.article_of:
            # The original may come later in name order (or is not an article):
            # decide at the end.
            self.deferred_revisits.append((record, where, self.sites, self.crawl_id))
            return
        self._add_revisit(record, where, self.sites, self.crawl_id)

    def _addressed(self, record: WarcRecord) -> tuple[str, datetime] | None:
        """The record's WARC-Target-URI and WARC-Date; a record without one of them cannot
        be indexed: reported (it used to stop the whole reindex with a traceback)."""
        url, date = record.target_uri, record.date
        if url is not None and date is not None:
            return url, date
        where = f"{record.location.filename} @ {record.location.offset}"
        self.report.problems.append(f"{where}: {record.rec_type} record without "
                                    "WARC-Target-URI or WARC-Date: not indexed")
        logger.error("reindex: %s: %s record without WARC-Target-URI or WARC-Date",
                     where, record.rec_type)
        return None

    def finish(self) -> None:
        for record, where, sites, crawl_id in self.deferred_revisits:
            self._add_revisit(record, where, sites, crawl_id)
        for capture_id, location in self.conversions.items():  # text without its metadata
            if capture_id in self.captured or capture(self.index.engine, capture_id):
                self.index.add_derived(indexing.derived_row(location, capture_id, "conversion"))
        for name, size in self.read_to.items():
            self.index.mark(name, size)  # committed with (after) the rows read from it
        self.index.flush()

    def _add_revisit(self, record: WarcRecord, where: tuple[str, datetime], sites: SiteRegistry,
                     crawl_id: str | None) -> None:
        refers_to = record.refers_to
        content_hash = self.article_of.get(refers_to) if refers_to is not None else None
        if content_hash is None and refers_to is not None:
            self.index.flush()
            original = capture(self.index.engine, refers_to)
            content_hash = original.content_hash if original else None
        self.index.add_capture(self._capture(record, where, "revisit", sites, crawl_id,
                                             content_hash=content_hash))
        self.report.captures += 1

    @staticmethod
    def _capture(record: WarcRecord, where: tuple[str, datetime], record_type: str,
                 sites: SiteRegistry, crawl_id: str | None,
                 content_hash: str | None = None) -> CaptureRow:
        url, fetched_at = where
        return indexing.capture_row(
            location=record.location, record_type=record_type, url=url,
            fetched_at=fetched_at, status=record.status, http_headers=record.http_headers,
            payload_digest=record.payload_digest, block_digest=record.block_digest,
            ip_address=record.ip_address, crawl_id=crawl_id, sites=sites,
            refers_to_record_id=record.refers_to if record_type == "revisit" else None,
            content_hash=content_hash,
        )


def reindex(archive: Archive, progress: Callable[[int], object] | None = None, *,
            paths: list[Path] | None = None, starts: dict[Path, int] | None = None,
            stories: bool = True) -> ReindexReport:
    """Rebuild `archive`'s index (an open `Archive`) from its WARC files (or only `paths`,
    each from its byte offset in `starts`, default 0)."""
    report = ReindexReport()
    rebuilder = _Rebuilder(archive.index, report)
    if paths is None:
        paths = _folder_files(Path(archive.directory), archive.engine, report)
    for path in paths:
        report.files += 1
        try:
            rebuilder.file(path, (starts or {}).get(path, 0))
        except WarcFormatError as exc:
            report.problems.append(f"{path.name} @ {exc.offset}: {exc.reason}")
            logger.error("reindex: %s @ %s: %s", path.name, exc.offset, exc.reason)
        except OSError as exc:
            report.problems.append(f"{path.name}: cannot read: {exc.strerror or exc}")
        if progress:
            progress(1)
    rebuilder.finish()
    if stories:  # the articles added (or not yet linked)
        report.stories = archive.update_stories().articles
    return report


def _folder_files(directory: Path, engine: Engine, report: ReindexReport) -> list[Path]:
    """The folder's WARC files to read, with what is wrong around them reported: files
    left `.open` by a crash (read all the same), files being written (not read), files
    the index knows that are gone, and a folder without any WARC file."""
    paths = warc_files(directory)
    for path in warc_files(directory, include_open=True):
        if not path.name.endswith(OPEN_SUFFIX):
            continue
        if is_being_written(path):
            report.notes.append(f"{path.name}: being written by a running crawl; not read")
            continue
        report.problems.append(
            f"{path.name}: left open by a crawl that stopped abruptly; indexed as far as it "
            f"is whole. To finish it, run `archive recover` (or the crawl again)")
        paths.append(path)
    present = {final_name(path.name) for path in warc_files(directory, include_open=True)}
    with connect(engine) as conn:
        known = [row[0] for row in conn.execute(sa.select(warc_files_table.c.filename))]
    for name in sorted(set(known) - present):
        report.problems.append(f"{name}: indexed, but the file is missing from {directory} "
                               "(deleted or moved?): restore it, or its captures cannot be read")
    if not paths and not report.problems:
        report.problems.append(f"no WARC files in {directory}: nothing to reindex")
    return sorted(paths, key=lambda path: final_name(path.name))


def _stored_sites(engine: Engine, crawl_id: str) -> SiteRegistry:
    with connect(engine) as conn:
        sites = conn.execute(
            sa.select(crawls.c.sites).where(crawls.c.crawl_id == crawl_id)).scalar()
    return SiteRegistry(sites or [])
