"""Stories (archive.stories): near-duplicates and same-story clusters on hand-made cases, on the
query test archive (five seed outlets, a syndicated copy, an updated version, filler), through
the CLI, across incremental updates and a reindex, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from query_archive import built_archive
from story_cases import Case, clusters_of, labelled_cases, load_cases, pairwise_scores

from archive.cli import main as cli
from archive.db.models import article_links
from archive.stories import StoryBuilder, stories, story, update_stories


def _links(engine) -> dict[frozenset, tuple[str, float]]:
    with engine.connect() as conn:
        return {frozenset((r.content_hash, r.other_hash)): (r.kind, r.text_similarity)
                for r in conn.execute(sa.select(article_links))}


def test_hand_made_cases_link_copies_and_keep_other_stories_apart(engine):
    cases = labelled_cases(filler=6)
    hashes = load_cases(engine, cases)
    done = update_stories(engine)
    assert done.articles == len(cases)
    story_of = clusters_of(engine, hashes)
    seeds = {k for k, c in ((c.key, c) for c in cases) if c.label == "seeds"}
    assert len({story_of[k] for k in seeds}) == 1, "the seed write-ups and their copies form one story"
    seed_story = story_of["seed-000"]
    others = [c.key for c in cases if c.label != "seeds"]
    assert all(story_of[k] != seed_story for k in others), "no other story or filler joins it"
    assert len({story_of[k] for k in ("other-0", "other-1", "other-trade")}) == 3
    links = _links(engine)
    for copy, original in (("edited-000", "seed-000"), ("syndicated-001", "seed-001"),
                           ("rewired-003", "seed-003"), ("filler-0-edited", "filler-0")):
        kind, similarity = links[frozenset((hashes[copy], hashes[original]))]
        assert kind == "near-duplicate", copy
        assert 0.5 <= similarity < 1.0, (copy, similarity)
    # Independent write-ups are linked as the same story, not as copies.
    assert links[frozenset((hashes["seed-001"], hashes["seed-002"]))][0] == "same-story"


def test_pairwise_precision_and_recall_on_the_labelled_set(engine):
    """The measured figures (bench/bench_stories.py --labelled prints them in full)."""
    cases = labelled_cases(filler=40, spread_days=33)
    hashes = load_cases(engine, cases)
    update_stories(engine)
    scores = pairwise_scores({c.key: c.label for c in cases}, clusters_of(engine, hashes))
    assert scores["recall"] == 1.0
    assert scores["precision"] >= 0.75, scores


def test_signatures_computed_ahead_give_the_same_stories(tmp_path, monkeypatch):
    """A crawl's workers compute the signatures (article_signature); the update at close
    then only links, with the same stories and links as computing them itself."""
    from archive.db.engine import make_engine, upgrade
    from archive.stories.signature import article_signature

    cases = labelled_cases(filler=6)
    engines = []
    for name in ("itself", "ahead"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite")
        upgrade(engine)
        engines.append((engine, load_cases(engine, cases)))
    (itself, hashes), (ahead, _) = engines
    update_stories(itself)
    signatures = {hashes[c.key]: article_signature(c.title, c.text) for c in cases}

    def not_here(self, title, text):
        raise AssertionError("signature computed at update time")

    monkeypatch.setattr(StoryBuilder, "signature", not_here)
    assert StoryBuilder().update(ahead, signatures=signatures).articles == len(cases)
    assert _links(ahead) == _links(itself)
    assert clusters_of(ahead, hashes) == clusters_of(itself, hashes)


def test_known_bands_are_datasketchs_choice():
    from datasketch import MinHashLSH

    from archive.stories.build import KNOWN_BANDS, band_ranges

    for (threshold, num_perm), _ in KNOWN_BANDS.items():
        planner = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert band_ranges(threshold, num_perm) == list(planner.hashranges)
    assert band_ranges(0.8) == list(MinHashLSH(threshold=0.8, num_perm=64).hashranges)  # not cached


def test_incremental_updates_merge_stories_and_equal_one_pass(tmp_path):
    from archive.db.engine import make_engine, upgrade

    cases = labelled_cases(filler=4)
    by_key = {c.key: c for c in cases}
    engines = []
    for name in ("one", "steps"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite")
        upgrade(engine)
        engines.append(engine)
    one, steps = engines
    h1 = load_cases(one, cases)
    update_stories(one)
    # Two write-ups that share little with each other come first, then a bridging one.
    first = [by_key["seed-004"], by_key["seed-002"], by_key["filler-0"]]
    h2 = load_cases(steps, first)
    done = StoryBuilder(batch_size=1).update(steps)
    assert done.articles == 3
    before = clusters_of(steps, h2)
    h2.update(load_cases(steps, [c for c in cases if c not in first]))
    done = StoryBuilder(batch_size=3).update(steps)
    assert done.articles == len(cases) - 3  # only the new ones were read
    assert StoryBuilder().update(steps).articles == 0
    after = clusters_of(steps, h2)
    assert after["seed-004"] == after["seed-002"] == after["seed-000"]
    assert after["seed-004"] == min(before["seed-004"], before["seed-002"])

    def partition(clusters):
        groups = {}
        for key, sid in clusters.items():
            groups.setdefault(sid, set()).add(key)
        return sorted(sorted(g) for g in groups.values())

    assert partition(after) == partition(clusters_of(one, h1))
    for engine in engines:
        engine.dispose()


def test_empty_and_tiny_texts_stay_alone(engine):
    base = labelled_cases(filler=0)[0]
    tiny = [Case("empty", "a", "", "", base.published), Case("empty2", "b", "", " ", base.published),
            Case("tiny", "c", "Hi", "Hello there.", base.published),
            Case("tiny2", "d", "Hi", "Hello there!", base.published + timedelta(hours=1))]
    hashes = load_cases(engine, tiny)
    done = update_stories(engine)
    assert done.articles == 3 and done.empty == 1  # "" and " " are one article
    clusters = clusters_of(engine, hashes)
    assert clusters["empty"] != clusters["tiny"]


# --- the query test archive, through the library, the CLI and reindex ---


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request, tmp_path_factory):
    yield from built_archive(request, tmp_path_factory)


def _run(built, *args):
    result = CliRunner().invoke(cli, [*built.cli_args(), *args], catch_exceptions=False)
    return result


def test_seed_outlets_form_one_story_with_copies_and_versions(built):
    from archive import Archive

    exp = built.expected
    with Archive.open(built.directory, built.database_url) as arch:
        found = stories(arch)
        assert len(found) == 1, [s.title for s in found]
        summary = found[0]
        members = set(exp.seed_hashes.values()) | {exp.updated_hash}
        view = story(arch, summary.story_id)
    assert {m.content_hash for m in view.members} == members
    assert summary.articles == 6
    assert set(summary.outlets) == set(exp.seed_sites.values()) | {"Pacific Wire"}
    # Valley Republic published first (09:35 UTC); the story's first capture is 30 minutes later.
    assert summary.earliest_publisher == "Valley Republic"
    assert summary.first_published.isoformat() == "2025-10-31T09:35:00+00:00"
    kinds = {d["kind"] for d in view.diffs}
    assert "near-duplicate" in kinds  # the updated page is also a near-duplicate of its first text
    assert any("+Update (November 2, 2025)" in d["diff"] for d in view.diffs)
    assert view.timeline == sorted(view.timeline, key=lambda e: (e.when, e.event != "published", e.site or ""))
    assert {e.site for e in view.timeline if e.event == "captured"} >= {"Pacific Wire"}
    assert not set(exp.filler_hashes) & {m.content_hash for m in view.members}


def test_cli_stories_and_story(built):
    import json

    exp = built.expected
    result = _run(built, "stories", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [s["articles"] for s in listed] == [6]
    story_id = listed[0]["story_id"]
    table = _run(built, "stories", "--topic", "India US defence framework")
    assert table.exit_code == 0 and "Valley Republic" in table.output
    assert _run(built, "stories", "--site", "Market Wire", "--csv").output.count("\n") == 2
    assert "No stories." in _run(built, "stories", "-q", "Hafenbetreiber").output
    assert _run(built, "stories", "-q", "Hafenbetreiber", "--min-articles", "1", "--json").exit_code == 0
    detail = _run(built, "story", str(story_id))
    assert detail.exit_code == 0, detail.output
    assert "near-duplicate" in detail.output and "Timeline" in detail.output
    assert "+Update (November 2, 2025)" in detail.output
    by_url = _run(built, "story", exp.syndicated_url, "--json")
    assert json.loads(by_url.output)["story_id"] == story_id
    missing = _run(built, "story", "999999")
    assert missing.exit_code == 1 and "no story 999999" in missing.output
    bad = _run(built, "stories", "--since", "tomorrow-ish")
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_reindex_rebuilds_the_same_stories(built, tmp_path):
    from archive import Archive
    from archive.reindex import reindex

    with Archive.open(built.directory, built.database_url) as arch:
        original = sorted(sorted(m.content_hash for m in story(arch, s.story_id).members)
                          for s in stories(arch, min_articles=1))
    with Archive.open(built.directory, f"sqlite:///{tmp_path / 'rebuilt.sqlite'}") as arch:
        report = reindex(arch)
        assert report.ok and report.stories == 8
        rebuilt = sorted(sorted(m.content_hash for m in story(arch, s.story_id).members)
                         for s in stories(arch, min_articles=1))
    assert rebuilt == original


def test_two_updaters_at_once_link_each_article_once(engine):
    """Two crawl nodes closing at the same time both run the update (PostgreSQL takes a lock)."""
    import threading

    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers: the PostgreSQL case (SQLite serialises writers itself)")
    cases = labelled_cases(filler=10)
    hashes = load_cases(engine, cases)
    results, errors = [], []

    def run():
        try:
            results.append(StoryBuilder(batch_size=7).update(engine))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.articles for r in results) == len(cases)
    story_of = clusters_of(engine, hashes)
    assert len({story_of[c.key] for c in cases if c.label == "seeds"}) == 1


def test_session_links_stories_from_a_thread_while_articles_are_added(tmp_path):
    """A long crawl links stories as it goes (CrawlSession.link_stories, on a thread) while
    the crawl thread goes on adding articles; the close links the rest. Every article ends in
    exactly one story, the clusters are those of one update of everything, and the signatures
    computed ahead are let go once linked."""
    import threading
    from types import SimpleNamespace

    from test_warc_support import make_exchange

    from archive import Archive
    from archive.db.engine import make_engine, upgrade
    from archive.stories.signature import article_signature
    from archive.text import content_hash

    cases = labelled_cases(filler=6)
    reference = make_engine(f"sqlite:///{tmp_path / 'reference.sqlite'}")
    upgrade(reference)
    hashes = load_cases(reference, cases)
    update_stories(reference)

    arch = Archive.open(tmp_path / "crawl")
    session = arch.start_crawl(spider="t", topic=None, sites=[], settings_digest="x")
    updates, errors = [], []

    def link_now():
        try:
            updates.append(session.link_stories().articles)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = []
    for n, case in enumerate(cases):
        ref = session.write_response(make_exchange(f"http://{case.key}.test/story"))
        result = SimpleNamespace(
            text=case.text, title=case.title, authors=[], published=case.published, modified=None,
            paywalled=False, language="en", canonical_url=None, site_name=case.label,
            description=None, tags=[], segments=(), dropped={}, body_source="trafilatura",
            body_region=None, layout_agreement=None, encoding="utf-8", truncated=False)
        session.add_article(ref, result, content_hash=content_hash(case.text),
                            story_signature=article_signature(case.title, case.text))
        if n % 5 == 4:  # an update now and then, while the adding goes on
            session.flush()  # what the index writer commits as a crawl goes (updates do not flush)
            threads.append(threading.Thread(target=link_now))
            threads[-1].start()
    for thread in threads:
        thread.join()
    assert not errors and sum(updates) > 0
    left = len(session._signatures)
    assert left < len(cases)  # the linked articles' signatures were let go
    session.close({})
    with arch:
        linked = clusters_of(arch.engine, hashes)
    assert len(linked) == len(cases)  # every article in one story, once
    assert _same_partition(linked, clusters_of(reference, hashes))


def _same_partition(a: dict[str, int], b: dict[str, int]) -> bool:
    """The same grouping of the same keys, whatever the story ids."""
    def groups(clusters):
        by_story: dict[int, set[str]] = {}
        for key, story_id in clusters.items():
            by_story.setdefault(story_id, set()).add(key)
        return sorted(map(sorted, by_story.values()))
    return groups(a) == groups(b)
