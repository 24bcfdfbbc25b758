"""extract(): HTML bytes + URL -> ExtractResult, never raising on bad input."""

from __future__ import annotations

import codecs
import logging
from collections import Counter
from collections.abc import Callable, Container, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from archive.extract import decode
from archive.extract.candidates import (
    GAIN,
    LINK_HEAVY,
    better,
    evidence,
    json_ld_body,
    json_state_body,
    link_texts,
    set_aside_scripts,
    strip_inert,
)
from archive.extract.clean import clean_lines
from archive.extract.engine import Engine, paragraph_text_length, readability_lines
from archive.extract.furniture import Line, normalise_segment
from archive.extract.layout import body_region, region_lines
from archive.extract.meta import detect_language, page_metadata
from archive.extract.result import ExtractResult

if TYPE_CHECKING:
    from archive.extract.structured import Structured

logger = logging.getLogger(__name__)

TEMPLATE_SOURCE = "site template"
"""``body_source`` of a page whose body was read from its site's checked template region."""
MIN_TEXT_CHARS = 200
"""Below this much clean text a page is "not an article" (index pages, stubs, errors)."""
MAX_ELEMENTS = 20_000
"""Parsed pages with more elements than this are cut back to their first MAX_ELEMENTS."""
SECOND_OPINION_PAGE_SHARE = 0.7
"""Compare other body candidates when trafilatura's fast text is below this share of the
page's <p> text (or below SHORT_BODY_CHARS); candidates.py decides on the evidence."""
SHORT_BODY_CHARS = 500
"""A fast text shorter than this is always compared with the other candidates, and
trafilatura's full cascade is asked only when the best candidate is shorter than this: on
pages whose text is not in <p> (teaser lists, cards) the page share cannot see that the
fast mode kept one block of many."""
RECALL_PAGE_SHARE = 0.2
RECALL_MAX_CHARS = 3000
"""A fast text under RECALL_MAX_CHARS that covers under RECALL_PAGE_SHARE of the page's <p>
text also asks trafilatura's full cascade, whose recall retry and jusText reach body text
its fast mode pruned. trafilatura's own fast-mode retry, on the same figures against its
whole-page text measure, is off in our fast pass (engine._gate_fast_escalation): this is
where it moved, measured on the <p> text the cascade has already counted."""
READABILITY_PAGE_SHARE = 1 / GAIN
"""readability (a second parse and scoring of the page, the costliest candidate) is asked
only when the fast text is below this share of the page's <p> text or shorter than
SHORT_BODY_CHARS: to replace the fast text it needs GAIN times its prose, which a page
whose paragraphs the fast text half covers rarely holds outside short, non-<p> pages."""

Boilerplate = Container[str] | Callable[[str], bool] | None


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(decode.MAX_HTML_BYTES)


def warm_up() -> None:
    """Load lazily built tables (stop-word index, trafilatura) once, e.g. in a pool initializer."""
    from archive.extract.meta import _stopword_index

    _engine()
    _stopword_index()
    extract(b"<html><body><article><p>" + b"warm up text. " * 40 + b"</p></article></body></html>")


def extract(
    html: bytes | str,
    url: str | None = None,
    *,
    boilerplate: Boilerplate = None,
    declared_charset: str | None = None,
    now: datetime | None = None,
    layout: str | None = None,
    template: bool = False,
    inspect: Callable[[HtmlElement], None] | None = None,
) -> ExtractResult:
    """Turn one HTML page into clean text and metadata; never raises on bad input.

    ``boilerplate``: per-site furniture, either a container of normalised segments
    (``SiteBoilerplate.furniture(site)``) or a predicate on a normalised segment;
    matching lines are dropped. ``declared_charset``: the HTTP header's charset, if any.
    ``now``: the reference time for "not in the future" (default: the clock).
    ``layout``: the site's learned body region (``SiteBoilerplate.layout(site)``), read
    as one more body candidate; the result's ``layout_agreement`` then says how closely
    that region's clean text matched the body chosen (what the learner checks a template by).
    ``template``: the layout is a checked template of the site (``SiteBoilerplate.plan``):
    its region is the body without asking the general candidates (trafilatura, readability,
    ...), unless it holds too little prose or too many links, when the general path runs.
    ``inspect``: called once with the parsed page before extraction reads it, so that a
    caller reads what else it needs (the crawler: page requisites, rel=canonical) from the
    same parse instead of parsing the page again; it must not change the tree. Not called
    for input that is not parsed (binary, empty, no markup). Its exceptions are logged.
    """
    try:
        return _extract(html, url, boilerplate, declared_charset, now, layout, inspect, template)
    except RecursionError:
        return ExtractResult.not_article("markup nested too deeply")
    except MemoryError:
        return ExtractResult.not_article("out of memory")
    except Exception as exc:  # noqa: BLE001 - bad input is data, not a crash (DESIGN rule 7)
        logger.warning("extraction failed for %s: %r", url, exc)
        return ExtractResult.not_article(f"extraction error: {type(exc).__name__}")


