"""Package a crawl's WARC files as a WACZ (py-wacz), which ReplayWeb.page and pywb open."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from archive.db.models import articles, captures, crawls, derived_records
from archive.errors import ArchiveError, RecordNotFound
from archive.query.cdx import REPLAY_RECORDS, ReplayRecordFilter
from archive.query.overview import warc_files
from archive.query.source import connection

logger = logging.getLogger(__name__)


class WaczError(ArchiveError):
    """The WACZ cannot be built or does not validate."""


@dataclass
class WaczResult:
    path: Path
    crawl_id: str | None
    warc_files: list[str]
    pages: int


def latest_crawl_id(source: Any) -> str:
    with connection(source) as conn:
        found = conn.execute(
            sa.select(crawls.c.crawl_id).order_by(crawls.c.started_at.desc()).limit(1)
        ).scalar()
    if not found:
        raise RecordNotFound("the archive has no crawls yet")
    crawl_id: str = found
    return crawl_id


def crawl_warc_files(source: Any, crawl_id: str | None) -> list[str]:
    """WARC file names (basenames) holding a crawl's records; every file when crawl_id is None."""
    with connection(source) as conn:
        if crawl_id is not None:
            exists = conn.execute(
                sa.select(crawls.c.crawl_id).where(crawls.c.crawl_id == crawl_id)
            ).scalar()
            if not exists:
                raise RecordNotFound(f"no crawl with id {crawl_id}")
        names = sa.select(captures.c.warc_filename)
        derived = (
            sa.select(derived_records.c.warc_filename)
            .join(captures, captures.c.record_id == derived_records.c.capture_record_id)
        )
        if crawl_id is not None:
            names = names.where(captures.c.crawl_id == crawl_id)
            derived = derived.where(captures.c.crawl_id == crawl_id)
        return sorted(set(conn.execute(sa.union(names, derived)).scalars()))


def crawl_pages(source: Any, crawl_id: str | None) -> list[dict[str, Any]]:
    """The crawl's article captures as WACZ pages: url, ts and title."""
    stmt = (
        sa.select(captures.c.url, captures.c.fetched_at, articles.c.title)
        .join(articles, articles.c.content_hash == captures.c.content_hash)
        .where(captures.c.record_type == "response")
        .order_by(captures.c.fetched_at)
    )
    if crawl_id is not None:
        stmt = stmt.where(captures.c.crawl_id == crawl_id)
    with connection(source) as conn:
        return [
            {
                "url": row.url,
                "ts": row.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "title": row.title or row.url,
            }
            for row in conn.execute(stmt)
        ]


def _locate(directory: Path, names: list[str]) -> list[Path]:
    on_disk = {p.name: p for p in warc_files(directory)}
    missing = [n for n in names if n not in on_disk]
    still_open = [n for n in missing if list(directory.rglob(n + ".open"))]
    if still_open:
        raise WaczError(
            f"WARC file {still_open[0]} is still being written (is the crawl running?)"
        )
    if missing:
        raise WaczError(f"WARC file(s) missing from {directory}: {', '.join(missing[:5])}")
    return [on_disk[n] for n in names]


@contextlib.contextmanager
def _replay_records_only() -> Iterator[None]:
    """Make py-wacz index only what replay looks up (see `ReplayRecordFilter`).

    Our metadata records share the response's URL and date; py-wacz indexes
    metadata by default, and pywb then replays the JSON instead of the page.
    py-wacz has no option for this, so its indexer class is swapped for the call.
    """
    import wacz.main as wacz_main_module

    original: Any = wacz_main_module.WACZIndexer

    class ReplayIndexer(ReplayRecordFilter, original):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.include_records = REPLAY_RECORDS.split(",")

    wacz_main_module.WACZIndexer = ReplayIndexer
    try:
        yield
    finally:
        wacz_main_module.WACZIndexer = original


def _run_wacz(args: list[str]) -> tuple[int, str]:
    """Run py-wacz's command line in-process; it prints progress, which we keep for errors."""
    from wacz.main import main as wacz_main

    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), _replay_records_only():
        try:
            code = wacz_main(args)
        except SystemExit as exc:  # argparse errors
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # py-wacz raises bare exceptions for bad input
            print(f"{type(exc).__name__}: {exc}")
            code = 1
    output = captured.getvalue()
    for line in output.splitlines():
        logger.debug("wacz: %s", line)
    return code or 0, output


def create_wacz(
    source: Any,
    directory: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    crawl_id: str | None = None,
    all_crawls: bool = False,
    title: str | None = None,
    description: str | None = None,
) -> WaczResult:
    """Package one crawl's WARC files (the latest crawl by default, or all with ``all_crawls``).

    Pages (the WACZ's list of entry points) are the crawl's article captures,
    titled with the article title. The file is written under a temporary name
    and renamed when py-wacz has finished.
    """
    directory = Path(directory)
    if not all_crawls and crawl_id is None:
        crawl_id = latest_crawl_id(source)
    if all_crawls:
        crawl_id = None
    names = crawl_warc_files(source, crawl_id)
    if not names:
        raise WaczError("no WARC records indexed for " + (f"crawl {crawl_id}" if crawl_id else "this archive"))
    paths = _locate(directory, names)
    pages = crawl_pages(source, crawl_id)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".part")
    with tempfile.TemporaryDirectory(prefix="wacz-") as tmp:
        args = ["create", "-o", str(partial)]
        if pages:
            pages_file = Path(tmp) / "pages.jsonl"
            header = {"format": "json-pages-1.0", "id": "pages", "title": title or "Articles"}
            with open(pages_file, "w", encoding="utf-8") as fh:
                for page in [header, *pages]:
                    fh.write(json.dumps(page, ensure_ascii=False) + "\n")
            args += ["-p", str(pages_file)]
        else:
            args += ["--detect-pages"]
        args += ["--title", title or (f"Crawl {crawl_id}" if crawl_id else "News archive")]
        if description:
            args += ["--desc", description]
        args += [str(p) for p in paths]
        try:
            code, printed = _run_wacz(args)
            if code != 0:
                raise WaczError(f"py-wacz could not create {output}: {_last_line(printed)}")
            os.replace(partial, output)
        finally:
            if partial.exists():
                partial.unlink()
    return WaczResult(output, crawl_id, names, len(pages))


def validate_wacz(path: str | os.PathLike[str]) -> tuple[bool, str]:
    """Validate with py-wacz: (valid, what py-wacz said)."""
    path = Path(path)
    if not path.is_file():
        raise WaczError(f"no such file: {path}")
    code, printed = _run_wacz(["validate", "-f", str(path)])
    return code == 0 and "succeeded" in printed, printed.strip()


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"
