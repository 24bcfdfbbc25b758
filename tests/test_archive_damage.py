"""Damaged archives: one test per kind of damage, for `reindex` and `verify`, and the
crash catch-up (a high-water mark per WARC file) that makes `reindex` unnecessary after
a crash. Each damage is made by hand on a real archive written through the library."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_archive_core import SITES, STORY, T0, Result, exchange, html

from archive import Archive
from archive.cli import main as cli
from archive.db.engine import make_engine
from archive.query.dump import dump_tables
from archive.text import content_hash
from archive.verify import verify
from archive.warc.gzipmembers import iter_members
from archive.warc.reader import iter_records

ROOT = Path(__file__).resolve().parent.parent
PAGES = 12


def write_crawl(directory: Path, db_url: str | None = None, *, pages: int = PAGES,
                close: bool = True):
    """One crawl of `pages` article pages; returns (archive, session) when not closed."""
    archive = Archive.open(directory, db_url)
    session = archive.start_crawl(spider="topic", topic="defence", sites=SITES)
    for n in range(pages):
        text = f"{STORY} Page {n}."
        ref = session.write_response(exchange(f"http://127.0.0.2:8001/story-{n}", html(text),
                                              at=T0 + timedelta(seconds=n)))
        session.add_article(ref, Result(text))
    if not close:
        return archive, session
    session.close({"pages": pages})
    archive.close()
    return None, None


def reindex_into_fresh_db(directory: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    result = CliRunner().invoke(cli, ["--dir", str(directory), "--db", url, "reindex", "-q"])
    engine = make_engine(url)
    try:
        tables = dump_tables(engine)
    finally:
        engine.dispose()
    return result, tables


def members(path: Path):
    with open(path, "rb") as fh:
        return list(iter_members(fh))


def response_members(path: Path):
    """The gzip members of `path` holding response records, as (offset, length)."""
    return [(r.location.offset, r.location.length) for r in iter_records(path)
            if r.rec_type == "response"]


@pytest.fixture
def crawled(tmp_path):
    directory = tmp_path / "warcs"
    write_crawl(directory)
    [path] = sorted(directory.glob("*.warc.gz"))
    return directory, path


def test_flipped_bit_in_a_member_is_skipped_and_the_rest_indexed(crawled, tmp_path):
    directory, path = crawled
    offset, length = response_members(path)[3]
    data = bytearray(path.read_bytes())
    data[offset + length // 2] ^= 0x10  # one bit inside the fourth response's deflate data
    path.write_bytes(bytes(data))
    result, tables = reindex_into_fresh_db(directory, tmp_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{path.name} @ {offset}:" in result.output
    assert "to the next whole record" in result.output
    # every other capture and article is indexed: only the damaged record is lost
    assert len(tables["captures"]) == PAGES - 1
    assert len(tables["articles"]) == PAGES  # the damaged page's article records are whole
    verdict = CliRunner().invoke(cli, ["--dir", str(directory), "--db",
                                       f"sqlite:///{tmp_path / 'rebuilt.sqlite'}", "verify"])
    assert verdict.exit_code == 1 and f"{path.name} @ {offset}" in verdict.output


@pytest.mark.parametrize("header", ["WARC-Date", "WARC-Target-URI"])
def test_record_without_date_or_uri_is_reported_not_a_traceback(crawled, tmp_path, header):
    """A response or revisit (another tool's WARC) without WARC-Date or WARC-Target-URI
    cannot be indexed: reindex reports it and indexes the rest."""
    import io

    from warcio.warcwriter import WARCWriter

    directory, _ = crawled
    odd = directory / "zzz-other-tool.warc.gz"
    with open(odd, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for rec_type in ("response", "revisit"):
            http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>hi</p>"
            record = writer.create_warc_record(
                "http://127.0.0.2:8001/odd", rec_type, payload=io.BytesIO(http),
                warc_headers_dict={"WARC-Refers-To": "<urn:uuid:nothing>"},
            )
            record.rec_headers.remove_header(header)
            writer.write_record(record)
    result, tables = reindex_into_fresh_db(directory, tmp_path)
    assert "Traceback" not in result.output
    assert result.exit_code == 1
    assert "revisit record without WARC-Target-URI or WARC-Date: not indexed" in result.output
    if header == "WARC-Date":  # a response without a URI is no HTTP capture: skipped as before
        assert f"{odd.name} @ 0: response record without WARC-Target-URI" in result.output
    assert len(tables["captures"]) == PAGES  # the crawl's own captures are all indexed


def test_truncated_file_is_indexed_up_to_the_cut(crawled, tmp_path):
    directory, path = crawled
    offset, length = response_members(path)[-1]
    path.write_bytes(path.read_bytes()[: offset + length // 2])  # cut inside the last response
    result, tables = reindex_into_fresh_db(directory, tmp_path)
    assert result.exit_code == 1
    assert "truncated gzip member" in result.output and "to the end of the file" in result.output
    assert len(tables["captures"]) == PAGES - 1


def test_empty_file_is_reported_not_ok(crawled, tmp_path):
    directory, _ = crawled
    (directory / "archive-20250101000000000-00000-other-1.warc.gz").write_bytes(b"")
    result, tables = reindex_into_fresh_db(directory, tmp_path)
    assert result.exit_code == 1
    assert "empty file (no WARC records)" in result.output
    assert len(tables["captures"]) == PAGES
    verdict = CliRunner().invoke(cli, ["--dir", str(directory), "verify"])
    assert verdict.exit_code == 1 and "empty file" in verdict.output


def test_deleted_file_is_reported_by_reindex_and_verify(crawled, tmp_path):
    directory, path = crawled
    path.unlink()
    result = CliRunner().invoke(cli, ["--dir", str(directory), "reindex", "-q"])
    assert result.exit_code == 1
    assert f"{path.name}: indexed, but the file is missing" in result.output
    assert "OK" not in result.output
    verdict = CliRunner().invoke(cli, ["--dir", str(directory), "verify"])
    assert verdict.exit_code == 1
    assert f"{path.name}: WARC file is missing" in verdict.output
    assert verdict.output.count("WARC file is missing") == 1  # one line per file, not per row


def test_garbage_appended_is_skipped_to_the_end(crawled, tmp_path):
    directory, path = crawled
    size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\x00garbage after the last record" * 10)
    result, tables = reindex_into_fresh_db(directory, tmp_path)
    assert result.exit_code == 1
    assert f"{path.name} @ {size}: not gzip data" in result.output
    assert len(tables["captures"]) == PAGES and len(tables["articles"]) == PAGES


def test_open_file_left_by_a_crash_is_reported_with_the_repair(tmp_path):
    live = tmp_path / "live"
    archive, session = write_crawl(live, close=False)
    session.flush()
    crashed = tmp_path / "crashed"
    shutil.copytree(live, crashed)  # what a kill -9 leaves: a `.open` file nobody locks
    session.close()
    archive.close()
    [left] = crashed.glob("*.warc.gz.open")

    for command in ("verify", "reindex"):
        result = CliRunner().invoke(cli, ["--dir", str(crashed), command, "-q"]
                                    if command == "reindex" else ["--dir", str(crashed), command])
        assert result.exit_code == 1, command
        assert f"{left.name}: left open by a crawl that stopped abruptly" in result.output
        assert "archive recover" in result.output
        assert "OK" not in result.output

    result = CliRunner().invoke(cli, ["--dir", str(crashed), "recover", "--all-nodes"])
    assert result.exit_code == 0, result.output
    assert not list(crashed.glob("*.open"))
    result = CliRunner().invoke(cli, ["--dir", str(crashed), "verify"])
    assert result.exit_code == 0, result.output


def test_a_live_open_file_is_only_a_note(tmp_path):
    archive, session = write_crawl(tmp_path / "warcs", close=False)
    try:
        session.flush()
        report = verify(archive)
        assert report.ok, report.problems
        assert any("being written by a running crawl" in note for note in report.notes)
    finally:
        session.close()
        archive.close()


def test_catch_up_indexes_what_a_crash_left_uncommitted(tmp_path, db_url):
    """Rows buffered but never committed (a crash): the next open indexes them from the
    file's high-water mark, and only them; `verify` is clean with no `reindex`."""
    live = tmp_path / "live"
    archive = Archive.open(live, db_url, index_batch_size=10_000)  # nothing commits mid-crawl
    session = archive.start_crawl(spider="topic", topic="defence", sites=SITES)
    for n in range(PAGES):
        text = f"{STORY} Page {n}."
        ref = session.write_response(exchange(f"http://127.0.0.2:8001/p-{n}", html(text),
                                              at=T0 + timedelta(seconds=n)))
        session.add_article(ref, Result(text))
    crashed = tmp_path / "crashed"
    shutil.copytree(live, crashed)  # the WARC file as a crash leaves it; the rows never sent
    archive.index._buf = type(archive.index._buf)()  # the crash: the buffer is gone
    archive.engine.dispose()

    with Archive.open(crashed, db_url) as reopened:
        assert verify(reopened).problems  # the captures are not indexed yet
        session = reopened.start_crawl(spider="topic", sites=SITES)  # recovers, catches up
        assert reopened.last_catch_up.captures == PAGES
        assert reopened.last_catch_up.articles == PAGES
        session.close()
        report = verify(reopened)
        assert report.ok, report.problems
        assert len(list(reopened.captures())) == PAGES
        assert {a["content_hash"] for a in reopened.articles()} == {
            content_hash(f"{STORY} Page {n}.") for n in range(PAGES)}
        session = reopened.start_crawl(spider="topic", sites=SITES)
        assert reopened.last_catch_up is None  # every mark is at its file's end now
        session.close()


def test_article_never_extracted_is_extracted_from_the_archived_response(tmp_path):
    """A crash after a page's capture was indexed but before its article was written: the
    next crawl extracts it from the WARC record, and closes the interrupted crawl."""
    live = tmp_path / "live"
    archive, session = write_crawl(live, pages=3, close=False)
    text = f"{STORY} Never extracted."
    session.write_response(exchange("http://127.0.0.2:8001/late", html(text),
                                    at=T0 + timedelta(minutes=1)))
    session.flush()
    crashed = tmp_path / "crashed"
    shutil.copytree(live, crashed)
    session.close()
    archive.close()

    seen = []

    def extract(url, body):
        seen.append(url)
        return Result(text), [], None

    with Archive.open(crashed) as reopened:
        session = reopened.start_crawl(spider="topic", sites=SITES)
        assert session.recover_articles(extract) == 1
        assert seen == ["http://127.0.0.2:8001/late"]
        session.close()
        [capture] = reopened.captures(url="http://127.0.0.2:8001/late")
        assert capture.content_hash == content_hash(text)
        crawls = {c["crawl_id"]: c for c in dump_tables(reopened.engine)["crawls"]}
        assert all(c["finished_at"] is not None for c in crawls.values())
        assert verify(reopened).ok
        session = reopened.start_crawl(spider="topic", sites=SITES)
        assert session.recover_articles(extract) == 0  # looked at once
        session.close()


CRASHING_WRITER = textwrap.dedent("""
    import sys, time
    from datetime import timedelta
    sys.path.insert(0, {tests!r})
    from test_archive_core import SITES, STORY, T0, Result, exchange, html
    from archive import Archive
    archive = Archive.open({directory!r}, index_batch_size=7)
    session = archive.start_crawl(spider="topic", sites=SITES)
    for n in range(100000):
        text = f"{{STORY}} Page {{n}}."
        ref = session.write_response(exchange(f"http://127.0.0.2:8001/k-{{n}}", html(text),
                                              at=T0 + timedelta(seconds=n)))
        session.add_article(ref, Result(text))
        if n == 40:
            print("ready", flush=True)
""")


@pytest.mark.parametrize("trial", range(3))
def test_kill_9_at_a_random_moment_then_open_is_clean(tmp_path, trial):
    directory = tmp_path / "warcs"
    script = CRASHING_WRITER.format(tests=str(ROOT / "tests"), directory=str(directory))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.2 * trial)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    with Archive.open(directory) as archive:
        session = archive.start_crawl(spider="topic", sites=SITES)
        session.close()
        report = verify(archive)
        assert report.ok, report.problems[:5]
        written = sum(1 for path in directory.glob("*.warc.gz") for r in iter_records(path)
                      if r.rec_type == "response")
        # an article is indexed when its metadata record is whole (a kill between its
        # conversion and metadata records leaves a conversion of no article)
        conversions = sum(1 for path in directory.glob("*.warc.gz") for r in iter_records(path)
                          if r.rec_type == "metadata" and r.refers_to)
        assert written > 40
        assert len(list(archive.captures())) == written
        assert len(list(archive.articles())) == conversions
        print(f"trial {trial}: {written} captures, {conversions} articles indexed after kill -9; "
              f"caught up {archive.last_catch_up.records if archive.last_catch_up else 0} records")
