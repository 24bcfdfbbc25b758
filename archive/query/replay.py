"""Replay the archive in pywb: a collection config over the WARC folder and the command that serves it.

pywb is not a dependency of the archive (it pins old libraries): install it in
a virtualenv of its own and point ``pywb_bin`` (or PATH) at its ``wayback``.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from archive.errors import ArchiveError
from archive.query.cdx import DEFAULT_INDEX, build_cdxj
from archive.query.overview import warc_files

COLLECTION = "archive"
PYWB_DIR = "pywb"


#: pywb listens on all interfaces unless told otherwise; replay only on this machine by default.
DEFAULT_BIND = "127.0.0.1"


class ReplayError(ArchiveError):
    """pywb cannot be set up or started."""


@dataclass
class ReplayCommand:
    """How to serve the archive: run ``argv`` (pywb's ``wayback``) in ``cwd``."""

    argv: list[str]
    cwd: Path
    config: Path
    index: Path
    port: int
    bind: str = DEFAULT_BIND
    collection: str = COLLECTION
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        host = "localhost" if self.bind in (DEFAULT_BIND, "0.0.0.0", "::") else self.bind
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        return f"http://{host}:{self.port}/{self.collection}/"

    def url_for(self, url: str, when: datetime | None = None) -> str:
        """The replay address of ``url`` as archived at (or nearest to) ``when``."""
        stamp = when.strftime("%Y%m%d%H%M%S") if when else "*"
        return f"{self.base_url}{stamp}/{url}"

    def shell(self) -> str:
        """A shell line that starts pywb."""
        return f"cd {shlex.quote(str(self.cwd))} && " + " ".join(shlex.quote(a) for a in self.argv)


def index_is_stale(directory: Path, index: Path) -> bool:
    if not index.exists():
        return True
    built = index.stat().st_mtime
    return any(p.stat().st_mtime > built for p in warc_files(directory))


def write_pywb_config(
    directory: str | os.PathLike[str],
    *,
    collection: str = COLLECTION,
    rebuild_index: bool | None = None,
    progress: Callable[[int], object] | None = None,
) -> tuple[Path, Path]:
    """Write ``<directory>/pywb/config.yaml`` for a collection over the archive's WARCs.

    The CDXJ index (``<directory>/indexes/index.cdxj``) is (re)built when it is
    missing or older than a WARC file, or always with ``rebuild_index=True``.
    Returns (config path, index path).
    """
    directory = Path(directory).resolve()
    index = directory / DEFAULT_INDEX
    if rebuild_index or (rebuild_index is None and index_is_stale(directory, index)):
        build_cdxj(directory, index, progress=progress)
    pywb_dir = directory / PYWB_DIR
    pywb_dir.mkdir(parents=True, exist_ok=True)
    config = pywb_dir / "config.yaml"
    # JSON is YAML: quoting through json.dumps keeps odd paths safe.
    import json

    config.write_text(
        "# Written by `archive replay`: pywb serves the archive's WARC files.\n"
        "collections:\n"
        f"  {json.dumps(collection)}:\n"
        f"    index_paths: {json.dumps(str(index))}\n"
        f"    archive_paths: {json.dumps(str(directory) + os.sep)}\n",
        encoding="utf-8",
    )
    return config, index


def find_wayback(pywb_bin: str | os.PathLike[str] | None = None) -> str | None:
    """pywb's ``wayback`` executable: the given path (file or bin folder), else from PATH."""
    if pywb_bin:
        candidate = Path(pywb_bin).resolve()
        if candidate.is_dir():
            candidate = candidate / "wayback"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("wayback")


def replay_command(
    directory: str | os.PathLike[str],
    *,
    port: int = 8080,
    bind: str = DEFAULT_BIND,
    pywb_bin: str | os.PathLike[str] | None = None,
    collection: str = COLLECTION,
    rebuild_index: bool | None = None,
    progress: Callable[[int], object] | None = None,
) -> ReplayCommand:
    """Prepare the pywb config (and index) and return the command that serves the archive."""
    config, index = write_pywb_config(
        directory, collection=collection, rebuild_index=rebuild_index, progress=progress
    )
    wayback = find_wayback(pywb_bin) or "wayback"
    return ReplayCommand(
        argv=[wayback, "--port", str(port), "--bind", bind],
        cwd=config.parent,
        config=config,
        index=index,
        port=port,
        bind=bind,
        collection=collection,
        env={"PYWB_CONFIG_FILE": str(config)},
    )
