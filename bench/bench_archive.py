"""Benchmark: the archive write path a crawl uses, WARC + index together, per core.

For each page: request + raw response records, a conversion record, a metadata
record, and the capture/article/derived/topic rows (batched) — exactly what
`CrawlSession.write_response` + `add_article` do during a crawl (with the
content hash precomputed, as the crawl's extraction worker hands it over).

Reported per engine: wall pages/s and MB/s of HTML, and what one core can do:
the process's CPU time (user + system, all threads: the background index
writer included) and pages per CPU-second. On PostgreSQL (a server on this
machine) also the CPU its backend processes spent for this client, read from
/proc/<pid>/stat of each `pg_backend_pid()` before and after, so that client
and server CPU per page are both shown.

    .venv/bin/python bench/bench_archive.py [--pages 10000] [--kb 60] [--engines sqlite,postgresql]
        [--foreground] [--level 2] [--vocabulary small|zipf] [--profile OUT.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_support, also when a test loads this file

import sqlalchemy as sa  # noqa: E402

from archive import Archive  # noqa: E402
from archive.exchange import HttpExchange, TopicMatch  # noqa: E402
from archive.text import content_hash  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORDS = ("india united states defence framework agreement minister cooperation regional "
         "stability partnership technology sharing information deterrence signed ten year "
         "secretary meeting kuala lumpur strategic convergence decade pillar bilateral").split()


@dataclass(frozen=True)
class Page:
    url: str
    html: bytes
    text: str
    title: str
    authors: list = field(default_factory=list)
    published: datetime | None = None
    language: str = "en"
    canonical_url: str | None = None
    site_name: str = "Bench"
    description: str | None = None
    tags: list = field(default_factory=list)


def _zipf_vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 11)))
             for _ in range(size)]
    return words, list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))


def make_pages(count: int, kb: int, vocabulary: str = "small") -> list[Page]:
    """Pages shaped like real news pages: ~5-8 KB of article text inside `kb` KB of
    markup (navigation, scripts, related links, footer).

    `vocabulary`: "small" writes the text from 30 words (the benchmark's original
    text; cheap to full-text index), "zipf" from 20,000 words with Zipf frequencies
    like real prose (as bench_index.py), whose full-text indexing costs several
    times more."""
    rng = random.Random(7)
    zipf = _zipf_vocabulary(random.Random(11)) if vocabulary == "zipf" else None
    pages = []
    for i in range(count):
        paragraphs, size = [], 0
        target_text = rng.randint(5_000, 8_000)
        while size < target_text:
            if zipf:
                words = rng.choices(zipf[0], cum_weights=zipf[1], k=rng.randint(12, 30))
            else:
                words = [rng.choice(WORDS) for _ in range(rng.randint(12, 30))]
            sentence = " ".join(words)
            paragraphs.append(sentence.capitalize() + f". Story {i}.")
            size += len(paragraphs[-1])
        text = "\n".join(paragraphs)
        body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
        head = (f"<!doctype html><html><head><title>Story {i}</title>"
                f"<meta property='og:type' content='article'></head><body><nav>"
                + "".join(f"<a href='/section/{j}'>Section {j}</a>" for j in range(40))
                + f"</nav><article><h1>Story {i}</h1>{body}</article><aside>")
        filler = []
        while len(head) + sum(map(len, filler)) < kb * 1024:
            j = rng.randrange(10**6)
            filler.append(f"<li><a href='/2025/10/related-{j}'>Related story {j} about "
                          f"{rng.choice(WORDS)} {rng.choice(WORDS)}</a></li>"
                          f"<script>window.dataLayer.push({{'slot': {j}}});</script>\n")
        html = head + "<ul>" + "".join(filler) + "</ul></aside></body></html>"
        pages.append(Page(url=f"http://127.0.0.2:8000/2025/10/story-{i}", html=html.encode(),
                          text=text, title=f"Story {i}"))
    return pages


def process_cpu() -> float:
    """User + system CPU seconds of this process, all threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


from bench_support import proc_cpu  # noqa: E402


