"""Finish WARC files a crashed writer left as `*.warc.gz.open`.

A file is cut after its last complete gzip member (= last whole record) and
renamed to its final name. Only abandoned files are touched: a live writer holds
an exclusive `flock` on its `.open` file (see `WarcWriter`), which the kernel
drops when that process ends, however it ends. Recovery takes the same lock
(non-blocking) before it touches a file, and holds it until the file is renamed.

With `node` given (a crawl start does this), only files whose name carries that
node id are considered: several nodes may share one folder, and each recovers its
own files when it restarts. Limits: the lock is only as good as the file system's
`flock` (local disks, NFSv4, CephFS, Lustre: yes; NFSv3 without lockd, some FUSE
file systems: no); there, give each node its own node id so that the name alone
keeps nodes off each other's files.
"""

from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path
from typing import BinaryIO

from archive.warc.gzipmembers import MemberError, iter_members
from archive.warc.naming import OPEN_SUFFIX, PENDING_SUFFIX, WARC_SUFFIX, final_name, node_of
from archive.warc.writer import open_in_this_process

logger = logging.getLogger(__name__)


def recover(directory: str | os.PathLike[str], node: str | None = None) -> list[tuple[str, int]]:
    """Recover every abandoned `.open` file in `directory` (of `node` only, when given).

    Returns (final file name, dropped bytes) per file recovered. A file without
    one complete record is deleted (its name is still returned)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    recovered = []
    for path in sorted(directory.glob("*" + WARC_SUFFIX + OPEN_SUFFIX)):
        if node is not None and node_of(path.name) != node:
            continue  # another node's file: it recovers its own when it restarts
        if open_in_this_process(path):
            logger.info("leaving %s alone: it is being written in this process", path.name)
            continue
        result = _recover_if_abandoned(path)
        if result is not None:
            recovered.append(result)
    for path in sorted(directory.glob("*" + WARC_SUFFIX + OPEN_SUFFIX + PENDING_SUFFIX)):
        if node is None or node_of(path.name[: -len(PENDING_SUFFIX)]) == node:
            _remove_if_abandoned(path)  # a crash between creating a file and locking it
    return recovered


def is_being_written(path: str | os.PathLike[str]) -> bool:
    """Whether a `.open` file has a live writer (in this process, or holding its lock)."""
    if open_in_this_process(path):
        return True
    try:
        fh = open(path, "rb")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False  # no locks on this file system: the name must tell (node ids)
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return False


def _remove_if_abandoned(path: Path) -> None:
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # its writer is about to rename it to `.open`
        if path.exists() and os.path.samestat(os.fstat(fh.fileno()), path.stat()):
            path.unlink()
            logger.warning("recovery: removed %s: created, never written", path.name)


def _recover_if_abandoned(path: Path) -> tuple[str, int] | None:
    try:
        fh = open(path, "r+b")
    except FileNotFoundError:
        return None  # finished (renamed) by its writer meanwhile
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.info("leaving %s alone: its writer is still running (file locked)", path.name)
            return None
        if not path.exists() or not os.path.samestat(os.fstat(fh.fileno()), path.stat()):
            return None  # renamed between our open and our lock
        return _recover_file(path, fh)

def _good_length(path: Path) -> int:
    """Bytes up to the end of the last complete gzip member."""
    end = 0
    with open(path, "rb") as fh:
        try:
            for member in iter_members(fh, keep_data=False):
                end = member.offset + member.length
        except MemberError:
            pass  # the damage starts at `end`
    return end


def _recover_file(path: Path, fh: BinaryIO) -> tuple[str, int]:
    size = os.fstat(fh.fileno()).st_size
    good = _good_length(path)
    dropped = size - good
    target = path.with_name(final_name(path.name))
    if good == 0:
        path.unlink()
        logger.warning("recovery: removed %s: no complete record (%d bytes dropped)",
                       path.name, dropped)
        return target.name, dropped
    if target.exists():
        raise FileExistsError(f"cannot recover {path}: {target.name} already exists")
    if dropped:
        fh.truncate(good)
    fh.flush()
    os.fsync(fh.fileno())
    os.rename(path, target)
    logger.warning("recovery: %s -> %s, dropped %d bytes after the last complete record",
                   path.name, target.name, dropped)
    return target.name, dropped
