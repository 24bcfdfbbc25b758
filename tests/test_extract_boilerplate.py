"""Per-site boilerplate learner: furniture that recurs across a site's pages goes, reused quotes stay."""

import pickle
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.extract import SiteBoilerplate, extract, normalise_segment, segment_hash

SITE = "Bharat Observer"
FOOTER = "Social Footer"
TAGLINE = "Bharat Observer is read by two million people every day across India and abroad."
QUOTE = "“Our defense ties have never been stronger,” Hegseth wrote in a post on X."
SHORT_REPEAT = "Markets wrap"


def filler_page(rng: random.Random, extra: list[str]) -> list[str]:
    words = "river council budget school harbour election weather market rail bridge clinic farm".split()
    body = [
        " ".join(rng.choice(words) for _ in range(rng.randint(12, 30))).capitalize() + "."
        for _ in range(rng.randint(5, 9))
    ]
    return body + extra


def crawl(learner, pages, quote_pages=(), short_pages=()):
    rng = random.Random(7)
    for n in range(pages):
        extra = [TAGLINE, FOOTER]
        if n in quote_pages:
            extra.insert(0, QUOTE)
        if n in short_pages:
            extra.insert(0, SHORT_REPEAT)
        learner.observe(SITE, filler_page(rng, extra))


def test_recurring_lines_become_furniture():
    learner = SiteBoilerplate()
    crawl(learner, 30)
    furniture = learner.furniture(SITE)
    assert normalise_segment(FOOTER) in furniture
    assert normalise_segment(TAGLINE) in furniture
    assert learner.pages(SITE) == 30


def test_quote_reused_in_follow_up_stories_survives():
    learner = SiteBoilerplate()
    crawl(learner, 30, quote_pages={3, 7, 11, 15, 19, 23})  # six follow-ups reuse the quote
    assert not learner.is_furniture(SITE, QUOTE)
    text = "\n".join(["Lead paragraph of a follow-up story.", QUOTE, TAGLINE, FOOTER])
    assert learner.filter(SITE, text) == "Lead paragraph of a follow-up story.\n" + QUOTE


def test_quote_survives_early_in_a_crawl_when_it_is_on_most_pages_seen():
    learner = SiteBoilerplate()
    crawl(learner, 5, quote_pages={0, 2, 4}, short_pages={1, 2, 3})  # 3 of 5 pages each
    assert not learner.is_furniture(SITE, QUOTE)  # prose needs >= 10 pages and 80 %
    assert learner.is_furniture(SITE, SHORT_REPEAT)  # a short label needs 3 pages and 50 %


def test_quote_on_nearly_every_page_is_furniture_after_all():
    learner = SiteBoilerplate()
    crawl(learner, 20, quote_pages=set(range(20)))
    assert learner.is_furniture(SITE, QUOTE)


def test_nothing_dropped_before_min_pages():
    learner = SiteBoilerplate(min_pages=5)
    crawl(learner, 4)
    assert learner.furniture(SITE) == frozenset()
    assert learner.filter(SITE, FOOTER) == FOOTER


def test_sites_are_separate_and_share_threshold_holds():
    learner = SiteBoilerplate()
    crawl(learner, 30, short_pages=set(range(10)))  # one third of the pages: a recurring section label
    assert not learner.is_furniture(SITE, SHORT_REPEAT)
    assert not learner.is_furniture("Other Site", FOOTER)


def test_each_page_counts_a_segment_once():
    learner = SiteBoilerplate()
    for _ in range(5):
        learner.observe(SITE, ["Unique body line one.", "x"])
    learner.observe(SITE, [FOOTER] * 50)
    assert not learner.is_furniture(SITE, FOOTER)


def test_learner_pickles():
    learner = SiteBoilerplate()
    crawl(learner, 12)
    clone = pickle.loads(pickle.dumps(learner))
    assert clone.furniture(SITE) == learner.furniture(SITE)


def test_segment_hash_is_sha256_of_normalised_text():
    assert segment_hash(normalise_segment("  Social   FOOTER ")) == segment_hash("social footer")
    assert len(segment_hash("x")) == 64


