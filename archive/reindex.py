"""`reindex`: rebuild the index database from the WARC files alone.

Files are read in name order (their names start with the creation time). Each
record becomes the same rows the live crawl wrote, through archive.indexing:
warcinfo -> which crawl the file belongs to; crawl-start/-end metadata -> the
crawl row; response/revisit -> a capture; conversion + article metadata -> the
article, its topic matches and the capture's content hash. Upserts are
idempotent, so reindexing into a database that already has rows only adds
what is missing. A damaged file is reported and the next one is read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive import indexing
from archive.query.captures import capture
from archive.sites import SiteRegistry
from archive.warc.reader import WarcRecord, iter_records, warc_files
from archive.warc.records import WarcFormatError

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

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{self.files} WARC file(s), {self.records} record(s): {self.captures} "
                f"capture(s), {self.articles} article record(s), {self.crawls} crawl(s): {verdict}")


class _Rebuilder:
    def __init__(self, index, report: ReindexReport) -> None:
        self.index = index
        self.report = report
        self.crawl_sites: dict[str, SiteRegistry] = {}
        self.crawl_id: str | None = None  # of the file being read (its warcinfo isPartOf)
        self.texts: dict[str, str] = {}  # capture record id -> clean text awaiting its metadata
        self.article_of: dict[str, str] = {}  # capture record id -> content hash
        self.deferred_revisits: list[WarcRecord] = []

    def file(self, path: Path) -> None:
        self.crawl_id = None
        for record in iter_records(path):
            self.report.records += 1
            handler = getattr(self, "on_" + record.rec_type, None)
            if handler:
                handler(record)

    def on_warcinfo(self, record: WarcRecord) -> None:
        for line in record.payload.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "isPartOf":
                self.crawl_id = value.strip() or None

    @property
    def sites(self) -> SiteRegistry:
        return self.crawl_sites.get(self.crawl_id or "") or _NO_SITES

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
            text = self.texts.pop(capture_id, None)
            if text is None:
                self.report.problems.append(
                    f"{record.location.filename} @ {record.location.offset}: article metadata "
                    f"without its conversion record (capture {capture_id})")
                return
            article, matches = indexing.article_rows(
                fields, text, url=record.target_uri, fetched_at=record.date, sites=self.sites)
            self.index.add_article(article)
            self.index.set_capture_content_hash(capture_id, article.content_hash)
            self.index.add_derived(indexing.derived_row(record.location, capture_id, "metadata"))
            for match in matches:
                self.index.add_topic_match(match)
            self.article_of[capture_id] = article.content_hash
            self.report.articles += 1

    def on_conversion(self, record: WarcRecord) -> None:
        self.texts[record.refers_to] = record.text()
        self.index.add_derived(indexing.derived_row(record.location, record.refers_to,
                                                    "conversion"))

    def on_response(self, record: WarcRecord) -> None:
        if record.http is None:
            return  # not an HTTP capture (e.g. a DNS record written by another tool)
        self.index.add_capture(self._capture(record, "response", self.sites, self.crawl_id))
        self.report.captures += 1

    def on_revisit(self, record: WarcRecord) -> None:
        if record.refers_to not in self.article_of:
            # The original may come later in name order (or is not an article):
            # decide at the end.
            self.deferred_revisits.append((record, self.sites, self.crawl_id))
            return
        self._add_revisit(record, self.sites, self.crawl_id)

    def finish(self) -> None:
        for record, sites, crawl_id in self.deferred_revisits:
            self._add_revisit(record, sites, crawl_id)
        self.index.flush()

    def _add_revisit(self, record, sites, crawl_id) -> None:
        content_hash = self.article_of.get(record.refers_to)
        if content_hash is None:
            self.index.flush()
            original = capture(self.index.engine, record.refers_to)
            content_hash = original.content_hash if original else None
        self.index.add_capture(self._capture(record, "revisit", sites, crawl_id,
                                             content_hash=content_hash))
        self.report.captures += 1

    @staticmethod
    def _capture(record: WarcRecord, record_type: str, sites: SiteRegistry, crawl_id: str | None,
                 content_hash: str | None = None):
        return indexing.capture_row(
            location=record.location, record_type=record_type, url=record.target_uri,
            fetched_at=record.date, status=record.status, http_headers=record.http_headers,
            payload_digest=record.payload_digest, block_digest=record.block_digest,
            ip_address=record.ip_address, crawl_id=crawl_id, sites=sites,
            refers_to_record_id=record.refers_to if record_type == "revisit" else None,
            content_hash=content_hash,
        )


def reindex(archive, progress: Callable[[int], None] | None = None, *,
            paths: list[Path] | None = None) -> ReindexReport:
    """Rebuild `archive`'s index (an open `Archive`) from its WARC files (or only `paths`)."""
    report = ReindexReport()
    rebuilder = _Rebuilder(archive.index, report)
    for path in warc_files(Path(archive.directory)) if paths is None else paths:
        report.files += 1
        try:
            rebuilder.file(path)
        except WarcFormatError as exc:
            report.problems.append(f"{path.name} @ {exc.offset}: {exc.reason}")
            logger.error("reindex: %s @ %s: %s", path.name, exc.offset, exc.reason)
        except OSError as exc:
            report.problems.append(f"{path.name}: cannot read: {exc}")
        if progress:
            progress(1)
    rebuilder.finish()
    report.stories = archive.update_stories().articles  # the articles added (or not yet linked)
    return report
