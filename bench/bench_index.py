"""Index insert rate on SQLite and PostgreSQL (full-text indexing included).

One "page" is what a live crawl indexes per article: a capture, an article of
~5 KB clean text, its conversion and metadata records and a topic match.

    .venv/bin/python bench/bench_index.py                  # 10,000 pages, both engines
    .venv/bin/python bench/bench_index.py --pages 2000 --engine sqlite --compare-fulltext
    ARCHIVE_BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_index.py
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db.engine import make_engine, upgrade  # noqa: E402
from archive.db.rows import (  # noqa: E402
    ArticleRow,
    CaptureRow,
    CrawlRow,
    DerivedRecordRow,
    TopicMatchRow,
)
from archive.db.writer import IndexWriter  # noqa: E402

PG_URL = os.environ.get(
    "ARCHIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CRAWL_ID = "b" * 32
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


@dataclass
class Page:
    capture: CaptureRow
    article: ArticleRow
    derived: tuple[DerivedRecordRow, DerivedRecordRow]
    match: TopicMatchRow


@dataclass
class Result:
    engine: str
    pages: int
    rows: int
    seconds: float
    cpu_seconds: float = 0.0  # user + system CPU of this process (the database's, on SQLite)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds

    @property
    def pages_per_cpu_second(self) -> float:
        return self.pages / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    def __str__(self) -> str:
        return (
            f"{self.engine:<16} {self.pages:>7,} pages {self.rows:>8,} rows "
            f"{self.seconds:7.2f} s  {self.pages_per_second:9,.0f} pages/s "
            f"{self.rows_per_second:9,.0f} rows/s | cpu {self.cpu_seconds:6.2f} s "
            f"{self.pages_per_cpu_second:7,.0f} pages/cpu-s "
            f"{self.rows / self.cpu_seconds if self.cpu_seconds else 0:8,.0f} rows/cpu-s"
        )


def make_pages(count: int, text_size: int = 5000, seed: int = 1) -> list[Page]:
    """``count`` distinct pages with realistic-looking ~``text_size``-character texts."""
    rng = random.Random(seed)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 11)))
        for _ in range(20_000)
    ]
    # Word frequencies follow Zipf's law, as in real prose.
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(vocabulary) + 1)))
    pages = []
    for n in range(count):
        words = rng.choices(vocabulary, cum_weights=cumulative, k=text_size // 5)
        text = " ".join(words)[:text_size]
        digest = hashlib.sha256(text.encode()).hexdigest()
        url = f"https://site{n % 50}.example/news/{n}"
        at = T0 + timedelta(milliseconds=n)
        record = f"<urn:uuid:{uuid.UUID(int=n)}>"
        capture = CaptureRow(
            record_id=record, record_type="response", url=url, canonical_url=url,
            site=f"Site {n % 50}", fetched_at=at, status=200,
            content_type="text/html; charset=utf-8", warc_filename="bench-00001.warc.gz",
            warc_offset=n * 20_000, warc_length=19_000, payload_digest=f"sha1:{digest[:32]}",
            block_digest=f"sha1:{digest[32:]}", etag=f'"{n}"', ip_address="127.0.0.1",
            crawl_id=CRAWL_ID, content_hash=digest,
        )
        article = ArticleRow(
            content_hash=digest, title=" ".join(words[:8]).title(), authors=["A. Writer"],
            published=at - timedelta(days=1), language="en", text=text, canonical_url=url,
            site_name=f"Site {n % 50}", description=" ".join(words[8:30]), tags=["news"],
            first_seen=at, last_seen=at, first_site=f"Site {n % 50}", first_url=url,
        )
        derived = tuple(
            DerivedRecordRow(
                record_id=f"<urn:uuid:{uuid.UUID(int=(n << 2) + k + (1 << 100))}>",
                capture_record_id=record, kind=kind, warc_filename="bench-00001.warc.gz",
                warc_offset=n * 20_000 + 19_000 + k * 500, warc_length=500,
            )
            for k, kind in enumerate(("conversion", "metadata"))
        )
        match = TopicMatchRow(query="bench topic", content_hash=digest, score=rng.random(),
                              crawl_id=CRAWL_ID)
        pages.append(Page(capture, article, derived, match))
    return pages


def insert_pages(engine: sa.Engine, pages: list[Page], batch_size: int = 500) -> Result:
    """Index ``pages`` the way a live crawl does (article first, then its rows); timed."""
    index = IndexWriter(engine, batch_size=batch_size)
    index.add_crawl(
        CrawlRow(crawl_id=CRAWL_ID, spider="bench", topic="bench topic", sites=[],
                 settings_digest="", started_at=T0)
    )
    index.flush()
    cpu = _process_cpu()
    started = time.perf_counter()
    for page in pages:
        index.add_article(page.article)
        index.add_capture(page.capture)
        index.add_derived(page.derived[0])
        index.add_derived(page.derived[1])
        index.add_topic_match(page.match)
    index.close()
    seconds = time.perf_counter() - started
    cpu = _process_cpu() - cpu
    return Result(engine.dialect.name, len(pages), len(pages) * 5, seconds, cpu)


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def sqlite_engine() -> Iterator[sa.Engine]:
    """A migrated SQLite database in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-index-") as folder:
        engine = make_engine(f"sqlite:///{folder}/archive.sqlite")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@contextlib.contextmanager
def postgresql_engine(admin_url: str = PG_URL) -> Iterator[sa.Engine]:
    """A migrated PostgreSQL schema of its own, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(admin.url.update_query_dict({"options": f"-csearch_path={schema}"}))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def drop_fulltext(engine: sa.Engine) -> None:
    """Remove the full-text objects, to measure what they cost (never in production)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for trigger in ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
            conn.exec_driver_sql("DROP TABLE articles_fts")
        else:
            conn.exec_driver_sql(
                "ALTER TABLE articles DROP COLUMN search_vector, DROP COLUMN rank_vector"
            )


def bench(
    engine_name: str, pages: list[Page], batch_size: int = 500, fulltext: bool = True
) -> Result:
    factory = sqlite_engine if engine_name == "sqlite" else postgresql_engine
    with factory() as engine:
        if not fulltext:
            drop_fulltext(engine)
        result = insert_pages(engine, pages, batch_size)
    if not fulltext:
        result.engine += " -fts"
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--text-size", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--compare-fulltext", action="store_true",
        help="also run without the full-text index, to show its share of the cost",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    pages = make_pages(args.pages, args.text_size)
    print(f"generated {len(pages):,} pages of ~{args.text_size:,} chars "
          f"in {time.perf_counter() - started:.1f} s (not timed)")
    print("(rows per page: capture, article + full text, 2 derived records, topic match)")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for name in engines:
        print(bench(name, pages, args.batch_size), flush=True)
        if args.compare_fulltext:
            print(bench(name, pages, args.batch_size, fulltext=False), flush=True)


if __name__ == "__main__":
    main()
