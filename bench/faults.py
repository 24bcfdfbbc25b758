"""Fault injection: crawls killed with SIGKILL at random moments, then run again; is anything lost?

    python bench/faults.py --trials 20 --seed 1            # plain crawls
    python bench/faults.py --trials 20 --seed 1 --jobdir   # with -s JOBDIR=... (both runs)

One local demo web (loopback, `--outlets` outlets with `--filler` filler articles each:
>= 500 articles with the defaults) serves every crawl. A reference crawl runs uninterrupted
first and gives the full crawl's duration T and its articles (content hashes). Each trial
then starts the same `scrapy crawl topic` into a fresh archive, kills its process group
with SIGKILL at a seeded random moment between 5 % and 95 % of T, and runs the same
command again to its end. After each trial:

- verify: the exit code of `archive verify`;
- lost / extra: the reference's articles (content hash) missing here, and the other way;
- dups: full responses (not revisits) beyond the first for the same URL and payload digest;
- open: `.open` WARC files left behind; warcio: whether `warcio check` passes on every file.

The table goes to stdout; `--json FILE` also writes the rows. Exit code 0 when every trial
is clean (verify 0, 0 lost, 0 dups, no .open file, warcio ok), else 1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_support import ROOT, start_demo_web  # noqa: E402

TOPIC = "(defence OR defense) AND (India OR Delhi)"
CRAWL_TIMEOUT = 900  # seconds: a bound on any one crawl
KILL_WINDOW = (0.05, 0.95)


@dataclass
class Trial:
    trial: int
    kill_at: float  # seconds after the start
    kill_fraction: float  # of the reference crawl's duration
    first_rc: int | None  # -9 when the kill landed; 0 when the crawl had already finished
    second_rc: int
    verify_rc: int
    articles: int
    lost: int
    extra: int
    dups: int
    open_files: int
    warcio_ok: bool
    seconds: float

    @property
    def clean(self) -> bool:
        return (self.second_rc == 0 and self.verify_rc == 0 and self.lost == 0 and self.dups == 0
                and self.open_files == 0 and self.warcio_ok)


def crawl_command(sites: Path, archive_dir: Path, jobdir: Path | None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
               "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={archive_dir}", "-s", "LOG_LEVEL=WARNING"]
    if jobdir is not None:
        command += ["-s", f"JOBDIR={jobdir}"]
    return command


def crawl_env() -> dict[str, str]:
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="settings.test", PYTHONPATH=str(ROOT))
    env.pop("ARCHIVE_DATABASE_URL", None)  # SQLite inside each trial's archive
    return env


def run(command: list[str], log: Path, kill_after: float | None = None) -> int | None:
    """Run a crawl (its own process group); SIGKILL the group after `kill_after` seconds."""
    with log.open("a") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=crawl_env(), stdout=out, stderr=out,
                                start_new_session=True)
        try:
            proc.wait(timeout=kill_after if kill_after is not None else CRAWL_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the crawl and its extraction workers
            proc.wait()
            if kill_after is None:
                raise SystemExit(f"a crawl ran longer than {CRAWL_TIMEOUT} s; see {log}") from None
        return proc.returncode


def articles(archive_dir: Path) -> set[str]:
    with sqlite3.connect(f"file:{archive_dir / 'archive.sqlite'}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("SELECT content_hash FROM articles")}


def duplicate_responses(archive_dir: Path) -> int:
    with sqlite3.connect(f"file:{archive_dir / 'archive.sqlite'}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM captures "
            "WHERE record_type = 'response' GROUP BY url, payload_digest HAVING COUNT(*) > 1)"
        ).fetchone()
    return int(row[0])


def warcio_ok(archive_dir: Path) -> bool:
    files = sorted(str(p) for p in archive_dir.glob("*.warc.gz*"))
    if not files:
        return False
    warcio = Path(sys.executable).with_name("warcio")
    proc = subprocess.run([str(warcio), "check", *files], capture_output=True, text=True)
    return proc.returncode == 0


def verify(archive_dir: Path, log: Path) -> int:
    archive_cli = Path(sys.executable).with_name("archive")
    with log.open("a") as out:
        return subprocess.run([str(archive_cli), "--dir", str(archive_dir), "verify"], cwd=ROOT,
                              env=crawl_env(), stdout=out, stderr=out).returncode


def trial(number: int, rng: random.Random, duration: float, sites: Path, workdir: Path, reference: set[str],
          jobdir: bool) -> Trial:
    directory = workdir / f"trial-{number:02d}"
    archive_dir = directory / "archive"
    directory.mkdir(parents=True)
    command = crawl_command(sites, archive_dir, directory / "job" if jobdir else None)
    log = directory / "crawl.log"
    fraction = rng.uniform(*KILL_WINDOW)
    started = time.monotonic()
    first_rc = run(command, log, kill_after=fraction * duration)
    second_rc = run(command, log)
    found = articles(archive_dir)
    return Trial(
        trial=number, kill_at=round(fraction * duration, 1), kill_fraction=round(fraction, 3),
        first_rc=first_rc, second_rc=second_rc or 0, verify_rc=verify(archive_dir, log),
        articles=len(found), lost=len(reference - found), extra=len(found - reference),
        dups=duplicate_responses(archive_dir), open_files=len(list(archive_dir.glob("*.open"))),
        warcio_ok=warcio_ok(archive_dir), seconds=round(time.monotonic() - started, 1),
    )


def table(rows: list[Trial], reference: int) -> str:
    head = (f"{'trial':>5} {'kill s':>7} {'kill %':>6} {'rc1':>4} {'rc2':>4} {'verify':>6} "
            f"{'articles':>8} {'lost':>5} {'extra':>5} {'dups':>5} {'open':>4} {'warcio':>6} {'clean':>5}")
    lines = [head]
    for r in rows:
        lines.append(f"{r.trial:>5} {r.kill_at:>7.1f} {100 * r.kill_fraction:>6.1f} {r.first_rc!s:>4} "
                     f"{r.second_rc:>4} {r.verify_rc:>6} {r.articles:>8} {r.lost:>5} {r.extra:>5} "
                     f"{r.dups:>5} {r.open_files:>4} {'ok' if r.warcio_ok else 'FAIL':>6} "
                     f"{'yes' if r.clean else 'NO':>5}")
    clean = sum(r.clean for r in rows)
    lines.append(f"reference: {reference} articles; clean trials {clean}/{len(rows)}; "
                 f"lost {sum(r.lost for r in rows)}; dups {sum(r.dups for r in rows)}; "
                 f"verify failures {sum(r.verify_rc != 0 for r in rows)}; "
                 f".open left {sum(r.open_files for r in rows)}; "
                 f"warcio failures {sum(not r.warcio_ok for r in rows)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1, help="seeds the kill moments")
    parser.add_argument("--jobdir", action="store_true", help="crawl with -s JOBDIR=... (both runs)")
    parser.add_argument("--outlets", type=int, default=5)
    parser.add_argument("--filler", type=int, default=100, help="filler articles per outlet")
    parser.add_argument("--article-kb", type=float, default=0, help="pad articles to this size (0: no padding)")
    parser.add_argument("--workdir", type=Path, default=None, help="kept afterwards (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args(argv)
    if args.trials < 1:
        parser.error("--trials must be at least 1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="faults-"))
    workdir.mkdir(parents=True, exist_ok=True)
    web, sites = start_demo_web(args, workdir)
    try:
        reference_dir = workdir / "reference" / "archive"
        reference_dir.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        rc = run(crawl_command(sites, reference_dir, None), reference_dir.parent / "crawl.log")
        duration = time.monotonic() - started
        if rc != 0:
            raise SystemExit(f"the reference crawl failed (exit {rc}); see {reference_dir.parent / 'crawl.log'}")
        reference = articles(reference_dir)
        print(f"reference crawl: {len(reference)} articles in {duration:.1f} s (workdir {workdir})", flush=True)
        rng = random.Random(args.seed)
        rows = []
        for number in range(1, args.trials + 1):
            row = trial(number, rng, duration, sites, workdir, reference, args.jobdir)
            rows.append(row)
            print(table([row], len(reference)).splitlines()[1], flush=True)
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
    print(table(rows, len(reference)))
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))
    return 0 if all(r.clean for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