def _extract(html: object, url: str | None, boilerplate: Boilerplate,
             declared_charset: str | None, now: datetime | None, layout: str | None = None,
             inspect: Callable[[HtmlElement], None] | None = None,
             template: bool = False) -> ExtractResult:
    now = now or datetime.now(timezone.utc)
    if html is None:
        return ExtractResult.not_article("empty input")
    if isinstance(html, str):
        html = html.encode("utf-8", "surrogatepass")
    if not isinstance(html, (bytes, bytearray, memoryview)):
        return ExtractResult.not_article(f"unsupported input type {type(html).__name__}")
    data = bytes(html)
    if not data or data.isspace():  # not data.strip(): that copies the page to find out
        return ExtractResult.not_article("empty input")
    if len(data) > decode.MAX_INPUT_BYTES:
        return ExtractResult.not_article(f"too large ({len(data)} bytes > {decode.MAX_INPUT_BYTES})")
    binary = decode.sniff_binary(data)
    if binary:
        return ExtractResult.not_article(binary)
    data, truncated = decode.shrink(data)
    text, encoding = decode.decode_html(data, declared_charset)
    utf8 = data if encoding == "utf-8" and not data.startswith(codecs.BOM_UTF8) else None
    cleaned = decode.clean_text_for_lxml(text, utf8)
    if cleaned is not text:
        text, utf8 = cleaned, None  # the bytes still hold what was dropped
    if text.find("<", 0, 200_000) < 0:
        return ExtractResult.not_article("not HTML (no markup)", encoding=encoding)

    tree = _parse(text, utf8)
    if tree is None:
        return ExtractResult.not_article("not HTML (unparseable)", encoding=encoding)
    truncated = _bound_tree(tree) or truncated
    if inspect is not None:
        try:
            inspect(tree)
        except Exception as exc:  # noqa: BLE001 - the caller's reading must not cost the extraction
            logger.warning("inspecting the parsed page failed for %s: %r", url, exc)

    strip_inert(tree, "data:" in text)  # after `inspect`, which reads styles and data: URIs too
    meta = page_metadata(tree, url, now)
    states = set_aside_scripts(tree)  # metadata has read the JSON-LD; no body text in scripts
    titles = [t for t in [meta.title, *meta.headings] if t]
    region = region_lines(tree, layout) if layout else []
    links = link_texts(tree) if region else None  # read once, for every comparison below
    if template and links is not None and _template_holds(region, links):
        lines, source = region, TEMPLATE_SOURCE
    else:
        lines, source = _main_lines(tree, text, url, meta.structured, region, states, links)
    kept, dropped = clean_lines(lines, titles=titles, description=meta.description)
    agreement = None
    if region and source != TEMPLATE_SOURCE:
        agreement = 1.0 if source == "site layout" else \
            overlap(kept, clean_lines(region, titles=titles, description=meta.description)[0])
    segments = tuple(line.text for line in kept)
    site_drops = 0
    if boilerplate is not None:
        is_furniture = boilerplate if callable(boilerplate) else boilerplate.__contains__
        before = len(kept)
        kept = [line for line in kept if not is_furniture(normalise_segment(line.text))]
        site_drops = before - len(kept)
    reasons = Counter(why for _, why in dropped)
    if site_drops:
        reasons["site boilerplate"] = site_drops
    body = "\n".join(line.text for line in kept).strip()
    fields: dict[str, Any] = dict(
        title=meta.title,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        paywalled=meta.paywalled,
        language=meta.html_language,
        canonical_url=meta.canonical_url,
        site_name=meta.site_name,
        description=meta.description,
        tags=meta.tags,
        segments=segments,
        dropped=dict(reasons),
        body_source=source,
        body_region=layout if source == TEMPLATE_SOURCE else body_region(tree, [line.text for line in kept]),
        layout_agreement=agreement,
        encoding=encoding,
        truncated=truncated,
    )
    if not body:
        return ExtractResult.not_article("no main text", **fields)
    if len(body) < MIN_TEXT_CHARS:
        return ExtractResult.not_article(f"text too short ({len(body)} chars)", **fields)
    fields["language"] = detect_language(body, meta.html_language)
    return ExtractResult(text=body, is_article=True, reason=None, **fields)


#: lxml.html's own class lookup is a Python method called for every element that Python
#: touches (half a million calls on the 220 dev pages, across trafilatura, htmldate and
#: ours), only to give <form>, <input>, <select>, <textarea> and <label> their form-field
#: classes, which no reader of the tree uses. The C lookup gives every element the same
#: HtmlElement class: the same output on the 220 dev pages, about 1% less CPU (5% in a
#: profile, where each Python call costs more).
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity,
)


