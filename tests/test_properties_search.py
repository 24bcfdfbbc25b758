"""Property tests (hypothesis) of the search path on SQLite and PostgreSQL, library and CLI.

Any query text and any filter values give hits or the archive's own error (ArchiveError:
QuerySyntaxError, FilterError, UnknownTopicError); through `archive search` they give
exit 0 or a one-line message with exit 1 (2 for a usage error), never a traceback.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_archive import TOPIC, built_archive

from archive.cli import main
from archive.errors import ArchiveError
from archive.query import api
from archive.query.filters import Filters
from archive.query.search import SearchHit, count, search

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

PIECES = st.sampled_from([
    "defence", "framework", "Hegseth", '"defence framework"', '"', "-", "-india", "OR", "AND", "NOT", "*",
    "NEAR(a b)", "title:x", "'; DROP TABLE articles; --", "\x00", "a\x00b", "\udcff", "!!!", "(", ")", "^",
    "{title}", ":", "\\", "%", "_", "é", "भारत", "ß", "İ",
])
QUERIES = st.one_of(st.text(max_size=60), st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=8).map(" ".join))
DATES = st.one_of(
    st.none(), st.text(max_size=25), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31", "0001-01-01", "9999-12-31T23:30-05:00", "0001-01-01T00:00+05:00",
                     "2025-10-31", "2025-10-31T12:00Z", "2025-02-30", "\x00"]),
)
SITES = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(["The Global Courier", "courier", "\x00", "%"])),
                 max_size=2)
TOPICS = st.one_of(st.none(), st.text(max_size=20), st.sampled_from(
    [TOPIC, TOPIC.lower(), "(" * 300 + "x" + ")" * 300, "NOT " * 1000 + "india", "\x00", "india NOT"]))
LANGS = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["en", "EN-gb", "de", "\x00"]))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    yield from built_archive(request, tmp_path_factory)


@pytest.fixture(scope="module")
def arch(built):
    archive = api.open_archive(built.directory, built.database_url)
    yield archive
    archive.close()


@PROPERTY
@given(QUERIES, SITES, DATES, DATES, TOPICS, LANGS, st.integers(-5, 20_000), st.integers(-5, 10**13))
def test_search_gives_hits_or_an_archive_error(arch, query, sites, since, until, topic, lang, limit, offset):
    try:
        filters = Filters.make(site=sites, since=since, until=until, topic=topic, lang=lang)
        hits = search(arch, query, filters, limit=limit, offset=offset)
    except ArchiveError as error:
        assert str(error)
        return
    assert all(isinstance(hit, SearchHit) for hit in hits)
    assert len(hits) <= limit
    assert count(arch, query, filters) >= len(hits)


@PROPERTY
@given(QUERIES, DATES, DATES, TOPICS, st.sampled_from([[], ["--json"], ["--limit", "0"], ["--offset", "-1"]]))
def test_archive_search_exits_cleanly(built, monkeypatch, query, since, until, topic, extra):
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)
    args = [*built.cli_args(), "search", *extra]
    for option, value in (("--since", since), ("--until", until), ("--topic", topic)):
        if value is not None:
            args += [option, value]
    result = CliRunner().invoke(main, [*args, "--", query])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.output.startswith("Error: ")


@pytest.mark.parametrize("query, message", [
    ("defence\x00framework", "NUL"),
    ("\udcffdefence", "not valid text"),
])
def test_unstorable_query_text_is_a_query_error(arch, query, message):
    with pytest.raises(ArchiveError, match=message):
        search(arch, query)


@pytest.mark.parametrize("until", ["9999-12-31", "9999-12-31T23:59:59"])
def test_until_the_last_day_finds_everything(arch, until):
    assert count(arch, None, Filters.make(until=until)) == count(arch, None, Filters())


def test_dates_out_of_range_are_filter_errors():
    with pytest.raises(ArchiveError, match="out of range"):
        Filters.make(until="9999-12-31T23:30-05:00")
    with pytest.raises(ArchiveError, match="out of range"):
        Filters.make(since="0001-01-01T00:00+05:00")
