"""An article's story signatures: three MinHash sketches of its words (see archive.stories).

Its own module, importing only numpy and datasketch's MinHash, because a crawl computes
signatures in its extraction workers: ``import datasketch`` runs the package's __init__,
which imports every sketch it has and scipy with them (0.6 s and about 60 MB per process,
measured with ``python -X importtime`` and ru_maxrss; MinHash alone: about 12 MB, numpy).
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

TEXT_PERMUTATIONS = 64
TERM_PERMUTATIONS = 128
SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)  # the value of every slot of an empty set's signature
SEED = 1

_WORD = re.compile(r"\w+")
# Sentence and clause starts (a capital there says nothing), quotes and dashes included.
_CLAUSE = re.compile(r"(?<=[.!?:;\n])\s*|\s+[-\u2013\u2014]\s+|[\"\u201c\u201d\u2018\u2019(]")
STOP_WORDS = frozenset(
    """about above after again against all also and any are aren as at be because been before
    being below between both but by can could did does doing down during each few for from
    further had has have having he her here hers herself him himself his how however into
    is it its itself just more most much must my no nor not now of off on once only or other
    our ours out over own said same says she should so some such than that the their theirs
    them then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours year years one
    two new also told according since""".split()
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(tokens: list[str], size: int = 3) -> set[str]:
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return set(map(" ".join, zip(*(tokens[i:] for i in range(size)))))


def content_terms(tokens: Iterable[str]) -> set[str]:
    """Content words: three letters or more and not a stop word, or numbers of two digits or more."""
    return {
        t for t in set(tokens)  # each distinct word tested once
        if (t.isdigit() and len(t) >= 2) or (len(t) >= 3 and not t.isdigit() and t not in STOP_WORDS)
    }


def entities(text: str) -> set[str]:
    """Names and numbers: words capitalised inside a sentence (not at its start), lowercased,
    and numbers of two digits or more. A cheap stand-in for named entities, in any script
    that has case."""
    found: set[str] = set()
    for clause in _CLAUSE.split(text):
        tokens = _WORD.findall(clause)
        if not tokens:
            continue
        first = tokens[0]
        if first.isdigit() and len(first) >= 2:
            found.add(first)
        for token in tokens[1:]:
            if token[0].isupper():  # a number never starts with a capital
                lowered = token.lower()
                if lowered not in STOP_WORDS:
                    found.add(lowered)
            elif len(token) >= 2 and token.isdigit():
                found.add(token)
    return found


@dataclass
class Signature:
    text: np.ndarray  # uint32[TEXT_PERMUTATIONS]
    terms: np.ndarray  # uint32[TERM_PERMUTATIONS]
    names: np.ndarray  # uint32[TERM_PERMUTATIONS], over entities()
    term_count: int
    shingle_count: int = 1  # 0: no words, so no near-duplicate buckets


def _minhash_class() -> Any:
    """datasketch's MinHash, without running ``datasketch/__init__`` when nothing has yet.

    A bare package object stands in while ``datasketch.minhash`` (which needs only numpy and
    ``datasketch.hashfunc``) is imported, and leaves sys.modules at once, so that a later
    ``import datasketch`` runs the real __init__, which finds those two modules loaded."""
    if "datasketch" in sys.modules:
        from datasketch import MinHash

        return MinHash
    spec = importlib.util.find_spec("datasketch")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("datasketch is not installed")
    stand_in = types.ModuleType("datasketch")
    stand_in.__path__ = list(spec.submodule_search_locations)
    sys.modules["datasketch"] = stand_in
    try:
        from datasketch.minhash import MinHash
    finally:
        if sys.modules.get("datasketch") is stand_in:
            del sys.modules["datasketch"]
    return MinHash


@lru_cache(maxsize=1)
def _templates() -> tuple[Any, Any]:
    minhash = _minhash_class()
    return (minhash(num_perm=TEXT_PERMUTATIONS, seed=SEED, scheme=SCHEME),
            minhash(num_perm=TERM_PERMUTATIONS, seed=SEED, scheme=SCHEME))


def _sketch(template: Any, items: set[str]) -> np.ndarray:
    minhash = type(template)(num_perm=len(template), seed=SEED, permutations=template.permutations,
                             scheme=SCHEME)
    if items:
        minhash.update_batch([item.encode("utf-8") for item in items])
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


def article_signature(title: str | None, text: str) -> Signature:
    """The signatures of one article: a pure function of its title and text, so a crawl's
    extraction workers compute them ahead and the stories update at the crawl's close only
    links (``StoryBuilder.update(signatures={content_hash: ...})``)."""
    text_template, term_template = _templates()
    tokens = words(text)
    terms = content_terms(words(title or "") + tokens)
    grams = shingles(tokens)
    return Signature(
        text=_sketch(text_template, grams),
        terms=_sketch(term_template, terms),
        names=_sketch(term_template, entities(text)),
        term_count=len(terms),
        shingle_count=len(grams),
    )
