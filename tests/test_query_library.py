"""The query library over an archive built from the seed stories, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from query_archive import (
    FURNITURE_PHRASES,
    SEEDS,
    SYNDICATED_SEED,
    TOPIC,
    UPDATE_PARAGRAPH,
    UPDATED_SEED,
    built_archive,
    seed_lines,
)

from archive.errors import RecordNotFound
from archive.query import api
from archive.query.articles import article, text_diff
from archive.query.coverage import coverage, plot_coverage
from archive.query.export import FIELDS, export, read_jsonl
from archive.query.filters import FilterError, Filters
from archive.query.fts import QuerySyntaxError
from archive.query.overview import crawl_summaries, sites, stats
from archive.query.search import count, search

SEED_PHRASES = {
    "000_5357bc61c93f5885": '"Our defense ties have never been stronger"',
    "001_4d898108dbfcd6f6": '"cornerstone of Indo-Pacific security cooperation"',
    "002_09fa48de5d08860c": '"deepening of strategic ties between the two nations"',
    "003_7820780226b292ca": '"Hegseth Hails" OR "Seven Beautiful Planes" OR unprecedented',
    "004_7505220e69bc56c7": '"cornerstone for regional stability and deterrence"',
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    yield from built_archive(request, tmp_path_factory)


@pytest.fixture(scope="module")
def arch(built):
    archive = api.open_archive(built.directory, built.database_url)
    yield archive
    archive.close()


def hashes(hits):
    return {hit.content_hash for hit in hits}


@pytest.mark.parametrize("seed", sorted(SEED_PHRASES))
def test_search_finds_each_seed_by_a_phrase_it_contains(arch, built, seed):
    hits = search(arch, SEED_PHRASES[seed])
    assert built.expected.seed_hashes[seed] in hashes(hits)


def test_search_ranks_title_matches_and_highlights(arch, built):
    hits = search(arch, "Rajnath")  # in one title, and in several texts
    assert hits, "no hits"
    top = hits[0]
    assert top.content_hash == built.expected.seed_hashes[SYNDICATED_SEED]
    assert "«" in top.title_highlighted and "»" in top.title_highlighted
    assert "«" in top.snippet
    assert top.sites == ["Pacific Wire", "The Global Courier"]
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_boilerplate_and_furniture_are_not_searchable(arch, built):
    for seed, lines in built.expected.boilerplate.items():
        for line in lines:
            if len(line) < 6 or line == SEEDS[seed][3]:
                continue  # "A+", "Kathmandu": words the stories use; a repeated headline is the title
            hits = search(arch, '"' + line.replace('"', "") + '"')
            assert built.expected.seed_hashes[seed] not in hashes(hits), (seed, line)
    for phrase in FURNITURE_PHRASES + ["Social Footer", "Image via Shutterstock", "2 MIN READ"]:
        assert search(arch, f'"{phrase}"') == [], phrase


def test_stemming_and_exclusion(arch, built):
    signed = hashes(search(arch, "signing", limit=50))
    assert set(built.expected.seed_hashes.values()) <= signed | {built.expected.updated_hash}
    without = hashes(search(arch, "framework -Benzinga -Lockheed", limit=50))
    assert built.expected.seed_hashes["000_5357bc61c93f5885"] not in without
    assert built.expected.seed_hashes["004_7505220e69bc56c7"] in without


@pytest.mark.parametrize(
    "query",
    ["'; DROP TABLE articles; --", 'x" OR 1=1 --"', "NEAR(india, 2)", "title:india*", "^india",
     "articles_fts MATCH 'x'", "\\x00 %s %(x)s ? :name"],
)
def test_hostile_queries_are_text(arch, query):
    search(arch, query)  # no SQL error
    assert count(arch, None) == 8  # and nothing was dropped


def test_malformed_query_raises_query_error(arch):
    with pytest.raises(QuerySyntaxError, match="unbalanced"):
        search(arch, '"defence framework')


def test_filters_site_dates_topic_language(arch, built):
    exp = built.expected
    def found(**kw):
        return hashes(search(arch, "framework OR Hafenbetreiber OR frost", Filters.make(**kw), limit=50))

    assert found(site="pacific wire") == {exp.seed_hashes[SYNDICATED_SEED]}
    assert found(site=["Frontier Times", "Valley Republic"]) == {
        exp.seed_hashes["003_7820780226b292ca"], exp.seed_hashes["002_09fa48de5d08860c"]}
    assert exp.german_hash in hashes(
        search(arch, "Hafenbetreiber", Filters.make(lang="de")))
    assert search(arch, "Hafenbetreiber", Filters.make(lang="en")) == []
    on_topic = found(topic=TOPIC.lower())
    assert on_topic == set(exp.seed_hashes.values()) | {exp.updated_hash}
    assert found(until="2025-10-30") == set(exp.filler_hashes)
    assert hashes(search(arch, "frost", Filters.make(until="2025-10-30"))) == {exp.filler_hashes[0]}
    assert hashes(search(arch, "frost", Filters.make(since="2025-10-31"))) == set()
    assert found(since="2025-10-31", until="2025-10-31") == on_topic


def test_bad_filter_values(arch):
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        Filters.make(since="last tuesday")
    with pytest.raises(FilterError, match="not before"):
        Filters.make(since="2025-11-02", until="2025-11-01")


def test_paging(arch):
    everything = search(arch, "India", limit=50)
    assert len(everything) >= 6
    page = search(arch, "India", limit=2, offset=2)
    assert [h.content_hash for h in page] == [h.content_hash for h in everything[2:4]]


def test_article_by_hash_prefix_and_url(arch, built):
    exp = built.expected
    h = exp.seed_hashes[SYNDICATED_SEED]
    view = article(arch, h[:10])
    assert view.content_hash == h
    body, _ = seed_lines(SYNDICATED_SEED)
    assert view.text.splitlines()[0] == body[0]
    assert view.urls == sorted([exp.seed_urls[SYNDICATED_SEED], exp.syndicated_url])
    assert [c.site for c in view.captures] == ["The Global Courier", "Pacific Wire"]
    assert all(c.warc_filename.endswith(".warc.gz") and c.warc_offset >= 0 for c in view.captures)
    assert view.topics[0]["query"] == TOPIC
    assert article(arch, exp.syndicated_url).content_hash == h
    assert article(arch, exp.syndicated_url + "#comments").content_hash == h


def test_article_versions_and_diff(arch, built):
    exp = built.expected
    view = article(arch, exp.seed_urls[UPDATED_SEED])
    assert view.content_hash == exp.updated_hash  # the URL names its newest article
    (history,) = view.history
    assert [v.content_hash for v in history.versions] == [
        exp.seed_hashes[UPDATED_SEED], exp.updated_hash]
    (change,) = history.diffs
    added = [line for line in change.diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added == ["+" + UPDATE_PARAGRAPH]


def test_unknown_references(arch, built):
    with pytest.raises(RecordNotFound, match="no article"):
        article(arch, "0" * 64)
    with pytest.raises(RecordNotFound, match="no capture"):
        article(arch, "http://nowhere.test/story")
    with pytest.raises(RecordNotFound, match="no article text"):
        article(arch, built.expected.homepage_url)


def test_captures_iterator(arch, built):
    exp = built.expected
    all_captures = list(api.captures(arch))
    assert len(all_captures) == 10
    assert [c.fetched_at for c in all_captures] == sorted(c.fetched_at for c in all_captures)
    by_url = list(api.captures(arch, url=exp.seed_urls[UPDATED_SEED]))
    assert [c.content_hash for c in by_url] == [exp.seed_hashes[UPDATED_SEED], exp.updated_hash]
    assert {c.crawl_id for c in api.captures(arch, crawl_id=exp.crawl_ids[1])} == {exp.crawl_ids[1]}


def test_coverage_per_site_and_day(arch, built, tmp_path):
    rows = coverage(arch, Filters.make(topic=TOPIC))
    by_site = {r.site: r for r in rows}
    assert set(by_site) == set(built.expected.seed_sites.values()) | {"Pacific Wire"}
    assert all(str(r.period) == "2025-10-31" for r in rows)
    herald = by_site["The National Herald"]
    assert herald.articles == 2  # both versions were published on the 31st
    assert herald.first_seen < herald.last_seen
    assert herald.last_seen == datetime(2025, 11, 2, 6, 0, tzinfo=timezone.utc)
    monthly = coverage(arch, by="month")
    assert sum(r.articles for r in monthly) == 9  # 8 articles, one on two sites
    picture = plot_coverage(rows, tmp_path / "coverage.png", title="test")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_jsonl_and_parquet_round_trip(arch, built, tmp_path):
    import pyarrow.parquet as pq

    filters = Filters.make(topic=TOPIC)
    assert export(arch, tmp_path / "a.jsonl", "jsonl", filters, batch_size=2) == 6
    assert export(arch, tmp_path / "a.parquet", "parquet", filters, batch_size=2) == 6
    from_jsonl = read_jsonl(tmp_path / "a.jsonl")
    from_parquet = pq.read_table(tmp_path / "a.parquet").to_pylist()
    for row in from_parquet:
        for key in ("published", "first_seen", "last_seen"):
            row[key] = row[key].isoformat() if row[key] else None
    assert from_jsonl == from_parquet
    record = next(r for r in from_jsonl if r["content_hash"] == built.expected.seed_hashes[SYNDICATED_SEED])
    assert list(record)[:9] == list(FIELDS[:9])
    assert record["urls"] == sorted([built.expected.seed_urls[SYNDICATED_SEED], built.expected.syndicated_url])
    assert record["sites"] == ["Pacific Wire", "The Global Courier"]
    assert record["topics"] == [{"query": TOPIC, "score": 0.82}]
    assert record["published"] == "2025-10-31T11:05:00+00:00"
    assert not list(tmp_path.glob("*.part"))


def test_export_csv_and_query(arch, tmp_path):
    import csv

    assert export(arch, tmp_path / "a.csv", "csv", query='"defence framework"') >= 2
    rows = list(csv.DictReader(open(tmp_path / "a.csv", encoding="utf-8")))
    assert rows and all("defence framework" in (r["title"] + r["text"]).lower() for r in rows)
    assert "(0.82)" in rows[0]["topics"]


def test_overviews(arch, built):
    totals = stats(arch, built.directory)
    assert totals["articles"] == 8 and totals["captures"] == 10
    assert totals["captures_with_article"] == 9 and totals["crawls"] == 2
    assert totals["warc_files"] >= 1 and totals["warc_bytes"] > 0
    assert totals["languages"] == {"en": 7, "de": 1}
    assert totals["database_bytes"] > 0
    json.dumps(totals, default=str)
    per_site = {s.site: s for s in sites(arch)}
    assert per_site["Market Wire"].captures == 3 and per_site["Market Wire"].articles == 2
    crawls = crawl_summaries(arch)
    assert [c.crawl_id for c in crawls] == built.expected.crawl_ids[::-1]
    assert crawls[0].captures == 1 and crawls[1].articles == 7
    assert crawls[1].stats == {"pages": 9}


def test_api_dataframe(arch, built):
    frame = api.dataframe(arch, '"defence framework"')
    assert {"content_hash", "title", "snippet", "score", "published"} <= set(frame.columns)
    assert str(frame["published"].dtype).startswith("datetime64")
    every = api.dataframe(arch, topic=TOPIC, text=True)
    assert len(every) == 6 and "text" in every.columns
    assert set(api.dataframe(arch, lang="de")["content_hash"]) == {built.expected.german_hash}
    first = api.search(arch, "Hegseth", site="Frontier Times")[0]
    assert api.article(arch, first.content_hash).first_site == "Frontier Times"
    assert len(list(api.articles(arch, "Hafenbetreiber"))) == 1


def test_text_diff_splits_sentences():
    diff = text_diff("One. Two is here. Three.", "One. Two was here. Three.")
    assert "-Two is here." in diff and "+Two was here." in diff


def test_archive_object_offers_the_notebook_api(arch, built):
    """The same queries as methods of the Archive a notebook opens."""
    digest = built.expected.seed_hashes[SYNDICATED_SEED]
    assert digest in hashes(arch.search('"new decade of partnership"'))
    view = arch.article(digest)
    assert view.content_hash == digest and len(view.urls) == 2
    assert {c.content_hash for c in arch.captures(content_hash=digest)} == {digest}
    records = list(arch.articles(topic=TOPIC))
    assert digest in {r["content_hash"] for r in records}
    frame = arch.dataframe('"new decade of partnership"')
    assert digest in set(frame["content_hash"])
