"""What several benchmarks share: the local demo web in a subprocess, a scratch database, and
the CPU time of another process."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB_START_TIMEOUT = 180  # seconds for the demo web's READY line


def start_demo_web(args, workdir: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    """`python -m crawler.demoweb` with the bench's --outlets/--filler/--article-kb, no bad inputs;
    returns the process (its own session: kill the group) and the sites file it wrote."""
    sites = workdir / "sites.yaml"
    command = [sys.executable, "-m", "crawler.demoweb", "--outlets", str(args.outlets), "--filler",
               str(args.filler), "--article-kb", str(args.article_kb), "--no-bad-inputs",
               *extra, "--sites-out", str(sites)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + WEB_START_TIMEOUT
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if line.startswith("READY"):
            threading.Thread(target=lambda: [None for _ in proc.stdout or ()], daemon=True).start()
            return proc, sites
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("demo web did not start")


@contextlib.contextmanager
def scratch_database(engine_name: str, pg_url: str, prefix: str) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database, dropped afterwards: a SQLite file in a temporary
    folder, or a fresh schema on the PostgreSQL server of `pg_url`."""
    import sqlalchemy as sa

    if engine_name == "sqlite":
        workdir = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        try:
            yield f"sqlite:///{workdir / 'archive.sqlite'}"
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return
    schema = f"{prefix.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_url}{'&' if '?' in pg_url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of another process on this machine, e.g. a PostgreSQL
    backend (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime (fields 14, 15)
