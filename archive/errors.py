"""Exceptions the archive library raises; the CLI turns them into one-line messages."""


class ArchiveError(Exception):
    """Base class: anything the archive library reports to its caller."""


class DatabaseUnavailable(ArchiveError):
    """The database named by the URL cannot be reached or opened."""


class SchemaOutdated(ArchiveError):
    """The database schema is older than this code; run `archive upgrade`."""


class RecordNotFound(ArchiveError):
    """No article or capture matches the given hash, URL or record id."""


class WriteStopped(ArchiveError):
    """A crawl session stopped writing (the disk is full); nothing more can be archived."""


class DiskFull(WriteStopped):
    """The WARC folder's file system is full (ENOSPC) or over quota (EDQUOT)."""
