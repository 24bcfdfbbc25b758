"""`verify`: the index and the WARC files agree, and every record is intact.

One sequential pass reads every record of every WARC file (digests checked),
then every capture and derived row of the index is matched against what the
pass found at its file, offset and length. Problems are collected with the
exact file, offset, reason and, where there is one, the repair; nothing stops at
the first one, not even damage inside a file (reading goes on at the next whole
record). A `.open` file left by a crash is read as far as it is whole and
reported; one that a running crawl is writing is read and only noted.

Several crawler nodes share one database. `node=` narrows the check to one node:
its files (the node id in their names) and the rows pointing into them, so one
node's folder can be checked against the shared database. `directories=` checks
the union of several folders (one per node, or copies) as one archive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.query.captures import iter_captures, iter_derived
from archive.warc.digests import verify_digests
from archive.warc.naming import OPEN_SUFFIX, final_name, node_of
from archive.warc.reader import iter_records, warc_files
from archive.warc.records import RecordLocation, WarcFormatError
from archive.warc.recovery import is_being_written

if TYPE_CHECKING:
    from archive.archive import Archive

# Records that must each have a row in the index (captures or derived records).
INDEXED_TYPES = frozenset({"response", "revisit", "conversion", "metadata"})


@dataclass(frozen=True)
class Problem:
    file: str
    offset: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.offset is None else f"{self.file} @ {self.offset}"
        return f"{where}: {self.reason}"


@dataclass
class VerifyReport:
    files: int = 0
    records: int = 0
    captures: int = 0
    derived: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth saying, not wrong
    file_names: set[str] = field(default_factory=set, repr=False)
    missing_files: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{self.files} WARC file(s), {self.records} record(s), {self.captures} capture "
                f"row(s), {self.derived} derived row(s): {verdict}")


@dataclass(frozen=True)
class _Seen:
    location: RecordLocation
    rec_type: str
    payload_digest: str | None


def verify(archive: Archive, progress: Callable[[int], object] | None = None, *, node: str | None = None,
           directories: list[Path] | None = None) -> VerifyReport:
    """Check `archive` (an open `Archive`); `progress(n)` is called per record read.

    `node`: only that node's WARC files and the index rows that point into them.
    `directories`: the WARC folders to read (default: the archive's own folder)."""
    report = VerifyReport()
    folders = [Path(d) for d in directories] if directories else [Path(archive.directory)]
    seen: dict[str, _Seen] = {}
    for folder in folders:
        seen.update(_scan_files(folder, report, progress, node))

    def mine(filename: str) -> bool:
        return node is None or node_of(filename) == node

    indexed: set[str] = set()
    archive.index.flush()
    for row in iter_captures(archive.engine):
        if not mine(row.warc_filename):
            continue
        report.captures += 1
        indexed.add(row.record_id)
        _check_row(report, seen, row.record_id, row.warc_filename, row.warc_offset,
                   row.warc_length, expected_types=(row.record_type,),
                   payload_digest=row.payload_digest)
    for derived in iter_derived(archive.engine):
        if not mine(derived.warc_filename):
            continue
        report.derived += 1
        indexed.add(derived.record_id)
        _check_row(report, seen, derived.record_id, derived.warc_filename, derived.warc_offset,
                   derived.warc_length, expected_types=(derived.kind,), payload_digest=None)
    for filename, rows in sorted(report.missing_files.items()):
        report.problems.append(Problem(filename, None, (
            f"WARC file is missing (deleted or moved?): {rows} indexed record(s) point into "
            "it; restore the file, or those captures cannot be read")))
    for record_id, found in seen.items():
        if found.rec_type in INDEXED_TYPES and record_id not in indexed:
            report.problems.append(Problem(
                found.location.filename, found.location.offset,
                f"{found.rec_type} record {record_id} is not in the index (run `archive "
                "recover` or the crawl again, which index what is missing; or reindex)"))
    return report


def _scan_files(directory: Path, report: VerifyReport, progress: Callable[[int], object] | None,
                node: str | None = None) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = {}
    if not directory.is_dir():
        report.problems.append(Problem(str(directory), None, "WARC folder does not exist"))
        return seen
    for path in warc_files(directory, include_open=True):
        name = final_name(path.name)
        if node is not None and node_of(path.name) != node:
            continue
        if name in report.file_names:
            report.problems.append(Problem(name, None, f"a second copy in {directory}"))
            continue
        if path.name.endswith(OPEN_SUFFIX):
            if is_being_written(path):
                report.notes.append(f"{path.name}: being written by a running crawl")
            else:
                report.problems.append(Problem(path.name, None, (
                    "left open by a crawl that stopped abruptly: run `archive recover` "
                    "(or the crawl again) to finish it and index what it holds")))
        report.file_names.add(name)
        report.files += 1
        try:
            if path.stat().st_size == 0:
                report.problems.append(Problem(name, None, "empty file (no WARC records)"))
                continue

            def damaged(exc: WarcFormatError, name: str = name) -> None:
                report.problems.append(Problem(name, exc.offset, exc.reason))

            for record in iter_records(path, on_damage=damaged):
                report.records += 1
                if progress:
                    progress(1)
                check = verify_digests(record)
                if check.block is False:
                    report.problems.append(Problem(name, record.location.offset,
                                                   "WARC-Block-Digest does not match the block"))
                if check.payload is False:
                    report.problems.append(Problem(name, record.location.offset,
                                                   "WARC-Payload-Digest does not match the payload"))
                kind = record.rec_type
                if kind in ("request", "warcinfo"):
                    continue  # not indexed as rows; their digests were checked above
                if kind == "metadata" and record.target_uri and record.target_uri.startswith("urn:"):
                    kind = "crawl-metadata"  # crawl start/end records: not indexed as rows
                seen[record.record_id] = _Seen(record.location, kind, record.payload_digest)
        except OSError as exc:
            report.problems.append(Problem(name, None, f"cannot read: {exc.strerror or exc}"))
    return seen


def _check_row(
    report: VerifyReport, seen: dict[str, _Seen], record_id: str, filename: str, offset: int,
    length: int, *, expected_types: tuple[str, ...], payload_digest: str | None,
) -> None:
    found = seen.get(record_id)
    if found is None:
        if filename not in report.file_names:  # one problem per file, at the end
            report.missing_files[filename] = report.missing_files.get(filename, 0) + 1
            return
        reason = f"indexed record {record_id} is not in this file (or lies in damage)"
        report.problems.append(Problem(filename, offset, reason))
        return
    loc = found.location
    if (loc.filename, loc.offset, loc.length) != (filename, offset, length):
        report.problems.append(Problem(
            filename, offset,
            f"index says {record_id} is {length} bytes here, but it is at "
            f"{loc.filename} @ {loc.offset} ({loc.length} bytes)"))
    if found.rec_type not in expected_types:
        report.problems.append(Problem(filename, offset,
                                       f"index says {expected_types[0]}, record is {found.rec_type}"))
    if payload_digest and found.payload_digest and payload_digest != found.payload_digest:
        report.problems.append(Problem(filename, offset,
                                       "payload digest in the index differs from the record's"))
