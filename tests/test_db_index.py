"""The index writer on SQLite and PostgreSQL: idempotent upserts, article and topic
semantics, read back through the query layer (lookups, capture states), site
segments and whole-database dumps."""

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from archive.db.engine import make_engine, upgrade
from archive.db.models import metadata
from archive.db.rows import (
    ARTICLE_FIELDS,
    ArticleRow,
    CaptureRow,
    CrawlRow,
    DerivedRecordRow,
    TopicMatchRow,
)
from archive.db.segments import load_site_segments, save_site_segments
from archive.db.writer import IndexWriter as Index
from archive.errors import RecordNotFound
from archive.query import captures as q
from archive.query.articles import article as article_view
from archive.query.dump import dump_tables
from archive.query.overview import crawl_summaries

T0 = datetime(2024, 5, 1, 8, 0, 0, 250000, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def digest(n: int) -> str:
    return f"{n:064x}"


def crawl(crawl_id: str = "c" * 32) -> CrawlRow:
    return CrawlRow(
        crawl_id=crawl_id, spider="topic", topic="climate",
        sites=[{"name": "Example", "url": "https://example.com/"}],
        settings_digest="abc", started_at=T0,
    )


def capture(n: int, *, at: datetime = T0, url: str | None = None, **fields) -> CaptureRow:
    url = url or f"https://example.com/news/{n}"
    values = dict(
        record_id=f"<urn:uuid:{n:08d}-0000-0000-0000-000000000000>", record_type="response",
        url=url, canonical_url=url, site="Example", fetched_at=at, status=200,
        content_type="text/html; charset=utf-8", warc_filename="archive-1.warc.gz",
        warc_offset=n * 1000, warc_length=900, payload_digest=f"sha1:P{n}",
        block_digest=f"sha1:B{n}", etag=f'"e{n}"', last_modified=None, ip_address="127.0.0.1",
        crawl_id="c" * 32,
    )
    values.update(fields)
    return CaptureRow(**values)


def article(n: int, *, at: datetime = T0, site: str = "Example", url: str | None = None,
            **fields) -> ArticleRow:
    values = dict(
        content_hash=digest(n), title=f"Title {n}", authors=["Ann Author"],
        published=T0 - timedelta(days=1), language="en", text=f"Body text of article {n}.",
        canonical_url=f"https://example.com/news/{n}", site_name="Example",
        description="desc", tags=["a", "b"], first_seen=at, last_seen=at, first_site=site,
        first_url=url or f"https://example.com/news/{n}",
    )
    values.update(fields)
    return ArticleRow(**values)


def derived(n: int, kind: str = "conversion") -> DerivedRecordRow:
    return DerivedRecordRow(
        record_id=f"<urn:uuid:{n:08d}-{kind[:4]}>",
        capture_record_id=capture(n).record_id, kind=kind,
        warc_filename="archive-1.warc.gz", warc_offset=n * 1000 + 900, warc_length=100,
    )


def add_batch(index: Index, count: int) -> None:
    index.add_crawl(crawl())
    for n in range(count):
        index.add_article(article(n))
        index.add_capture(capture(n, content_hash=digest(n)))
        index.add_derived(derived(n, "conversion"))
        index.add_derived(derived(n, "metadata"))
        index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(n), score=0.5))
    index.flush()


def stored(engine, content_hash: str):
    """The stored article, read through the query layer (None if there is none)."""
    try:
        return article_view(engine, content_hash, history=False)
    except RecordNotFound:
        return None


def stored_capture(engine, record_id: str) -> CaptureRow | None:
    info = q.capture(engine, record_id)
    return CaptureRow(**info.as_dict()) if info is not None else None


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def test_batched_inserts_are_idempotent(engine):
    index = Index(engine, batch_size=7)  # flushes mid-batch too
    add_batch(index, 25)
    first = counts(engine)
    assert first["captures"] == 25
    assert first["articles"] == 25
    assert first["derived_records"] == 50
    assert first["topics"] == 1
    assert first["topic_matches"] == 25
    assert first["crawls"] == 1
    before = dump_tables(engine)

    add_batch(index, 25)
    add_batch(Index(engine, batch_size=1000), 25)  # a fresh index (no topic cache) too

    assert counts(engine) == first
    assert dump_tables(engine) == before


