"""Finish WARC files a crashed writer left as `*.warc.gz.open`.

A file is cut after its last complete gzip member (= last whole record) and
renamed to its final name. Files still being written are left alone: those
open in this process, and those whose name says they belong to a process on
this host that is still running (and is older than the file's last write, as
pids are reused after a reboot). Files named after another host are taken to
be abandoned: one machine at a time writes a directory.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from archive.warc.gzipmembers import MemberError, iter_members
from archive.warc.naming import OPEN_SUFFIX, WARC_SUFFIX, final_name, parse_warc_filename, safe_part
from archive.warc.writer import open_in_this_process

logger = logging.getLogger(__name__)


def recover(directory: str | os.PathLike) -> list[tuple[str, int]]:
    """Recover every abandoned `.open` file in `directory`.

    Returns (final file name, dropped bytes) per file recovered. A file without
    one complete record is deleted (its name is still returned)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    recovered = []
    for path in sorted(directory.glob("*" + WARC_SUFFIX + OPEN_SUFFIX)):
        if _still_being_written(path):
            logger.info("leaving %s alone: its writer is still running", path.name)
            continue
        recovered.append(_recover_file(path))
    return recovered


def _still_being_written(path: Path) -> bool:
    if open_in_this_process(path):
        return True
    name = parse_warc_filename(path.name)
    if name is None or name.pid == os.getpid():
        return False  # same pid but not open here: a previous life of this pid
    if name.host != safe_part(socket.gethostname()):
        return False  # another machine's file: we cannot know, it was left to us
    try:
        os.kill(name.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    # After a reboot pids are reused: a process younger than the file's last
    # write cannot be its writer (the writer flushes every record).
    started = _process_start_time(name.pid)
    return started is None or started <= path.stat().st_mtime


def _process_start_time(pid: int) -> float | None:
    """Unix time a process started (Linux /proc), None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            # field 22 (starttime, in clock ticks after boot) follows the ")" of comm
            fields = fh.read().rsplit(b")", 1)[1].split()
        start_ticks = int(fields[19])
        with open("/proc/stat", "rb") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime "))
        return boot + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


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


def _recover_file(path: Path) -> tuple[str, int]:
    size = path.stat().st_size
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
    with open(path, "r+b") as fh:
        if dropped:
            fh.truncate(good)
        fh.flush()
        os.fsync(fh.fileno())
    os.rename(path, target)
    logger.warning("recovery: %s -> %s, dropped %d bytes after the last complete record",
                   path.name, target.name, dropped)
    return target.name, dropped