class BackendCpu:
    """CPU spent by the PostgreSQL backends of an engine's connections (same machine only)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.start: dict[int, float] = {}
        self.ok = True
        # "checkout", not "connect": make_engine's probe connection is already pooled
        sa.event.listen(engine, "checkout", self._checked_out)

    def _checked_out(self, dbapi_connection, record, proxy) -> None:
        if "bench_backend_pid" in record.info:
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.close()
        record.info["bench_backend_pid"] = pid
        cpu = proc_cpu(pid)
        if cpu is None:
            self.ok = False  # the server is not on this machine (or not readable)
        self.start[pid] = cpu or 0.0

    def mark(self) -> None:
        """Forget what the backends spent so far (call when the timed part starts)."""
        for pid in self.start:
            self.start[pid] = proc_cpu(pid) or 0.0

    def seconds(self) -> float | None:
        """CPU seconds since connect/mark, summed over the backends (still open: call
        before the engine is disposed)."""
        if not self.ok:
            return None
        total = 0.0
        for pid, start in self.start.items():
            now = proc_cpu(pid)
            if now is None:
                return None
            total += now - start
        return total


def run(pages: list[Page], directory: Path, db_url: str | None, *, background: bool = True,
        level: int | None = None, profile: cProfile.Profile | None = None) -> dict:
    t0 = datetime(2025, 11, 1, tzinfo=timezone.utc)
    hashes = [content_hash(p.text) for p in pages]  # the extraction worker's job, not timed
    # story linking at the session's close is measured by bench_stories.py, not here: on these
    # 60 KB synthetic texts it took three quarters of the time (signatures at 3 ms a page)
    options: dict = {"index_background": background, "link_stories": False}
    if level is not None:
        options["warc_compress_level"] = level
    with Archive.open(directory, db_url, **options) as archive:
        on_pg = archive.engine.dialect.name == "postgresql"
        backend = BackendCpu(archive.engine) if on_pg else None
        session = archive.start_crawl(spider="bench", topic="defence", sites=[
            {"name": "Bench", "url": "http://127.0.0.2:8000/"}])
        exchanges = [
            HttpExchange(
                url=page.url, method="GET",
                request_headers=[(b"User-Agent", b"bench"), (b"Accept", b"text/html")],
                request_body=b"", protocol="HTTP/1.1", status=200, reason="OK",
                response_headers=[(b"Content-Type", b"text/html; charset=utf-8"),
                                  (b"ETag", f'"{i}"'.encode()),
                                  (b"Content-Length", str(len(page.html)).encode())],
                body=page.html, ip_address="127.0.0.2", fetched_at=t0 + timedelta(seconds=i))
            for i, page in enumerate(pages)
        ]
        topics = [TopicMatch("defence", 0.5)]
        if backend:
            backend.mark()
        start = time.perf_counter()
        cpu = process_cpu()
        if profile:
            profile.enable()
        for exchange, page, digest in zip(exchanges, pages, hashes):
            ref = session.write_response(exchange)
            session.add_article(ref, page, topics, content_hash=digest)
        session.close({})
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - start
        cpu = process_cpu() - cpu
        server_cpu = backend.seconds() if backend else None
    megabytes = sum(len(p.html) for p in pages) / 1e6
    n = len(pages)
    return {"pages": n, "seconds": elapsed, "cpu_seconds": cpu,
            "pages_per_s": n / elapsed, "pages_per_cpu_s": n / cpu,
            "cpu_ms_per_page": 1000 * cpu / n,
            "server_cpu_seconds": server_cpu,
            "server_cpu_ms_per_page": None if server_cpu is None else 1000 * server_cpu / n,
            "mb_per_s": megabytes / elapsed,
            "warc_mb": sum(f.stat().st_size for f in directory.glob("*.warc.gz")) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--kb", type=int, default=60)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--foreground", action="store_true",
                        help="index in the calling thread (no background index writer)")
    parser.add_argument("--level", type=int, default=None, help="ISA-L gzip level 0-3")
    parser.add_argument("--vocabulary", choices=["small", "zipf"], default="small",
                        help="article text from 30 words (default) or a Zipf 20,000-word "
                             "vocabulary like real prose (dearer to full-text index)")
    parser.add_argument("--profile", metavar="FILE",
                        help="cProfile the timed part (per engine: FILE.<engine>) and print "
                             "the top functions")
    args = parser.parse_args()
    pages = make_pages(args.pages, args.kb, args.vocabulary)
    print(f"{len(pages)} pages, {sum(len(p.html) for p in pages) / len(pages) / 1024:.1f} KB "
          f"HTML each on average, {args.vocabulary} vocabulary; index writer: "
          f"{'foreground' if args.foreground else 'background thread'}")
    print(f"{'engine':<12}{'pages/s':>9}{'MB/s':>7}{'wall s':>8}{'cpu s':>7}"
          f"{'pages/cpu-s':>12}{'cpu ms/page':>12}{'server ms/page':>15}{'WARC MB':>9}")
    for engine in args.engines.split(","):
        workdir = Path(tempfile.mkdtemp(prefix="bench-archive-"))
        schema = None
        try:
            if engine == "sqlite":
                url = None  # the embedded default: SQLite beside the WARCs
            else:
                schema = f"bench_{uuid.uuid4().hex[:12]}"
                admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
            profile = cProfile.Profile() if args.profile else None
            result = run(pages, workdir, url, background=not args.foreground, level=args.level,
                         profile=profile)
            server = result["server_cpu_ms_per_page"]
            print(f"{engine:<12}{result['pages_per_s']:>9.0f}{result['mb_per_s']:>7.1f}"
                  f"{result['seconds']:>8.2f}{result['cpu_seconds']:>7.2f}"
                  f"{result['pages_per_cpu_s']:>12.0f}{result['cpu_ms_per_page']:>12.3f}"
                  f"{'-' if server is None else format(server, '.3f'):>15}"
                  f"{result['warc_mb']:>9.1f}", flush=True)
            if profile:
                import pstats

                out = f"{args.profile}.{engine}"
                profile.dump_stats(out)
                print(f"profile of the calling thread written to {out}")
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            if schema:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