def test_buffer_is_written_only_on_flush_or_full_batch(engine):
    index = Index(engine, batch_size=3)
    index.add_crawl(crawl())
    index.add_article(article(1))
    assert index.pending() == 2
    assert counts(engine)["articles"] == 0
    index.add_capture(capture(1))  # third row: the batch is full
    assert index.pending() == 0
    assert counts(engine)["captures"] == 1


def test_close_and_context_manager_flush(engine):
    with Index(engine) as index:
        index.add_crawl(crawl())
    assert counts(engine)["crawls"] == 1
    index = Index(engine)
    index.add_crawl(crawl("d" * 32))
    index.close()
    assert counts(engine)["crawls"] == 2


def test_failed_flush_keeps_the_buffer(engine):
    index = Index(engine)
    index.add_capture(capture(1, crawl_id="no-such-crawl"))  # foreign key violation
    with pytest.raises(sa.exc.IntegrityError):
        index.flush()
    assert index.pending() == 1
    index.add_crawl(crawl("no-such-crawl"))
    index.flush()
    assert stored_capture(engine, capture(1).record_id).crawl_id == "no-such-crawl"


def test_article_first_and_last_seen(engine):
    index = Index(engine)
    # Seen in the middle first, then later elsewhere, then earlier on another site.
    index.add_article(article(1, at=T0 + HOUR, site="Middle", url="https://m/1"))
    index.flush()
    index.add_article(article(1, at=T0 + 5 * HOUR, site="Late", url="https://l/1",
                              title="A later title"))
    index.flush()
    index.add_article(article(1, at=T0, site="Early", url="https://e/1"))
    # Two sightings in one batch are merged before the upsert.
    index.add_article(article(1, at=T0 + 2 * HOUR, site="Other", url="https://o/1"))

    index.flush()
    row = stored(engine, digest(1))
    assert row.first_seen == T0
    assert row.last_seen == T0 + 5 * HOUR
    assert (row.first_site, row.first_url) == ("Early", "https://e/1")
    assert row.title == "Title 1"  # the stored fields of the first insert stay
    assert counts(engine)["articles"] == 1


def test_capture_with_content_hash_widens_article_span(engine):
    index = Index(engine)
    index.add_crawl(crawl())
    index.add_article(article(1, at=T0 + HOUR))
    index.flush()

    index.add_capture(capture(2, at=T0 + 3 * HOUR, url="https://syndicated.example/x",
                              site="Syndicator", content_hash=digest(1)))
    index.flush()
    row = stored(engine, digest(1))
    assert (row.first_seen, row.last_seen) == (T0 + HOUR, T0 + 3 * HOUR)

    # A capture indexed first, its article hash set afterwards (the live crawl order),
    # in a later batch than the capture itself.
    index.add_capture(capture(3, at=T0, url="https://early.example/y", site="Early"))
    index.flush()
    index.set_capture_content_hash(capture(3).record_id, digest(1))
    index.flush()
    row = stored(engine, digest(1))
    assert (row.first_seen, row.last_seen) == (T0, T0 + 3 * HOUR)
    assert (row.first_site, row.first_url) == ("Early", "https://early.example/y")
    assert stored_capture(engine, capture(3).record_id).content_hash == digest(1)

    # ... and within the same batch.
    index.add_capture(capture(4, at=T0 + 9 * HOUR))
    index.set_capture_content_hash(capture(4).record_id, digest(1))
    index.flush()
    assert stored(engine, digest(1)).last_seen == T0 + 9 * HOUR


def test_readding_a_capture_fills_a_missing_content_hash_only(engine):
    index = Index(engine)
    index.add_crawl(crawl())
    index.add_article(article(1))
    index.add_article(article(2))
    index.add_capture(capture(1))
    index.flush()
    index.add_capture(capture(1, content_hash=digest(1)))
    index.flush()
    assert stored_capture(engine, capture(1).record_id).content_hash == digest(1)
    index.add_capture(capture(1, content_hash=digest(2)))
    index.add_capture(capture(1, status=500))
    index.flush()
    stored = stored_capture(engine, capture(1).record_id)
    assert stored.content_hash == digest(1)
    assert stored.status == 200


