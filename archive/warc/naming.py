"""WARC file names: `{prefix}-{UTC yyyymmddHHMMSSfff}-{serial:05d}-{node}-{pid}.warc.gz`.

The node id names the crawler node that wrote a file (default: the host name; set it
with ARCHIVE_NODE_ID when several nodes share a host or a folder). Crash recovery only
touches files of its own node, and `verify --node` checks one node's files and rows.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from datetime import datetime, timezone

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"  # a file still being written (or left by a crash)
PENDING_SUFFIX = ".new"  # `<name>.open.new`: created, not yet locked (never recovered)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME = re.compile(
    r"^(?P<prefix>.+)-(?P<timestamp>\d{17})-(?P<serial>\d{5,})-(?P<host>.+)-(?P<pid>\d+)"
    + re.escape(WARC_SUFFIX)
    + r"(?P<open>" + re.escape(OPEN_SUFFIX) + r")?$"
)


@dataclass(frozen=True)
class WarcFileName:
    prefix: str
    timestamp: str
    serial: int
    host: str  # the node id (the host name unless ARCHIVE_NODE_ID says otherwise)
    pid: int
    is_open: bool

    @property
    def node(self) -> str:
        return self.host


def safe_part(text: str) -> str:
    """Keep a name part path- and shell-safe (hostnames are usually fine already)."""
    return _UNSAFE.sub("_", text) or "unknown"


def default_node_id() -> str:
    """This machine's node id when none is configured: its host name, made name-safe."""
    return safe_part(socket.gethostname())


def node_of(name: str) -> str | None:
    """The node id in a WARC file name this writer made; None for any other name."""
    parsed = parse_warc_filename(name)
    return parsed.host if parsed else None


def warc_filename(prefix: str, when: datetime, serial: int, host: str, pid: int) -> str:
    """The final name (without ".open") of a new rolling file."""
    when = when.astimezone(timezone.utc)
    stamp = when.strftime("%Y%m%d%H%M%S") + f"{when.microsecond // 1000:03d}"
    return f"{safe_part(prefix)}-{stamp}-{serial:05d}-{safe_part(host)}-{pid}{WARC_SUFFIX}"


def parse_warc_filename(name: str) -> WarcFileName | None:
    """Split a name this writer made; None for any other name."""
    match = _NAME.match(name)
    if not match:
        return None
    return WarcFileName(
        prefix=match["prefix"],
        timestamp=match["timestamp"],
        serial=int(match["serial"]),
        host=match["host"],
        pid=int(match["pid"]),
        is_open=bool(match["open"]),
    )


def final_name(name: str) -> str:
    """The name a file gets once closed."""
    return name[: -len(OPEN_SUFFIX)] if name.endswith(OPEN_SUFFIX) else name
