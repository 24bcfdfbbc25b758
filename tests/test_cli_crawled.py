"""The `archive` CLI over an archive produced by crawling the local test web with
`scrapy crawl topic`, once into SQLite and once into PostgreSQL.

The web's ground truth (DemoWeb.expected) says which stories, boilerplate lines and
syndicated copies are there; the CLI must find the stories by their own phrases,
never by furniture, show both captures of the syndicated story, export every
article once, and verify the result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import fresh_pg_schema

from archive.cli import main as cli
from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crawled(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"crawled-{request.param}")
    with DemoWeb(first_ip="127.0.0.20", filler_per_outlet=4) as web:
        sites = web.write_sites_yaml(base / "sites.yaml")
        if request.param == "postgresql":
            with fresh_pg_schema() as url:
                yield _crawl(web, sites, base, url)
        else:
            yield _crawl(web, sites, base, None)


def _crawl(web, sites, base, db_url):
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.test", "PYTHONPATH": str(ROOT)}
    env.pop("ARCHIVE_DATABASE_URL", None)
    command = [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
               "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={base / 'archive'}"]
    if db_url:
        command += ["-s", f"ARCHIVE_DATABASE_URL={db_url}"]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    options = ["--dir", str(base / "archive")] + (["--db", db_url] if db_url else [])
    return {"expected": web.expected, "options": options}


def archive(crawled, *args):
    result = CliRunner().invoke(cli, [*crawled["options"], *args], catch_exceptions=False)
    return result


def story_hashes(crawled) -> dict[str, str]:
    """Story URL -> content hash, from `archive show --json`."""
    hashes = {}
    for story in crawled["expected"]["stories"]:
        result = archive(crawled, "show", story["url"], "--json")
        assert result.exit_code == 0, result.output
        hashes[story["url"]] = json.loads(result.output)["content_hash"]
    return hashes


def test_search_finds_each_story_by_its_own_phrase(crawled):
    hashes = story_hashes(crawled)
    for story in crawled["expected"]["stories"]:
        line = max(story["body"], key=len)
        phrase = " ".join(line.replace('"', " ").split()[2:8])
        result = archive(crawled, "search", f'"{phrase}"', "--json")
        assert result.exit_code == 0, result.output
        found = {hit["content_hash"] for hit in json.loads(result.output)}
        assert hashes[story["url"]] in found, (story["seed"], phrase)


def test_search_does_not_find_stories_by_their_boilerplate(crawled):
    hashes = set(story_hashes(crawled).values())
    titles = {story["title"] for story in crawled["expected"]["stories"]}
    # Seed 002 repeats its headline in the body: as text it is furniture, but search
    # covers titles too, so it rightly finds the story by its title.
    lines = {line for story in crawled["expected"]["stories"]
             for line in story["boilerplate"] if len(line.split()) >= 2 and line not in titles}
    assert lines  # the seeds README lists several multi-word furniture lines
    for line in lines:
        phrase = " ".join(line.replace('"', " ").split()[:6])
        result = archive(crawled, "search", f'"{phrase}"', "--json")
        assert result.exit_code == 0, result.output
        found = {hit["content_hash"] for hit in json.loads(result.output)}
        assert not found & hashes, line


def test_show_lists_both_captures_of_the_syndicated_story(crawled):
    syndicated = crawled["expected"]["syndicated"]
    result = archive(crawled, "show", syndicated["urls"][1], "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    captured_at = {capture["url"] for capture in shown["captures"]}
    assert set(syndicated["urls"]) <= captured_at


def test_export_has_every_story_once_with_its_topic(crawled, tmp_path):
    out = tmp_path / "articles.jsonl"
    result = archive(crawled, "export", "--format", "jsonl", "-o", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    by_hash = {r["content_hash"]: r for r in records}
    assert len(by_hash) == len(records)
    for url, digest in story_hashes(crawled).items():
        record = by_hash[digest]
        assert url in record["urls"]
        assert [t["query"] for t in record["topics"]] == [TOPIC]
    syndicated = crawled["expected"]["syndicated"]
    (record,) = [r for r in records if syndicated["urls"][0] in r["urls"]]
    assert set(syndicated["urls"]) <= set(record["urls"])
    off_topic = set(crawled["expected"]["off_topic"])
    assert all(not r["topics"] for r in records if set(r["urls"]) & off_topic)


def test_verify_passes(crawled):
    result = archive(crawled, "verify", "--quiet")
    assert result.exit_code == 0, result.output


def test_show_gives_each_story_its_headline(crawled):
    """The outlet's headline, without the " - Site" its <title> and og:title append."""
    for story in crawled["expected"]["stories"]:
        result = archive(crawled, "show", story["url"], "--json")
        assert json.loads(result.output)["title"] == story["title"], story["seed"]