def test_topic_match_keeps_max_score(engine):
    index = Index(engine)
    index.add_crawl(crawl("a" * 32))
    index.add_crawl(crawl("b" * 32))
    index.add_article(article(1))
    index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(1), score=0.4,
                                        crawl_id="a" * 32))
    index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(1), score=0.6,
                                        crawl_id="b" * 32))
    index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(1), score=0.5))
    index.add_topic_match(TopicMatchRow(query="energy", content_hash=digest(1), score=0.2))
    index.flush()
    index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(1), score=0.3))
    index.add_topic_match(TopicMatchRow(query="energy", content_hash=digest(1), score=0.9,
                                        crawl_id="a" * 32))
    index.flush()

    assert stored(engine, digest(1)).topics == [
        {"query": "energy", "score": 0.9, "crawl_id": "a" * 32},
        {"query": "climate", "score": 0.6, "crawl_id": "b" * 32},
    ]
    assert counts(engine)["topics"] == 2
    assert counts(engine)["topic_matches"] == 2


def test_topics_created_by_another_index(engine):
    Index(engine).add_crawl(crawl())
    first, second = Index(engine), Index(engine)
    first.add_article(article(1))
    first.add_topic_match(TopicMatchRow(query="shared", content_hash=digest(1), score=0.1))
    first.flush()
    second.add_topic_match(TopicMatchRow(query="shared", content_hash=digest(1), score=0.2))
    second.flush()
    assert [m["score"] for m in stored(engine, digest(1)).topics] == [0.2]


def test_finish_crawl(engine):
    index = Index(engine)
    index.add_crawl(crawl())
    index.finish_crawl("c" * 32, T0 + HOUR, {"pages": 3, "errors": {"timeout": 1}})
    index.flush()
    [row] = crawl_summaries(engine)
    assert row.crawl_id == "c" * 32
    assert row.finished_at == T0 + HOUR
    assert row.stats == {"pages": 3, "errors": {"timeout": 1}}
    assert row.sites == len(crawl().sites)


def test_query_layer_reads_what_the_writer_stored(engine):
    index = Index(engine)
    index.add_crawl(crawl())
    index.add_article(article(1))
    url = "https://example.com/news/1?utm_source=x"
    canonical = "https://example.com/news/1"
    index.add_capture(capture(1, at=T0, url=url, canonical_url=canonical,
                              content_hash=digest(1)))
    index.add_capture(capture(2, at=T0 + HOUR, url=canonical, content_hash=digest(1)))
    index.add_capture(capture(3, at=T0 + 2 * HOUR, url=canonical, record_type="revisit",
                              refers_to_record_id=capture(2).record_id, content_hash=digest(1),
                              status=304))
    index.add_capture(capture(4, at=T0 + 3 * HOUR, url="https://example.com/other"))
    index.add_derived(derived(1))
    index.flush()

    got = stored(engine, digest(1))
    # its captures (up to T0 + 2h) widened last_seen
    expected = dataclasses.replace(article(1), last_seen=T0 + 2 * HOUR)
    assert {name: getattr(got, name) for name in ARTICLE_FIELDS} == \
        dataclasses.asdict(expected)
    assert stored(engine, digest(99)) is None

    assert stored_capture(engine, capture(1).record_id) == capture(
        1, url=url, canonical_url=canonical, content_hash=digest(1)
    )
    assert q.capture(engine, "<urn:uuid:nope>") is None

    latest = q.latest_capture(engine, canonical)
    assert latest.record_id == capture(3).record_id and latest.record_type == "revisit"
    # a URL is looked up by its canonical form too: the tracking parameter is dropped
    assert q.latest_capture(engine, url).record_id == capture(3).record_id
    assert q.latest_capture(engine, "https://example.com/missing") is None

    assert [c.record_id for c in q.iter_captures(engine, url=canonical)] == [
        capture(n).record_id for n in (1, 2, 3)
    ]
    assert [c.record_id for c in q.iter_captures(engine, content_hash=digest(1))] == [
        capture(n).record_id for n in (1, 2, 3)
    ]
    assert [c.record_id for c in q.iter_captures(engine)] == [
        capture(n).record_id for n in (1, 2, 3, 4)
    ]
    assert list(q.iter_derived(engine)) == [derived(1)]