def test_persistence_round_trip_and_counts_add_up(db_url):
    from archive.db.engine import make_engine, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    first = SiteBoilerplate()
    crawl(first, 3)
    first.save(engine)
    first.save(engine)  # nothing new: harmless
    second = SiteBoilerplate()
    second.load(engine, [SITE])
    assert second.pages(SITE) == 3
    assert second.furniture(SITE) == frozenset()  # 3 pages < min_pages
    crawl(second, 3)  # a second run sees three more pages
    second.save(engine)
    third = SiteBoilerplate()
    third.load(engine, [SITE, "Unknown"])
    assert third.pages(SITE) == 6
    assert third.pages("Unknown") == 0
    assert normalise_segment(FOOTER) in third.furniture(SITE)
    assert normalise_segment(TAGLINE) not in third.furniture(SITE)  # prose: needs 10 pages
    engine.dispose()


def test_extract_applies_the_learned_furniture():
    """End to end with extract(): a site tagline in the article body survives the generic
    filters (it is an ordinary sentence) but not the learner."""
    import importlib.util
    import sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "extract_fixture_pages", Path(__file__).parent / "fixtures" / "extract" / "pages.py"
    )
    pages = sys.modules.get(spec.name)
    if pages is None:
        pages = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = pages
        spec.loader.exec_module(pages)
    page = pages.SEED_PAGES[4]
    rng = random.Random(3)
    learner = SiteBoilerplate()
    survivors_without = survivors_with = 0
    for n in range(14):
        body = "\n".join(f"<p>{line}</p>" for line in filler_page(rng, []))
        if n == 13:
            body += f"\n<p>{QUOTE}</p>"
        html = pages.render(page, body=body, after_body=[TAGLINE])
        plain = extract(html, page.url)
        learned = extract(html, page.url, boilerplate=learner.furniture(SITE))
        survivors_without += TAGLINE in plain.text
        survivors_with += TAGLINE in learned.text
        learner.observe(SITE, plain.segments)
    assert survivors_without == 14
    assert survivors_with < 14
    assert TAGLINE not in learned.text and QUOTE in learned.text


def test_save_skips_lines_seen_once_in_a_big_run_but_keeps_small_runs_whole(db_url):
    from archive.db.engine import make_engine, upgrade
    from archive.db.segments import load_site_segments
    from archive.extract.boilerplate import SINGLETON_RUN_PAGES

    engine = make_engine(db_url)
    upgrade(engine)
    big = SiteBoilerplate()
    crawl(big, SINGLETON_RUN_PAGES)
    big.save(engine)
    pages, rows = load_site_segments(engine, SITE)
    assert pages == SINGLETON_RUN_PAGES
    stored = {text: count for text, count in rows.values()}
    assert stored == {TAGLINE: SINGLETON_RUN_PAGES, FOOTER: SINGLETON_RUN_PAGES}  # body lines left out

    small = SiteBoilerplate()
    small.load(engine, [SITE])
    crawl(small, 2)  # an incremental run: every line counts, even once-seen ones
    small.save(engine)
    pages, rows = load_site_segments(engine, SITE)
    assert pages == SINGLETON_RUN_PAGES + 2
    counts = sorted(count for _, count in rows.values())
    assert counts[-2:] == [SINGLETON_RUN_PAGES + 2] * 2 and len(counts) > 2
    engine.dispose()


_PROSE_TAIL = "ab .!?…\"”’»)“«„\n\t\r\x0b\x0c\u00a0\u2003\u3000\u2028\u200b\x1c\x1f\x85"


@given(st.text(alphabet=_PROSE_TAIL, max_size=12))
@settings(max_examples=3000, deadline=None)
def test_the_prose_test_reads_line_ends_and_quotes_as_the_regular_expressions_did(tail):
    """String methods stand in for r'[.!?…"”’»)]\\s*$' or r'["“”«»„]' (any white space, Unicode's included)."""
    import re

    from archive.extract.boilerplate import looks_like_prose

    line = "one two three four five six seven eight" + tail
    expected = bool(re.search(r"[.!?…\"”’»)]\s*$", line) or re.search(r"[\"“”«»„]", line))
    assert looks_like_prose(line) is expected
    assert looks_like_prose("one two three." + tail.replace("a", "").replace("b", "")) is False  # < 8 words
