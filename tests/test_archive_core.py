"""The archive facade end to end: write a crawl, read it back, verify, and rebuild
the database from the WARC files alone (row for row equal), on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from archive import Archive
from archive.cli import main as cli
from archive.db.engine import make_engine
from archive.errors import DatabaseUnavailable, RecordNotFound
from archive.exchange import HttpExchange, TopicMatch
from archive.query.dump import dump_tables
from archive.text import content_hash
from archive.verify import verify
from archive.warc import iter_records

T0 = datetime(2025, 10, 31, 9, 30, 0, 123456, tzinfo=timezone.utc)
SITES = [{"name": "Outlet A", "url": "http://127.0.0.2:8001/"},
         {"name": "Outlet B", "url": "http://127.0.0.3:8001/"}]
STORY = "India and the US signed a 10-year defence framework.\n\nHegseth said ties were strong."


@dataclass(frozen=True)
class Result:
    """What the extractor returns, reduced to the fields the archive stores."""

    text: str
    title: str = "India, US sign defence framework"
    authors: list = field(default_factory=lambda: ["A. Writer"])
    published: datetime | None = datetime(2025, 10, 31, tzinfo=timezone.utc)
    language: str = "en"
    canonical_url: str | None = None
    site_name: str | None = "Outlet"
    description: str | None = "A pact."
    tags: list = field(default_factory=lambda: ["defence"])


def exchange(url, body, *, at, status=200, gzip_body=False, headers=()):
    raw = gzip.compress(body) if gzip_body else body
    response_headers = [(b"Content-Type", b"text/html; charset=utf-8"),
                        (b"ETag", b'"v1"'), (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"),
                        *headers]
    if gzip_body:
        response_headers.append((b"Content-Encoding", b"gzip"))
    return HttpExchange(
        url=url, method="GET", request_headers=[(b"User-Agent", b"test/1")], request_body=b"",
        protocol="HTTP/1.1", status=status, reason="OK" if status == 200 else "Not Modified",
        response_headers=response_headers, body=raw if status != 304 else b"",
        ip_address="127.0.0.2", fetched_at=at,
    )


def html(text):
    return f"<html><body><article><p>{text}</p></article></body></html>".encode()


def write_two_crawls(directory, db_url, *, precomputed_hash=False):
    """Crawl 1: an article at two outlets (syndication), an off-topic page, a
    robots.txt. Crawl 2: a 304 revisit, an identical-payload revisit, a changed page.

    `precomputed_hash`: the syndicated copy's content hash is handed to add_article,
    as the crawl's extraction workers do."""
    with Archive.open(directory, db_url) as archive:
        session = archive.start_crawl(spider="topic", topic="defence AND India", sites=SITES,
                                      settings_digest="abc")
        a = session.write_response(exchange("http://127.0.0.2:8001/story", html(STORY), at=T0,
                                            gzip_body=True))
        session.add_article(a, Result(STORY), [TopicMatch("defence AND India", 0.8)])
        b = session.write_response(exchange("http://127.0.0.3:8001/syndicated?utm_source=x",
                                            html(STORY), at=T0 + timedelta(seconds=1)))
        session.add_article(b, Result(STORY, title="Syndicated"),
                            [TopicMatch("defence AND India", 0.7)],
                            content_hash=content_hash(STORY) if precomputed_hash else None)
        c = session.write_response(exchange("http://127.0.0.2:8001/sport", html("Cricket."),
                                            at=T0 + timedelta(seconds=2)))
        session.add_article(c, Result("Cricket scores."), [])
        session.write_response(exchange("http://127.0.0.2:8001/robots.txt", b"User-agent: *\n",
                                        at=T0 + timedelta(seconds=3)))
        session.close({"pages": 4, "finish_time": T0})

        later = T0 + timedelta(days=1)
        session = archive.start_crawl(spider="topic", topic="defence AND India", sites=SITES)
        previous = archive.latest_capture("http://127.0.0.2:8001/story")
        session.write_revisit(exchange(previous.url, b"", at=later, status=304), previous)
        previous_b = archive.latest_capture("http://127.0.0.3:8001/syndicated")
        session.write_revisit(exchange(previous_b.url, html(STORY), at=later), previous_b)
        d = session.write_response(exchange("http://127.0.0.2:8001/sport",
                                            html("Cricket, updated."), at=later))
        session.add_article(d, Result("Cricket scores, updated."), [])
        session.close({"pages": 3})
        return a, b


