"""A CDXJ index of the archive's WARC files (cdxj-indexer), the index pywb and other replay tools read."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cdxj_indexer.main import CDXJIndexer

from archive.errors import ArchiveError
from archive.query.overview import warc_files

DEFAULT_INDEX = Path("indexes") / "index.cdxj"
#: What replay looks up. Our metadata records share the response's URL and time,
#: so indexing them could make a replay tool serve JSON instead of the page.
REPLAY_RECORDS = "response,revisit,resource"
NOT_MODIFIED_PROFILE = "/revisit/server-not-modified"


class ReplayRecordFilter:
    """Mixin for cdxj-indexer's indexers: list only the records replay should answer with.

    A server-not-modified revisit (the 304 to a conditional re-check) stays in the
    WARC as the 304 it was, but it is left out of replay indexes: both engines
    replay it as an empty 304. pywb takes the status from a revisit's own HTTP
    headers and, for any 3xx, skips the payload (`ResolvingLoader.
    load_headers_and_payload`, "if redirect, don't load payload record", pywb
    2.10 warcserver/resource/resolvingloader.py); wabac.js (ReplayWeb.page) does
    the same for a 3xx CDX status and otherwise copies the revisit's headers over
    the original's (`OnDemandPayloadArchiveDB.loadPayload`, src/remotearchivedb.ts).
    Without the line, a request at the re-check's time or at "latest" resolves to
    the nearest capture that holds the page: status 200 and the original body,
    which is what the 304 said was still current. Identical-payload-digest
    revisits are kept: they carry a 200 and resolve to the original's payload.
    """

    include_records: list[str]

    def filter_record(self, record: Any) -> bool:  # cdxj-indexer's hook per (warcio) record
        if record.rec_type not in self.include_records:
            return False
        profile = record.rec_headers.get_header("WARC-Profile") or ""
        return not (record.rec_type == "revisit" and profile.endswith(NOT_MODIFIED_PROFILE))


@dataclass
class CdxResult:
    path: Path
    warc_files: int
    lines: int
    bytes_indexed: int


class _Indexer(ReplayRecordFilter, CDXJIndexer):
    """cdxj-indexer over replayable records, reporting each finished WARC file's size."""

    def __init__(
        self, *args: Any, progress: Callable[[int], object] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._progress = progress

    def process_one(self, input_: IO[bytes], output: IO[str], filename: str) -> None:
        super().process_one(input_, output, filename)
        if self._progress:
            self._progress(os.path.getsize(filename))


def build_cdxj(
    directory: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    files: Iterable[str | os.PathLike[str]] | None = None,
    progress: Callable[[int], object] | None = None,
) -> CdxResult:
    """Index every closed WARC file under ``directory`` (or just ``files``) into a sorted CDXJ file.

    Filenames in the index are relative to ``directory``, so a replay tool
    configured with ``archive_paths: <directory>/`` finds the records. The
    default output is ``<directory>/indexes/index.cdxj``; it is written under a
    temporary name and renamed when complete. ``progress(n)`` gets bytes of
    WARC indexed (see ``total_bytes``).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ArchiveError(f"archive directory {directory} does not exist")
    inputs = [Path(f) for f in files] if files is not None else warc_files(directory)
    if not inputs:
        raise ArchiveError(f"no WARC files under {directory}")
    path = Path(output) if output is not None else directory / DEFAULT_INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with open(partial, "w", encoding="utf-8") as out:
            indexer = _Indexer(
                out,
                [str(p.resolve()) for p in inputs],
                sort=True,
                post_append=True,
                records=REPLAY_RECORDS,
                dir_root=str(directory.resolve()),
                progress=progress,
            )
            indexer.process_all()
        os.replace(partial, path)
    except OSError as exc:
        raise ArchiveError(f"cannot build the CDXJ index {path}: {exc}") from None
    finally:
        if partial.exists():
            partial.unlink()
    with open(path, encoding="utf-8") as fh:
        lines = sum(1 for _ in fh)
    return CdxResult(path, len(inputs), lines, total_bytes(inputs))


def total_bytes(files: Iterable[str | os.PathLike[str]]) -> int:
    return sum(os.path.getsize(f) for f in files)