def test_capture_states_latest_per_canonical_url(engine):
    index = Index(engine, batch_size=2000)
    index.add_crawl(crawl())
    expected = {}
    for n in range(300):
        canonical = f"https://example.com/page/{n % 100}"
        row = capture(n, at=T0 + (n // 100) * HOUR, url=canonical + f"?v={n}",
                      canonical_url=canonical)
        index.add_capture(row)
        expected[canonical] = row
    # A tie on fetched_at goes to the capture indexed last.
    tie = capture(1000, at=expected["https://example.com/page/5"].fetched_at,
                  url="https://example.com/page/5", etag='"tie"')
    index.add_capture(tie)
    expected[tie.canonical_url] = tie

    index.flush()
    states = {row.canonical_url: CaptureRow(**row.as_dict()) for row in q.capture_states(engine)}
    assert states == expected


def test_capture_states_streams_many_rows(engine):
    index = Index(engine, batch_size=5000)
    index.add_crawl(crawl())
    for n in range(5000):
        index.add_capture(capture(n, at=T0 + timedelta(seconds=n),
                                  canonical_url=f"https://example.com/u/{n % 2500}"))
    index.flush()
    states = list(q.capture_states(engine))
    assert len(states) == 2500
    assert all(s.fetched_at >= T0 + timedelta(seconds=2500) for s in states)


def test_dump_tables_ignores_ids_and_names_topics(engine, tmp_path):
    index = Index(engine)
    add_batch(index, 5)
    save_site_segments(engine, "Example", 1, {"s1": ("Share this", 1, T0)})
    dump = dump_tables(engine)

    assert set(dump) == set(metadata.tables)
    assert all("id" not in row for rows in dump.values() for row in rows)
    assert "topic_id" not in dump["topic_matches"][0]
    assert dump["topic_matches"][0]["query"] == "climate"
    assert "search_vector" not in dump["articles"][0]

    # The same rows added in another order to another database dump equally.
    other = make_engine(f"sqlite:///{tmp_path / 'other' / 'archive.sqlite'}")
    upgrade(other)
    try:
        reverse = Index(other)
        reverse.add_crawl(crawl())
        for n in reversed(range(5)):
            reverse.add_article(article(n))
            reverse.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(n),
                                                  score=0.5))
            reverse.add_capture(capture(n, content_hash=digest(n)))
            reverse.add_derived(derived(n, "metadata"))
            reverse.add_derived(derived(n, "conversion"))
        reverse.flush()
        save_site_segments(other, "Example", 1, {"s1": ("Share this", 1, T0)})
        assert dump_tables(other) == dump

        reverse.add_article(article(9))
        reverse.flush()
        assert dump_tables(other) != dump
    finally:
        other.dispose()


def test_site_segments_accumulate(engine):
    assert load_site_segments(engine, "Example") == (0, {})
    save_site_segments(engine, "Example", 2, {
        "h1": ("Share this article", 2, T0),
        "h2": ("Read more:", 1, T0),
    })
    save_site_segments(engine, "Example", 3, {
        "h1": ("Share this article", 3, T0 + HOUR),
        "h3": ("Subscribe", 1, T0 + HOUR),
    })
    save_site_segments(engine, "Other", 1, {"h1": ("Share this article", 1, T0)})
    save_site_segments(engine, "Example", 0, {})

    pages, segments = load_site_segments(engine, "Example")
    assert pages == 5
    assert segments == {
        "h1": ("Share this article", 5),
        "h2": ("Read more:", 1),
        "h3": ("Subscribe", 1),
    }
    seen = {
        row["segment_hash"]: (row["first_seen"], row["last_seen"])
        for row in dump_tables(engine)["site_segments"]
        if row["site"] == "Example"
    }
    assert seen["h1"] == (T0, T0 + HOUR)
    assert load_site_segments(engine, "Other") == (1, {"h1": ("Share this article", 1)})


