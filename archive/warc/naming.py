"""WARC file names: `{prefix}-{UTC yyyymmddHHMMSSfff}-{serial:05d}-{host}-{pid}.warc.gz`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"  # a file still being written (or left by a crash)

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
    host: str
    pid: int
    is_open: bool


def safe_part(text: str) -> str:
    """Keep a name part path- and shell-safe (hostnames are usually fine already)."""
    return _UNSAFE.sub("_", text) or "unknown"


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