def test_live_archive_reads_back_and_verifies(db_url, tmp_path):
    a, b = write_two_crawls(tmp_path / "warcs", db_url)
    with Archive.open(tmp_path / "warcs", db_url) as archive:
        story = archive.article(content_hash(STORY))
        assert story.first_url == "http://127.0.0.2:8001/story"
        assert story.first_site == "Outlet A"
        assert story.last_seen == T0 + timedelta(days=1)  # bumped by the revisits
        captures = story.captures
        assert captures == list(archive.captures(content_hash=content_hash(STORY)))
        assert len(captures) == 4  # two outlets + two revisits
        assert {c.site for c in captures} == {"Outlet A", "Outlet B"}
        assert {c.record_type for c in captures} == {"response", "revisit"}
        # the response body comes back byte for byte, still gzip-compressed as received
        stored = archive.read_response(a.record_id)
        assert stored.status == 200 and stored.protocol == "HTTP/1.1"
        assert gzip.decompress(stored.raw_body) == html(STORY)
        assert stored.body == html(STORY)
        assert [v for k, v in stored.headers if k == b"Set-Cookie"] == [b"a=1", b"b=2"]
        # a revisit reads back through to the body it refers to
        revisit = [c for c in captures if c.record_type == "revisit"][0]
        assert archive.read_response(revisit.record_id).body == html(STORY)
        # the changed page is a new article version; the old one stays
        versions = {c.content_hash for c in archive.captures(url="http://127.0.0.2:8001/sport")}
        assert versions == {content_hash("Cricket scores."),
                            content_hash("Cricket scores, updated.")}
        with pytest.raises(RecordNotFound):
            archive.read_response("<urn:uuid:nope>")
        report = verify(archive)
        assert report.ok, report.problems
        assert report.captures == 7


@pytest.mark.parametrize("precomputed_hash", [False, True], ids=["hashed-here", "precomputed"])
def test_reindex_rebuilds_the_live_database_row_for_row(db_url, tmp_path, precomputed_hash):
    write_two_crawls(tmp_path / "warcs", db_url, precomputed_hash=precomputed_hash)
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path / "warcs"), "--db", rebuilt_url,
                                      "reindex", "--quiet"])
    assert result.exit_code == 0, result.output
    live, rebuilt = make_engine(db_url), make_engine(rebuilt_url)
    try:
        live_rows, rebuilt_rows = dump_tables(live), dump_tables(rebuilt)
    finally:
        live.dispose(), rebuilt.dispose()
    for table in ("site_segments", "site_pages"):  # learned, not archived: see reindex docs
        live_rows.pop(table, None), rebuilt_rows.pop(table, None)
    assert live_rows.keys() == rebuilt_rows.keys()
    for table in live_rows:
        assert live_rows[table] == rebuilt_rows[table], table
    assert len(live_rows["captures"]) == 7 and len(live_rows["articles"]) == 3
    # reindexing again changes nothing (idempotent)
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path / "warcs"), "--db", rebuilt_url,
                                      "reindex", "-q"])
    assert result.exit_code == 0
    again = make_engine(rebuilt_url)
    try:
        assert {t: r for t, r in dump_tables(again).items()
                if t not in ("site_segments", "site_pages")} == live_rows
    finally:
        again.dispose()


def test_add_article_trusts_a_precomputed_content_hash(tmp_path, sqlite_url):
    """`content_hash=` is used as given (the extraction worker computed it);
    without it the archive computes content_hash(text) itself."""
    with Archive.open(tmp_path / "warcs", sqlite_url) as archive:
        session = archive.start_crawl(spider="topic", sites=SITES)
        a = session.write_response(exchange("http://127.0.0.2:8001/a", html(STORY), at=T0))
        assert session.add_article(a, Result(STORY)) == content_hash(STORY)
        b = session.write_response(exchange("http://127.0.0.2:8001/b", html("Other."),
                                            at=T0 + timedelta(seconds=1)))
        given = "f" * 64  # trusted, not recomputed: this one is deliberately not the text's
        assert session.add_article(b, Result("Other."), content_hash=given) == given
        session.close()
        assert archive.article(given).text == "Other."
        [capture_b] = archive.captures(url=b.url)
        assert capture_b.content_hash == given
        with pytest.raises(RecordNotFound):
            archive.article(content_hash("Other."))
        metadata = [r for f in sorted((tmp_path / "warcs").glob("*.warc.gz"))
                    for r in iter_records(f) if r.rec_type == "metadata" and r.refers_to]
        assert [json.loads(r.payload)["content_hash"] for r in metadata] == [
            content_hash(STORY), given]