def _parse(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The page's tree; from ``utf8``, the strict UTF-8 bytes ``text`` was decoded from,
    when given: libxml2 reads those as they are, where a str is converted to UTF-8 for it
    first (a fifth to a third of the parse time on the dev pages; the same trees). Then the
    text itself, and last its UTF-8 with what cannot be encoded replaced."""
    attempts: list[tuple[str | bytes, str | None]] = [(utf8, "utf-8")] if utf8 is not None else []
    attempts += [(text, None), (text.encode("utf-8", "replace"), None)]
    for page, encoding in attempts:
        parser = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True,
                                      remove_pis=True, encoding=encoding)
        parser.set_element_class_lookup(_HTML_CLASSES)
        try:
            tree = lxml.html.document_fromstring(page, parser=parser)
        except (etree.ParserError, ValueError):
            continue
        if tree is not None and len(tree):
            return tree
    return None


def _candidate(name: str, tree: HtmlElement, html_text: str, url: str | None, data: Structured,
               states: Sequence[str]) -> list[Line]:
    if name == "json-ld":
        return json_ld_body(data)
    if name == "json state":
        return json_state_body(states)
    if name == "readability":
        return readability_lines(html_text)
    return _engine().main_text(tree, url, fast=False)


def _bound_tree(tree: HtmlElement) -> bool:
    """Cut the tree after MAX_ELEMENTS elements (document order). Returns True if it cut."""
    if tree.xpath("count(//*)") <= MAX_ELEMENTS:  # counted in libxml2, no Python proxies
        return False
    count = 0
    cut = None
    for element in tree.iter():
        count += 1
        if count > MAX_ELEMENTS:
            cut = element
            break
    if cut is None:
        return False
    # remove the cut element and everything after it in document order
    doomed = [cut, *cut.itersiblings()]
    for ancestor in cut.iterancestors():
        doomed.extend(ancestor.itersiblings())
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return True


def _template_holds(region: list[Line], links: frozenset[str]) -> bool:
    """A template region still holds an article: enough prose, not a list of links."""
    if not region:
        return False
    found = evidence(region, links)
    return found.prose >= SHORT_BODY_CHARS and found.link_share < LINK_HEAVY


def overlap(lines: list[Line], others: list[Line]) -> float:
    """How much two bodies agree: twice the characters of their common lines (compared
    normalised) over the characters of both; 1.0 for the same lines, 0.0 for none shared."""
    mine = {normalise_segment(line.text): len(line.text) for line in lines}
    theirs = {normalise_segment(line.text): len(line.text) for line in others}
    total = sum(mine.values()) + sum(theirs.values())
    if not total:
        return 1.0
    common = sum(size + theirs[form] for form, size in mine.items() if form in theirs)
    return common / total


def _main_lines(tree: HtmlElement, html_text: str, url: str | None, data: Structured, region: list[Line] | None = None,
                states: Sequence[str] = (), links: frozenset[str] | None = None) -> tuple[list[Line], str]:
    """The body lines and which candidate gave them (see candidates.py).

    trafilatura's fast result stands when it covers most of the page's paragraph text;
    otherwise every other candidate is compared with it on prose and link evidence. The
    site's learned layout region, when given, is always compared (it is cheap). ``links``:
    the page's ``link_texts``, when the caller has them already."""
    engine = _engine()
    lines = engine.main_text(tree, url)
    if region:
        links = links if links is not None else link_texts(tree)
        if better(lines, region, links):
            return region, "site layout"
    length = sum(len(line.text) for line in lines)
    ask_recall = False
    if length < SHORT_BODY_CHARS:
        ask_readability = True  # whatever the page's paragraphs hold: not measured
    else:
        page_paragraphs = paragraph_text_length(tree)
        if length >= SECOND_OPINION_PAGE_SHARE * page_paragraphs:
            return lines, "trafilatura"
        ask_readability = length < READABILITY_PAGE_SHARE * page_paragraphs
        ask_recall = length < RECALL_MAX_CHARS and length < RECALL_PAGE_SHARE * page_paragraphs
    links = links if links is not None else link_texts(tree)
    best, source = lines, "trafilatura"
    for name in ("json-ld", "json state", "readability", "trafilatura fallbacks"):
        # trafilatura's own fallbacks reach hidden and whole-page text: only a rescue when
        # every other candidate came back with next to nothing, or the fast text covers
        # little of the page
        if name == "trafilatura fallbacks" and not ask_recall \
                and sum(len(line.text) for line in best) >= SHORT_BODY_CHARS:
            continue
        if name == "readability" and not ask_readability:
            continue
        try:
            other = _candidate(name, tree, html_text, url, data, states)
        except Exception as exc:  # noqa: BLE001 - a failed candidate leaves the others
            logger.debug("%s candidate failed for %s: %r", name, url, exc)
            continue
        if better(best, other, links):
            best, source = other, name
    return best, source
