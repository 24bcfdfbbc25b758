"""Work done in the extraction processes: HTML -> clean text + metadata, topic score, hash.

Runs in a ProcessPoolExecutor so the Twisted reactor never waits on parsing. Only
plain, picklable values go in and out.
"""

from __future__ import annotations

from functools import lru_cache


def warm_up() -> None:
    """Pool initializer: import the heavy modules and build their tables once per worker."""
    import archive.topic  # noqa: F401
    from archive.extract import warm_up as warm_extractor

    warm_extractor()


@lru_cache(maxsize=8)
def _topic(query: str):
    from archive.topic import parse_topic

    return parse_topic(query)


def extract_article(
    html: bytes, url: str, query: str | None, min_length: int,
    furniture: frozenset[str] | None = None, declared_charset: str | None = None,
):
    """(result, score, content_hash, reason, segment_forms).

    For a non-article `result` is None and `reason` says why. `score` is None when the
    page does not match the topic query. `segment_forms` are the normalised forms of
    `result.segments` for the boilerplate learner, computed here rather than on the
    crawl's thread.
    """
    from archive.extract import extract
    from archive.extract.boilerplate import segment_forms
    from archive.text import content_hash

    result = extract(html, url, boilerplate=furniture or None, declared_charset=declared_charset)
    text = result.text or ""
    if not result.is_article or len(text) < min_length:
        return None, None, None, result.reason or f"text too short ({len(text)} chars)", None
    score = None
    if query:
        from archive.topic import prepare

        topic = _topic(query)
        doc = prepare(result.title, text)
        if topic.matches(doc):
            score = topic.score(doc)
    return result, score, content_hash(text), None, segment_forms(result.segments)