def test_rows_are_plain_frozen_dataclasses():
    row = capture(1)
    assert dataclasses.is_dataclass(row)
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.url = "x"  # type: ignore[misc]
    assert "id" not in {f.name for f in dataclasses.fields(ArticleRow)}
    assert dataclasses.replace(row, status=404).status == 404


def test_batch_size_must_be_positive(sqlite_url):
    with pytest.raises(ValueError):
        Index(make_engine(sqlite_url), batch_size=0)


def test_nul_characters_do_not_break_a_batch(engine):
    index = Index(engine)
    index.add_crawl(dataclasses.replace(crawl(), sites=[{"name": "N\x00ul"}]))
    index.add_article(article(1, title="Ti\x00tle", authors=["A\x00"], text="te\x00xt"))
    index.add_capture(capture(1, etag='"\x00"', content_hash=digest(1)))
    index.flush()
    row = stored(engine, digest(1))
    if engine.dialect.name == "postgresql":  # cannot store NUL: replaced
        assert (row.title, row.authors, row.text) == ("Ti\ufffdtle", ["A\ufffd"],
                                                               "te\ufffdxt")
        assert stored_capture(engine, capture(1).record_id).etag == '"\ufffd"'
    else:
        assert (row.title, row.authors, row.text) == ("Ti\x00tle", ["A\x00"], "te\x00xt")


def test_site_segment_with_nul_is_stored(engine):
    save_site_segments(engine, "Example", 1, {"h": ("Foot\x00er", 1, T0)})
    pages, segments = load_site_segments(engine, "Example")
    assert pages == 1 and segments["h"][1] == 1


def test_concurrent_writers(engine):
    """Several indexes (threads here; processes behave alike) writing at once all succeed."""
    from concurrent.futures import ThreadPoolExecutor

    with Index(engine) as setup:
        setup.add_crawl(crawl())

    def write(worker: int) -> None:
        index = Index(engine, batch_size=50)
        for n in range(worker * 1000, worker * 1000 + 200):
            index.add_article(article(n))
            index.add_capture(capture(n, content_hash=digest(n)))
            index.add_topic_match(TopicMatchRow(query="shared", content_hash=digest(n),
                                                score=0.5))
        index.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    assert counts(engine)["captures"] == 800
    assert counts(engine)["topics"] == 1


def _fill(index: Index, pages: int) -> None:
    index.add_crawl(crawl())
    for n in range(pages):
        index.add_article(article(n))
        index.add_capture(capture(n))
        index.set_capture_content_hash(capture(n).record_id, digest(n))
        index.add_derived(derived(n))
        index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(n),
                                            score=n / pages, crawl_id="c" * 32))


def test_background_writer_gives_the_same_database(db_url, tmp_path):
    """Batches written by the background thread end up exactly as synchronous ones."""
    engine = make_engine(db_url)
    upgrade(engine)
    background = Index(engine, batch_size=7, background=True)
    _fill(background, 60)
    background.close()
    assert background.pending() == 0
    got = dump_tables(engine)
    engine.dispose()

    reference = make_engine(f"sqlite:///{tmp_path / 'sync.sqlite'}")
    upgrade(reference)
    sync = Index(reference, batch_size=7)
    _fill(sync, 60)
    sync.close()
    assert got == dump_tables(reference)
    assert len(got["captures"]) == 60 and all(r["content_hash"] for r in got["captures"])
    reference.dispose()


def test_background_failure_surfaces_and_is_retried(engine):
    index = Index(engine, batch_size=2, background=True)
    index.add_capture(capture(1, crawl_id="late-crawl"))  # foreign key violation
    index.add_capture(capture(2, crawl_id="late-crawl"))  # fills the batch: handed over
    with pytest.raises(sa.exc.IntegrityError):
        index.flush()
    assert index.pending() == 2  # nothing lost
    index.add_crawl(crawl("late-crawl"))
    index.flush()
    assert stored_capture(engine, capture(2).record_id).crawl_id == "late-crawl"
    index.close()


