"""Several processes writing one index at once (crawler nodes): no deadlock surfaces, no
row is lost, and the database equals one process writing the same rows.

Each writer adds the same articles (syndicated copies: one article, captures from every
node) in its own shuffled order, in small batches, so that transactions overlap on the
same article rows in different orders."""

from __future__ import annotations

import multiprocessing
import random
from datetime import timedelta

from test_db_index import HOUR, T0, article, capture, crawl, digest

from archive.db.engine import make_engine, upgrade
from archive.db.rows import TopicMatchRow
from archive.db.writer import IndexWriter as Index
from archive.query.dump import dump_tables

WRITERS = 4
ARTICLES = 60
SIGHTINGS = 4
BATCH = 30


def _write(url: str, writer: int) -> int:
    engine = make_engine(url)
    index = Index(engine, batch_size=BATCH)
    crawl_id = f"{writer:032x}"
    index.add_crawl(crawl(crawl_id))
    rng = random.Random(writer)
    for sighting in range(SIGHTINGS):  # every article seen again and again, in new orders
        order = list(range(ARTICLES))
        rng.shuffle(order)
        for n in order:
            at = T0 + (sighting * WRITERS + writer) * HOUR + timedelta(seconds=n)
            url_ = f"https://site{writer}.example/{n}?seen={sighting}"
            index.add_article(article(n, at=at, url=url_))
            index.add_capture(capture((sighting * WRITERS + writer) * 1000 + n, at=at, url=url_,
                                      content_hash=digest(n), crawl_id=crawl_id))
            index.add_topic_match(TopicMatchRow(
                query="climate", content_hash=digest(n),
                score=0.5 + (sighting * WRITERS + writer) / 100 + n / 100_000, crawl_id=crawl_id))
    index.close()
    engine.dispose()
    return index.retries


def _run_concurrently(url: str) -> list[int]:
    context = multiprocessing.get_context("fork")
    with context.Pool(WRITERS) as pool:
        return pool.starmap(_write, [(url, w) for w in range(WRITERS)])


def test_concurrent_writers_equal_one_writer(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    retries = _run_concurrently(db_url)
    concurrent = dump_tables(engine)
    engine.dispose()

    reference_url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    reference = make_engine(reference_url)
    upgrade(reference)
    for writer in range(WRITERS):
        _write(reference_url, writer)
    expected = dump_tables(reference)
    reference.dispose()

    assert len(concurrent["articles"]) == ARTICLES
    assert len(concurrent["captures"]) == ARTICLES * WRITERS * SIGHTINGS
    assert concurrent == expected, f"retries per writer: {retries}"
