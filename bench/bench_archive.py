"""Benchmark: the archive write path a crawl uses, WARC + index together, on one core.

For each page: request + raw response records, a conversion record, a metadata
record, and the capture/article/derived/topic rows (batched) — exactly what
`CrawlSession.write_response` + `add_article` do during a crawl. Reported as
pages/s and MB/s of HTML, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_archive.py [--pages 10000] [--kb 60] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive import Archive  # noqa: E402
from archive.exchange import HttpExchange, TopicMatch  # noqa: E402

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


def make_pages(count: int, kb: int) -> list[Page]:
    """Pages shaped like real news pages: ~5-8 KB of article text inside `kb` KB of
    markup (navigation, scripts, related links, footer)."""
    rng = random.Random(7)
    pages = []
    for i in range(count):
        paragraphs, size = [], 0
        target_text = rng.randint(5_000, 8_000)
        while size < target_text:
            sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
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


def run(pages: list[Page], directory: Path, db_url: str | None) -> dict:
    t0 = datetime(2025, 11, 1, tzinfo=timezone.utc)
    with Archive.open(directory, db_url) as archive:
        session = archive.start_crawl(spider="bench", topic="defence", sites=[
            {"name": "Bench", "url": "http://127.0.0.2:8000/"}])
        start = time.perf_counter()
        cpu = time.process_time()
        for i, page in enumerate(pages):
            exchange = HttpExchange(
                url=page.url, method="GET",
                request_headers=[(b"User-Agent", b"bench"), (b"Accept", b"text/html")],
                request_body=b"", protocol="HTTP/1.1", status=200, reason="OK",
                response_headers=[(b"Content-Type", b"text/html; charset=utf-8"),
                                  (b"ETag", f'"{i}"'.encode()),
                                  (b"Content-Length", str(len(page.html)).encode())],
                body=page.html, ip_address="127.0.0.2", fetched_at=t0 + timedelta(seconds=i))
            ref = session.write_response(exchange)
            session.add_article(ref, page, [TopicMatch("defence", 0.5)])
        session.close({})
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
    megabytes = sum(len(p.html) for p in pages) / 1e6
    return {"pages": len(pages), "seconds": elapsed, "cpu_seconds": cpu,
            "pages_per_s": len(pages) / elapsed, "mb_per_s": megabytes / elapsed,
            "warc_mb": sum(f.stat().st_size for f in directory.glob("*.warc.gz")) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--kb", type=int, default=60)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    pages = make_pages(args.pages, args.kb)
    print(f"{len(pages)} pages, {sum(len(p.html) for p in pages) / len(pages) / 1024:.1f} KB "
          f"HTML each on average")
    print(f"{'engine':<12}{'pages/s':>10}{'MB/s':>8}{'cpu s':>8}{'wall s':>8}{'WARC MB':>9}")
    for engine in args.engines.split(","):
        workdir = Path(tempfile.mkdtemp(prefix="bench-archive-"))
        schema = None
        try:
            if engine == "sqlite":
                url = None  # the embedded default: SQLite beside the WARCs
            else:
                import sqlalchemy as sa

                schema = f"bench_{uuid.uuid4().hex[:12]}"
                admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
            result = run(pages, workdir, url)
            print(f"{engine:<12}{result['pages_per_s']:>10.0f}{result['mb_per_s']:>8.1f}"
                  f"{result['cpu_seconds']:>8.1f}{result['seconds']:>8.1f}{result['warc_mb']:>9.1f}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            if schema:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
