"""The WARC layer: write rolling WARC/1.1 files, read records back, recover after a crash."""

from archive.warc.digests import DigestCheck, compute_digest, verify_digests
from archive.warc.reader import WarcRecord, iter_records, read_record, warc_files
from archive.warc.records import RecordLocation, WarcFormatError, WrittenRecords
from archive.warc.recovery import recover
from archive.warc.writer import WarcWriter

__all__ = [
    "DigestCheck", "RecordLocation", "WarcFormatError", "WarcRecord", "WarcWriter",
    "WrittenRecords", "compute_digest", "iter_records", "read_record", "recover",
    "verify_digests", "warc_files",
]
