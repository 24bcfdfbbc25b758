"""A labelled set of articles for the story clustering (tests/test_stories.py, bench/bench_stories.py).

How it is built, and why each label is what it is:
  - "seeds": the five seed write-ups of one event (crawler/demoweb/seeds, body lines only),
    published over one day, plus three hand-made versions of them: an edited republication
    (seed 000 with one sentence rewritten), a syndicated copy with small differences (seed 001
    with a syndication line and a changed word), and a re-headlined wire story (seed 003 with a
    new headline and a rewritten first paragraph, six hours later). All one story by construction.
  - "other-N": the demo web's two "Read More" stories (Trump on the Pak-India clash, Trump on
    tariffs over Russian oil) and a hand-written story on an India-US trade meeting: different
    events that share names and places with the seeds (India, Trump, New Delhi, Hegseth), dated
    inside the same 72-hour window. Each its own story.
  - "filler-N": off-topic copy from the demo web's generator (crawler.demoweb.content.filler_text,
    six sections, the same sentence templates per section), dated inside the same three days
    so the time window cannot separate them. Each its own story, except that five of them have
    an edited copy (one paragraph replaced), which belongs to its story.
Pairwise truth: two articles are in the same story iff their labels are equal.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from query_archive import SEEDS, seed_lines

from crawler.demoweb.content import OTHER_STORIES, SECTIONS, filler_text

T0 = datetime(2025, 10, 31, 9, 0, tzinfo=timezone.utc)


@dataclass
class Case:
    key: str
    label: str
    title: str
    text: str
    published: datetime


TRADE_STORY = (
    "India and US trade negotiators end Delhi round without a deal",
    [
        "Trade negotiators from India and the United States ended three days of talks in New Delhi "
        "on Thursday without agreeing the first tranche of a bilateral trade deal, officials said.",
        "The US side pressed for lower Indian duties on farm goods and medical devices, while Indian "
        "officials sought relief from the 50 percent tariff imposed on many exports in August.",
        "Commerce Minister Piyush Goyal told reporters that both sides had narrowed differences on "
        "market access and would meet again in Washington before the end of the year.",
        "Exporters of textiles, leather and shrimp said the delay would hurt orders for the holiday "
        "season, and urged the government to extend interest subsidies on export credit.",
        "Analysts in Mumbai said a deal was still likely by March, given the political push from "
        "both capitals and the growing defence and technology ties between the two countries.",
    ],
)


def _seed_text(stem: str) -> str:
    return "\n".join(seed_lines(stem)[0])


def labelled_cases(filler: int = 40, *, spread_days: int = 3) -> list[Case]:
    """The labelled set; filler dated within ``spread_days`` around the seeds (3: a stress
    case where the time window cannot help; 33: the demo web's own spread)."""
    cases: list[Case] = []
    for stem, spec in SEEDS.items():
        cases.append(Case(f"seed-{stem[:3]}", "seeds", spec[3], _seed_text(stem), spec[4]))
    # An edited republication: one sentence rewritten.
    text = _seed_text("000_5357bc61c93f5885")
    first = text.split(". ")[0]
    cases.append(Case("edited-000", "seeds", SEEDS["000_5357bc61c93f5885"][3] + " (updated)",
                      text.replace(first, "India and the United States signed a ten-year framework "
                                   "on defence cooperation after talks between their ministers", 1),
                      T0 + timedelta(hours=8)))
    # A syndicated copy with small differences.
    text = _seed_text("001_4d898108dbfcd6f6").replace("Kuala Lumpur", "Kuala Lumpur, Malaysia", 1)
    cases.append(Case("syndicated-001", "seeds", SEEDS["001_4d898108dbfcd6f6"][3],
                      text + "\nThis story was first published by The Global Courier.",
                      T0 + timedelta(hours=5)))
    # A re-headlined wire story: new headline, rewritten first paragraph.
    lines = seed_lines("003_7820780226b292ca")[0]
    lines = ["WASHINGTON (Wire) - The United States and India agreed a decade-long defence "
             "framework on Friday, the Pentagon chief said after meeting his Indian counterpart."] + lines[1:]
    cases.append(Case("rewired-003", "seeds", "Pentagon chief hails decade-long pact with India",
                      "\n".join(lines), T0 + timedelta(hours=6)))
    for n, story in enumerate(OTHER_STORIES):
        cases.append(Case(f"other-{n}", f"other-{n}", story["title"], "\n".join(story["body"]),
                          T0 - timedelta(hours=20) + timedelta(hours=30 * n)))
    cases.append(Case("other-trade", "other-trade", TRADE_STORY[0], "\n".join(TRADE_STORY[1]),
                      T0 + timedelta(hours=12)))
    rng = random.Random("story-cases")
    for n in range(filler):
        section = SECTIONS[n % len(SECTIONS)]
        title, paragraphs = filler_text(rng, section, 6)
        when = T0 - timedelta(days=1) + timedelta(minutes=rng.randrange(spread_days * 24 * 60))
        cases.append(Case(f"filler-{n}", f"filler-{n}", title, "\n".join(paragraphs), when))
        if n < 5:
            _, replacement = filler_text(rng, section, 1)
            edited = "\n".join(replacement + paragraphs[1:])
            cases.append(Case(f"filler-{n}-edited", f"filler-{n}", title, edited,
                              when + timedelta(days=2)))
    return cases


def pairwise_scores(labels: dict[str, str], clusters: dict[str, int]) -> dict[str, float]:
    """Precision and recall of the pairwise same-story decisions (clusters: key -> story id)."""
    keys = sorted(labels)
    tp = fp = fn = 0
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            truth = labels[a] == labels[b]
            said = clusters[a] == clusters[b]
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"pairs": len(keys) * (len(keys) - 1) // 2, "true_positive": tp, "false_positive": fp,
            "false_negative": fn, "precision": precision, "recall": recall}


def load_cases(engine, cases: list[Case]) -> dict[str, str]:
    """Insert the cases as articles (through the Index); returns key -> content hash."""
    from archive.db.rows import ArticleRow
    from archive.db.writer import IndexWriter
    from archive.text import content_hash

    hashes = {}
    with IndexWriter(engine) as index:
        for case in cases:
            digest = content_hash(case.text)
            hashes[case.key] = digest
            index.add_article(ArticleRow(
                content_hash=digest, title=case.title, text=case.text, published=case.published,
                first_seen=case.published + timedelta(minutes=20),
                last_seen=case.published + timedelta(minutes=20), first_site=case.label,
                first_url=f"http://{case.key}.test/story"))
    return hashes


def clusters_of(engine, hashes: dict[str, str]) -> dict[str, int]:
    import sqlalchemy as sa

    from archive.db.models import story_articles

    with engine.connect() as conn:
        story = dict(conn.execute(sa.select(story_articles.c.content_hash, story_articles.c.story_id)).all())
    return {key: story[digest] for key, digest in hashes.items()}