def test_article_and_its_captures_in_one_batch(engine):
    """A capture written in the same batch as its article widens the stored span
    only when it lies outside the buffered article's span (the skip is exact)."""
    index = Index(engine)
    index.add_crawl(crawl())
    index.add_article(article(1, at=T0 + 2 * HOUR, site="Stored", url="https://s/1"))
    index.flush()
    index.add_article(article(1, at=T0 + 3 * HOUR, site="Again", url="https://a/1"))
    index.add_capture(capture(2, at=T0 + 3 * HOUR, content_hash=digest(1)))  # inside: no-op
    index.add_capture(capture(3, at=T0, url="https://early/1", site="Early"))
    index.set_capture_content_hash(capture(3).record_id, digest(1))  # before the stored span
    index.add_capture(capture(4, at=T0 + 7 * HOUR, content_hash=digest(1)))  # after it
    index.flush()
    row = stored(engine, digest(1))
    assert (row.first_seen, row.last_seen) == (T0, T0 + 7 * HOUR)
    assert (row.first_site, row.first_url) == ("Early", "https://early/1")


def test_fast_writes_store_what_sqlalchemy_stores(engine):
    """The writer's upserts store the values a plain Core insert of the same rows stores."""
    from archive.db.models import articles, captures

    index = Index(engine)
    index.add_crawl(crawl())
    index.add_article(article(1, authors=["Ä", {"x": 1}], tags=[], published=None))
    index.add_capture(capture(1, content_hash=digest(1)))
    index.flush()
    with engine.begin() as conn:
        conn.execute(articles.insert(), [dataclasses.asdict(
            article(2, authors=["Ä", {"x": 1}], tags=[], published=None))])
        conn.execute(captures.insert(), [dataclasses.asdict(
            capture(2, content_hash=digest(2)))])
    with engine.connect() as conn:
        def raw(table, key, value):
            sql = f"SELECT * FROM {table} WHERE {key} = :v"
            return dict(conn.execute(sa.text(sql), {"v": value}).mappings().one())

        fast, plain = raw("articles", "content_hash", digest(1)), raw("articles", "content_hash",
                                                                      digest(2))
        for key in ("content_hash", "title", "text", "canonical_url", "first_url", "id",
                    "search_vector", "rank_vector"):
            fast.pop(key, None), plain.pop(key, None)
        assert fast == plain
        fast, plain = (raw("captures", "record_id", capture(n).record_id) for n in (1, 2))
        for key in ("id", "record_id", "url", "canonical_url", "warc_offset", "payload_digest",
                    "block_digest", "etag", "content_hash"):
            fast.pop(key), plain.pop(key)
        assert fast == plain


def test_multi_row_batches_equal_row_by_row_writes(tmp_path):
    """A big batch (SQLAlchemy's insertmanyvalues: multi-row INSERTs, several per
    table) gives the same database as one written a row at a time."""
    dumps = []
    for name, batch_size in (("big", 10_000), ("single", 1)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite")
        upgrade(engine)
        try:
            index = Index(engine, batch_size=batch_size)
            add_batch(index, 300)
            # re-sightings and better scores in a second pass, over chunk boundaries
            for n in range(0, 300, 7):
                index.add_article(article(n, at=T0 - HOUR * (n % 3), site=f"S{n}"))
                index.add_capture(capture(1000 + n, at=T0 + HOUR * n, content_hash=digest(n)))
                index.add_topic_match(TopicMatchRow(query="climate", content_hash=digest(n),
                                                    score=0.5 + n / 1000))
            index.close()
            assert counts(engine)["captures"] == 300 + 43
            dumps.append(dump_tables(engine))
        finally:
            engine.dispose()
    assert dumps[0] == dumps[1]


def test_an_unsupported_engine_is_named_in_one_error():
    from sqlalchemy.dialects import mysql

    from archive.db.dialects import backend

    with pytest.raises(ValueError, match="unsupported database dialect 'mysql'"):
        backend(mysql.dialect())
