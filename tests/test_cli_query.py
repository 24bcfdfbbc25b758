"""`archive search | show | coverage | stats | sites | crawls | export` through click's CliRunner,
over an archive built from the seed stories, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from query_archive import SYNDICATED_SEED, TOPIC, UPDATE_PARAGRAPH, UPDATED_SEED, built_archive

from archive.cli import main


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    yield from built_archive(request, tmp_path_factory)


@pytest.fixture
def run(built, monkeypatch):
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    monkeypatch.delenv("ARCHIVE_DIR", raising=False)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [*built.cli_args(), *args], input=input)

    return invoke


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    return result.output


def test_search_finds_seed_stories_by_their_phrases(run, built):
    exp = built.expected
    output = ok(run("search", '"strategic convergence"'))
    assert exp.seed_hashes["000_5357bc61c93f5885"][:12] in output
    hits = json.loads(ok(run("search", '"cornerstone of Indo-Pacific security cooperation"', "--json")))
    assert [h["content_hash"] for h in hits] == [exp.seed_hashes[SYNDICATED_SEED]]
    assert hits[0]["sites"] == ["Pacific Wire", "The Global Courier"]
    assert "«" in hits[0]["snippet"]


@pytest.mark.parametrize(
    "phrase",
    ['"Social Footer"', '"Image via Shutterstock"', '"2 MIN READ"', '"All rights reserved"',
     '"We use cookies"', '"Subscribe to our morning briefing"',
     '"Read More: Trump Warns India of Massive Tariffs"', '"Benzinga does not provide investment advice"'],
)
def test_search_does_not_find_boilerplate(run, phrase):
    assert json.loads(ok(run("search", phrase, "--json"))) == []


def test_search_filters_and_csv(run, built):
    exp = built.expected
    output = ok(run("search", "framework", "--site", "Frontier Times", "--csv"))
    lines = output.strip().splitlines()
    assert lines[0].startswith("content_hash,")
    assert len(lines) == 2 and exp.seed_hashes["003_7820780226b292ca"] in lines[1]
    hits = json.loads(ok(run("search", "framework", "--topic", TOPIC, "--since", "2025-10-31",
                             "--until", "2025-10-31", "--lang", "en", "--limit", "3", "--offset", "1",
                             "--json")))
    assert len(hits) == 3


@pytest.mark.parametrize("query", ["'; DROP TABLE articles; --", "1 OR 1=1", "NEAR(x y) AND ^z*"])
def test_search_hostile_input_is_text(run, query):
    ok(run("search", query))
    assert json.loads(ok(run("stats", "--json")))["articles"] == 8


def test_search_malformed_query_is_a_clear_error(run):
    result = run("search", '"defence framework')
    assert result.exit_code == 1
    assert "unbalanced double quote" in result.output
    assert "Traceback" not in result.output and "sqlite3" not in result.output.lower()
    result = run("search", "--", "-everything")
    assert result.exit_code == 1 and "add at least one word" in result.output
    result = run("search", "x", "--since", "yesterday")
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output


def test_show_lists_both_captures_of_the_syndicated_article(run, built):
    exp = built.expected
    output = ok(run("show", exp.seed_hashes[SYNDICATED_SEED][:12]))
    assert "Captures (2)" in output
    assert exp.seed_urls[SYNDICATED_SEED] in output and exp.syndicated_url in output
    assert "The Global Courier" in output and "Pacific Wire" in output
    assert ".warc.gz" in output
    view = json.loads(ok(run("show", exp.syndicated_url, "--json")))
    assert view["content_hash"] == exp.seed_hashes[SYNDICATED_SEED]
    assert len(view["captures"]) == 2
    for capture in view["captures"]:
        assert capture["warc_filename"].endswith(".warc.gz") and capture["warc_offset"] >= 0
        assert capture["status"] == 200 and capture["fetched_at"].startswith("2025-10-31T")


def test_show_versions_with_diff(run, built):
    exp = built.expected
    output = ok(run("show", exp.seed_urls[UPDATED_SEED]))
    assert "Versions of" in output and "(2)" in output
    assert exp.seed_hashes[UPDATED_SEED][:12] in output and exp.updated_hash[:12] in output
    assert "+" + UPDATE_PARAGRAPH in output
    assert UPDATE_PARAGRAPH in output.split("Captures")[0]  # the text itself
    quiet = ok(run("show", exp.updated_hash, "--no-text", "--no-diff"))
    assert "+" + UPDATE_PARAGRAPH not in quiet and "Text\n" not in quiet


@pytest.mark.parametrize("ref", ["0" * 64, "abcdef123", "http://nowhere.test/x"])
def test_show_unknown_exits_1(run, ref):
    result = run("show", ref)
    assert result.exit_code == 1
    assert result.output.startswith("Error: no ")


def test_coverage_table_json_and_plot(run, built, tmp_path):
    output = ok(run("coverage", "--topic", TOPIC))
    assert "The National Herald" in output and "2025-10-31" in output
    rows = json.loads(ok(run("coverage", "--topic", TOPIC, "--json")))
    assert {r["site"] for r in rows} == set(built.expected.seed_sites.values()) | {"Pacific Wire"}
    assert sum(r["articles"] for r in rows) == 7
    picture = tmp_path / "coverage.png"
    ok(run("coverage", "--topic", TOPIC, "--by", "week", "--plot", str(picture)))
    assert picture.read_bytes()[:4] == b"\x89PNG"
    result = run("coverage", "--query", "zzyzx", "--plot", str(tmp_path / "none.png"))
    assert result.exit_code == 1 and "nothing to plot" in result.output


def test_coverage_plot_to_a_bad_path_is_a_one_line_error(run, built, tmp_path):
    result = run("coverage", "--topic", TOPIC, "--plot", str(tmp_path / "coverage.xyz"))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: cannot draw a .xyz file: use one of ")
    assert ".png" in result.output and isinstance(result.exception, SystemExit)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("coverage", "--topic", TOPIC, "--plot", str(blocker / "coverage.png"))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: cannot write the plot to {blocker / 'coverage.png'}")
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [("search", "framework"), ("coverage",)])
def test_topic_by_canonical_form_and_known_topics_listed(run, command):
    # The stored topic is "India US defence framework": case, AND and word order do not matter.
    same = json.loads(ok(run(*command, "--topic", TOPIC, "--json")))
    assert same
    assert json.loads(ok(run(*command, "--topic", "framework AND defence AND india AND US",
                             "--json"))) == same
    result = run(*command, "--topic", "India defence", "--json")
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "Error: no topic 'India defence' in this archive; known topics:",
        f"  {TOPIC}  (6 articles)",
    ]


def test_overviews(run, built):
    totals = json.loads(ok(run("stats", "--json")))
    assert totals["articles"] == 8 and totals["crawls"] == 2 and totals["warc_files"] >= 1
    assert "articles" in ok(run("stats"))
    site_rows = json.loads(ok(run("sites", "--json")))
    assert {r["site"] for r in site_rows} >= set(built.expected.seed_sites.values())
    assert ok(run("sites", "--csv")).startswith("site,articles,captures")
    crawl_rows = json.loads(ok(run("crawls", "--json")))
    assert [c["crawl_id"] for c in crawl_rows] == built.expected.crawl_ids[::-1]
    assert built.expected.crawl_ids[0] in ok(run("crawls"))


def test_export_round_trip_jsonl_parquet(run, built, tmp_path):
    import pyarrow.parquet as pq

    jsonl, parquet = tmp_path / "a.jsonl", tmp_path / "a.parquet"
    ok(run("export", "--format", "jsonl", "-o", str(jsonl), "--topic", TOPIC))
    ok(run("export", "--format", "parquet", "-o", str(parquet), "--topic", TOPIC, "--batch-size", "2"))
    from_jsonl = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    from_parquet = pq.read_table(parquet).to_pylist()
    for row in from_parquet:
        for key in ("published", "first_seen", "last_seen"):
            row[key] = row[key].isoformat() if row[key] else None
    assert from_jsonl == from_parquet
    assert len(from_jsonl) == 6
    for record in from_jsonl:
        assert {"content_hash", "title", "text", "published", "authors", "language", "urls",
                "sites", "topics"} <= set(record)
        assert record["topics"] == [{"query": TOPIC, "score": 0.82}]
        assert "Social Footer" not in record["text"]


def test_export_to_stdout_csv_and_errors(run, built):
    lines = ok(run("export", "--query", "Hafenbetreiber")).splitlines()
    assert [json.loads(line)["content_hash"] for line in lines] == [built.expected.german_hash]
    assert ok(run("export", "--format", "csv", "--lang", "de")).startswith("content_hash,title,text")
    result = run("export", "--format", "parquet")
    assert result.exit_code == 2 and "Parquet needs a file" in result.output
    result = run("export", "--query", '"open')
    assert result.exit_code == 1 and "unbalanced" in result.output


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name in ("search", "show", "coverage", "stats", "sites", "crawls", "export", "cdx", "wacz",
                 "replay"):
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output and "archive " in result.output, name
