"""Crash catch-up: index what the index has not committed, and find what a crash left undone.

Every WARC file has a high-water mark in the index (`warc_files.indexed_to`): the
byte offset before which every record's rows are committed. The live writer
advances it with each committed batch, so after a crash (kill -9, a database that
went away, a full disk) the records past the mark are exactly the ones that may
be missing. `catch_up` reads each closed file from its mark to its end through
`reindex` (idempotent upserts), which is cheap: a file that is fully indexed is
not opened at all.

A crash can also come between capturing a page and writing its article; the
crawl that stopped then never got its crawl-end record. `interrupted_crawls` and
`unextracted_captures` find those, for `CrawlSession.recover_articles`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from archive.db.engine import connect
from archive.db.models import captures, crawls, derived_records, warc_files
from archive.query.captures import CaptureInfo, capture
from archive.warc.naming import OPEN_SUFFIX, node_of
from archive.warc.reader import warc_files as folder_files
from archive.warc.recovery import is_being_written

if TYPE_CHECKING:
    from archive.archive import Archive
    from archive.reindex import ReindexReport

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


def marks(engine: Engine) -> dict[str, int]:
    """Every WARC file's high-water mark: file name -> bytes indexed."""
    with connect(engine) as conn:
        return {name: end for name, end in conn.execute(
            sa.select(warc_files.c.filename, warc_files.c.indexed_to))}


def catch_up(archive: Archive) -> ReindexReport | None:
    """Index the records of every closed WARC file of `archive` past its mark.

    Returns the ReindexReport of what was read (None when every file was up to date)."""
    from archive.reindex import reindex

    archive.index.flush()
    known = marks(archive.engine)
    paths, starts = [], {}
    for path in folder_files(archive.directory):
        try:
            size = path.stat().st_size
        except OSError:
            continue  # gone meanwhile
        mark = known.get(path.name, 0)
        if mark < size:
            paths.append(path)
            starts[path] = mark
    if not paths:
        return None
    report = reindex(archive, paths=paths, starts=starts, stories=False)
    logger.warning("catch-up: indexed %d record(s) the index had not committed, from %d "
                   "WARC file(s) (%d capture(s), %d article(s))%s", report.records, len(paths),
                   report.captures, report.articles,
                   "" if report.ok else f"; {len(report.problems)} problem(s): "
                   + "; ".join(report.problems[:3]))
    return report


def interrupted_crawls(archive: Archive, *, exclude: str | None = None) -> list[str]:
    """Crawls of this node (`archive.node_id`) that never finished and no longer run:
    their last capture lies in a file of this node that nobody is writing. (Another
    node's crawl is left to that node: it may still be running.)"""
    found = []
    with connect(archive.engine) as conn:
        unfinished = [row[0] for row in conn.execute(
            sa.select(crawls.c.crawl_id).where(crawls.c.finished_at.is_(None)))]
        for crawl_id in unfinished:
            if crawl_id == exclude:
                continue
            last = conn.execute(
                sa.select(captures.c.warc_filename).where(captures.c.crawl_id == crawl_id)
                .order_by(captures.c.id.desc()).limit(1)).scalar()
            if last is None or node_of(last) != archive.node_id:
                continue
            if is_being_written(Path(archive.directory) / (last + OPEN_SUFFIX)):
                continue
            found.append(crawl_id)
    return found


def unextracted_captures(engine: Engine, crawl_id: str) -> Iterator[CaptureInfo]:
    """The crawl's HTML pages (200, full response) without text and without an article
    metadata record: captured, never extracted (or not articles). A crash between an
    article's two records leaves its conversion alone: that page counts too."""
    c, d = captures, derived_records
    html = sa.or_(*(sa.func.lower(c.c.content_type).like(kind + "%") for kind in HTML_TYPES))
    query = (
        sa.select(c.c.record_id)
        .where(c.c.crawl_id == crawl_id, c.c.record_type == "response", c.c.status == 200,
               c.c.content_hash.is_(None), html,
               ~sa.exists().where(d.c.capture_record_id == c.c.record_id,
                                  d.c.kind == "metadata"))
        .order_by(c.c.id)
    )
    with connect(engine) as conn:
        record_ids = [row[0] for row in conn.execute(query)]
    for record_id in record_ids:
        row = capture(engine, record_id)
        if row is not None:
            yield row