def test_verify_reports_damage_and_unindexed_records(tmp_path, sqlite_url):
    directory = tmp_path / "warcs"
    write_two_crawls(directory, sqlite_url)
    files = sorted(directory.glob("*.warc.gz"))
    # a non-WARC file and a truncated copy of a real one
    (directory / "junk-00000.warc.gz").write_bytes(b"this is not a warc")
    truncated = directory / "zz-truncated.warc.gz"
    data = files[0].read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(cli, ["--dir", str(directory), "--db", sqlite_url, "verify"])
    assert result.exit_code == 1
    assert "junk-00000.warc.gz @ 0" in result.output
    assert "zz-truncated.warc.gz @" in result.output
    # the good files were still checked
    assert "7 capture row(s)" in result.output

    # a deleted WARC file: every capture pointing into it is named
    shutil.move(str(files[-1]), tmp_path / "moved.warc.gz")
    result = CliRunner().invoke(cli, ["--dir", str(directory), "--db", sqlite_url, "verify"])
    assert result.exit_code == 1
    assert f"{files[-1].name}: WARC file is missing" in result.output


def test_verify_flags_unindexed_records(tmp_path, sqlite_url):
    directory = tmp_path / "warcs"
    write_two_crawls(directory, sqlite_url)
    empty_db = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = CliRunner().invoke(cli, ["--dir", str(directory), "--db", empty_db, "verify"])
    assert result.exit_code == 1
    assert "is not in the index" in result.output


def test_unreachable_database_is_one_clear_error(tmp_path):
    with pytest.raises(DatabaseUnavailable):
        Archive.open(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(
        cli, ["--dir", str(tmp_path), "--db", "postgresql://nobody@127.0.0.1:1/none", "verify"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.output


def test_reindex_reports_a_damaged_file_and_indexes_the_rest(tmp_path, sqlite_url):
    directory = tmp_path / "warcs"
    write_two_crawls(directory, sqlite_url)
    (directory / "aaa-not-a-warc.warc.gz").write_bytes(b"\x1f\x8b garbage")
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    result = CliRunner().invoke(cli, ["--dir", str(directory), "--db", rebuilt_url, "reindex", "-q"])
    assert result.exit_code == 1
    assert "aaa-not-a-warc.warc.gz @ 0" in result.output
    assert "Traceback" not in result.output
    engine = make_engine(rebuilt_url)
    try:
        assert len(dump_tables(engine)["captures"]) == 7  # every good record still indexed
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, None, True, "x"], "c": {"d": "e"}},  # plain: kept as it is
    {"b": 1, "a": 2},  # unsorted keys
    {"t": (1, 2), "d": datetime(2025, 1, 1, tzinfo=timezone.utc)}, {3: "int key"},
    [float("inf"), -0.0, 10**30, "ü", {"z": [], "a": {}}],
    "text", None, 7,
])
def test_json_safe_is_what_a_json_round_trip_gives(value):
    from archive.indexing import json_safe

    expected = json.loads(json.dumps(value, default=str, sort_keys=True))
    got = json_safe(value)
    assert got == expected
    assert json.dumps(got) == json.dumps(expected)  # same key order too


def test_stories_are_linked_at_close_unless_turned_off(tmp_path):
    """A crawl session links its articles into stories when it closes; with link_stories off
    it leaves them for `archive stories --update`, which links them the same way."""
    import sqlalchemy as sa

    from archive.db.models import story_articles
    from archive.stories.signature import article_signature

    def crawl(directory, **options):
        with Archive.open(directory, **options) as archive:
            session = archive.start_crawl(spider="topic", topic="defence", sites=SITES)
            ref = session.write_response(exchange("http://127.0.0.2:8001/story", html(STORY), at=T0))
            signature = article_signature(Result(STORY).title, STORY)
            session.add_article(ref, Result(STORY), story_signature=signature)
            session.close({})
            with archive.engine.connect() as conn:
                return conn.execute(sa.select(sa.func.count()).select_from(story_articles)).scalar_one()

    assert crawl(tmp_path / "linked") == 1
    assert crawl(tmp_path / "later", link_stories=False) == 0
    result = CliRunner().invoke(cli, ["--dir", str(tmp_path / "later"), "stories", "--update"])
    assert result.exit_code == 0, result.output
    with make_engine(f"sqlite:///{tmp_path / 'later' / 'archive.sqlite'}").connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(story_articles)).scalar_one() == 1
