"""Stories across outlets: near-duplicates and same-event clusters, kept incrementally.

Method (thresholds are `StoryBuilder` arguments; the defaults below were
chosen on the labelled set of tests/story_cases.py and are measured by
``bench/bench_stories.py --labelled``: pairwise precision 0.83-0.85, recall
1.0; the false positives are stock-phrase filler articles whose text is
half the same, i.e. near-duplicates by the text measure):

1. Three MinHash signatures per article (datasketch, "affine32" scheme), over
   the lowercased ``\\w+`` words of the clean text:
   * text signature: 64 permutations over word 3-shingles of the text. Its
     estimated Jaccard is the *text similarity* of two articles: 1.0 for the
     same text, about 0.9 for a copy with one sentence edited, under 0.15 for
     two outlets' own write-ups of one event (the seeds: 0.02-0.11).
   * term signature: 128 permutations over the *content words* of title and
     text (three letters or more, not a stop word; numbers of two digits or
     more). Its estimated Jaccard is the *term similarity*, the looser
     shared-vocabulary measure: 0.15-0.42 between the seed write-ups of one
     event, at most 0.12 between different stories that share names and places
     (India, Trump, New Delhi), but up to 0.8 between articles written from the
     same stock phrases about different events (the demo web's filler).
   * entity signature: 128 permutations over *names and numbers* (words
     capitalised inside a sentence, numbers of two digits or more): the
     shared-entity measure. Write-ups of one event share their names about as
     much as their words; stock-phrase articles about different events share
     the phrases but not the names.
2. Near-duplicates: LSH over the text signature (datasketch's band/row choice
   for threshold 0.5 on 64 permutations) finds candidates through the
   ``story_buckets`` table (an indexed lookup, so memory stays flat however
   large the archive); a candidate with text similarity >= NEAR_DUPLICATE
   (0.5) is linked as ``near-duplicate``, whenever it was published.
3. Same story: articles whose story time (published, else first seen) lies
   within WINDOW (72 hours) of each other, whose term similarity is
   >= SAME_STORY (0.15) and whose entity similarity is at least ENTITY_RATIO
   (0.8) times their term similarity are linked as ``same-story``. Candidates
   are the window's signatures, compared vectorised (numpy). Articles with
   fewer than MIN_TERMS (15) content words get near-duplicate links only.
4. Stories are the connected components of the links (single linkage): a new
   article joins the story of every article it links to, and stories it
   bridges are merged. A story's id is the ``articles.id`` of its first
   member (the smallest, after a merge).

Each article is processed once, when `StoryBuilder.update` finds it without a
``story_articles`` row: a crawl does it when it closes, ``reindex`` after the
rebuild, ``archive stories --update`` on demand. Nothing is rescanned.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archive.stories.build import StoryBuilder, StoryUpdate, update_stories
    from archive.stories.read import (
        ArticleLinkView,
        StoryMember,
        StorySummary,
        StoryView,
        stories,
        story,
        story_of,
    )

# Imported on first use (PEP 562): a crawl's extraction workers import only
# archive.stories.signature, without SQLAlchemy and the rest of datasketch.
_HOME = {"StoryBuilder": "build", "StoryUpdate": "build", "update_stories": "build"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"archive.stories.{_HOME.get(name, 'read')}"), name)


__all__ = [
    "ArticleLinkView",
    "StoryBuilder",
    "StoryMember",
    "StorySummary",
    "StoryUpdate",
    "StoryView",
    "stories",
    "story",
    "story_of",
    "update_stories",
]
