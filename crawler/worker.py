"""Work done in the extraction processes: HTML -> clean text + metadata, topic score, hash,
and what else the crawler needs from the page (its requisites, its rel=canonical).

Runs in a ProcessPoolExecutor so the Twisted reactor never waits on parsing. The page is
parsed once, by the extractor (lxml); the requisites and the canonical link are read from
that same tree (archive.extract.extract's `inspect` hook), so the reactor parses nothing.
Only plain, picklable values go in and out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from lxml import etree

_REL_CANONICAL = etree.XPath("//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")


def warm_up() -> None:
    """Pool initializer: import the heavy modules and build their tables once per worker."""
    import archive.stories.signature  # noqa: F401
    import archive.topic  # noqa: F401
    import crawler.requisites  # noqa: F401
    from archive.extract import warm_up as warm_extractor

    warm_extractor()


@lru_cache(maxsize=8)
def _topic(query: str):
    from archive.topic import parse_topic

    return parse_topic(query)


@dataclass
class PageResult:
    """What the worker read from one article page.

    `result` is None for a non-article, and `reason` says why. `score` is None when the
    page does not match the topic query. `segment_forms` are the normalised forms of
    `result.segments` for the boilerplate learner. `requisites` are (url, kind) pairs in
    document order (empty unless asked for, or when the page did not parse);
    `rel_canonical` is the absolute href of the page's <link rel=canonical>, as written.
    """

    result: Any = None  # archive.extract.ExtractResult
    score: float | None = None
    content_hash: str | None = None
    reason: str | None = None
    segment_forms: list[str] | None = None
    story_signature: Any = None  # archive.stories.build.Signature of title + text
    requisites: tuple[tuple[str, str], ...] = ()
    rel_canonical: str | None = None


class _PageReader:
    """The `inspect` hook: reads requisites and rel=canonical from the extractor's tree."""

    def __init__(self, url: str, requisite_kinds: tuple[str, ...] | None) -> None:
        self.url = url
        self.kinds = requisite_kinds
        self.requisites: tuple[tuple[str, str], ...] = ()
        self.rel_canonical: str | None = None

    def __call__(self, tree) -> None:
        hrefs = _REL_CANONICAL(tree)
        if hrefs and str(hrefs[0]).strip():
            self.rel_canonical = urljoin(self.url, str(hrefs[0]).strip())
        if self.kinds:
            from crawler.requisites import html_requisites

            found = html_requisites(tree, self.url, kinds=self.kinds)
            self.requisites = tuple((r.url, r.kind) for r in found)


def extract_article(
    html: bytes, url: str, query: str | None, min_length: int,
    furniture: frozenset[str] | None = None, declared_charset: str | None = None,
    requisite_kinds: tuple[str, ...] | None = None, layout: str | None = None, template: bool = False,
    story_signature: bool = True,
) -> PageResult:
    """Extract one article page; `requisite_kinds` (None: none wanted) selects the requisites
    read; `layout` and `template` are the site's learned body region and whether it is a
    checked template (archive.extract.SiteBoilerplate.plan); `story_signature` whether to
    compute the article's story signatures (stories are linked at the crawl's close)."""
    from archive.extract import extract
    from archive.extract.boilerplate import segment_forms
    from archive.stories.signature import article_signature
    from archive.text import content_hash

    reader = _PageReader(url, requisite_kinds)
    result = extract(html, url, boilerplate=furniture or None, declared_charset=declared_charset,
                     layout=layout, template=template, inspect=reader)
    page = PageResult(requisites=reader.requisites, rel_canonical=reader.rel_canonical)
    text = result.text or ""
    if not result.is_article or len(text) < min_length:
        page.reason = result.reason or f"text too short ({len(text)} chars)"
        return page
    if query:
        from archive.topic import prepare

        topic = _topic(query)
        doc = prepare(result.title, text)
        if topic.matches(doc):
            page.score = topic.score(doc)
    page.result, page.content_hash = result, content_hash(text)
    page.segment_forms = segment_forms(result.segments)
    # the story signatures (MinHash over the words: CPU-bound), here rather than at crawl close
    if story_signature:
        page.story_signature = article_signature(result.title, text)
    return page
