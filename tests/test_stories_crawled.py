"""Stories on the test web: a real `scrapy crawl topic` of the demo web (SQLite), then the five
seed outlets' articles form one story with the syndicated copy, while the "Read More" stories
(same names and places, other events) and every off-topic filler article stay out of it. The
crawl links stories while it runs (every 0.3 s here) and at its close: the result is the same
as linking all at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demoweb import DemoWeb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "(defence OR defense) AND (India OR Delhi) AND Hegseth"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    base = tmp_path_factory.mktemp("stories-crawl")
    with DemoWeb(first_ip="127.0.0.40", filler_per_outlet=6) as web:
        sites = web.write_sites_yaml(base / "sites.yaml")
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.test", "PYTHONPATH": str(ROOT)}
        env.pop("ARCHIVE_DATABASE_URL", None)
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "topic", "-a", f"topic={TOPIC}",
             "-a", f"sites={sites}", "-s", f"ARCHIVE_DIR={base / 'archive'}",
             # stories linked while the crawl runs too (StoriesExtension), then the rest at close
             "-s", "ARCHIVE_STORIES_INTERVAL=0.3",
             # small index batches, committed as the crawl goes: the updates link what is committed
             "-s", "ARCHIVE_INDEX_BATCH_SIZE=10"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr[-4000:]
        return base / "archive", web.expected


def test_seed_story_on_the_crawled_test_web(crawled):
    from archive import Archive
    from archive.query.articles import resolve
    from archive.stories import story, story_of

    directory, expected = crawled
    with Archive.open(directory) as arch:
        seed_stories = {story_of(arch, s["url"]) for s in expected["stories"]}
        assert len(seed_stories) == 1, "the five seed outlets' articles form one story"
        story_id = seed_stories.pop()
        view = story(arch, story_id)
        members = {m.content_hash for m in view.members}
        assert story_of(arch, expected["syndicated"]["urls"][1]) == story_id
        assert set(expected["syndicated"]["sites"]) <= set(view.summary.outlets)
        outsiders = checked = 0
        for entry in expected["other"] + expected["filler"]:
            try:
                content_hash = resolve(arch, entry["url"])
            except Exception:  # not archived (off-topic pages may be skipped): nothing to check
                continue
            checked += 1
            outsiders += content_hash in members
    assert checked >= 10, "the crawl archived other articles to check against"
    assert outsiders == 0
    assert view.summary.articles == len(members) == 5


def test_stories_were_linked_while_the_crawl_ran(crawled):
    import json
    import sqlite3

    directory, _ = crawled
    with sqlite3.connect(directory / "archive.sqlite") as db:
        stats = json.loads(db.execute("SELECT stats FROM crawls").fetchone()[0])
        unlinked = db.execute(
            "SELECT count(*) FROM articles a LEFT JOIN story_articles s "
            "ON s.content_hash = a.content_hash WHERE s.content_hash IS NULL").fetchone()[0]
    assert stats.get("stories/updates", 0) >= 1, stats
    assert stats.get("stories/articles_linked", 0) >= 1
    assert "stories/updates_failed" not in stats
    assert unlinked == 0  # the close linked what the updates had not
    # the garbage collector extension is on by default and counts before the stats are stored
    assert stats.get("gc/collections/generation_0", -1) >= 0, stats
