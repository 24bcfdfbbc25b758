"""Body candidates compared on general evidence, so that no single extractor's miss becomes ours.

Candidates: trafilatura in its fast mode (always), and, only when that one looks short of
the page's prose or made of links, readability, trafilatura with its own fallbacks, the
article body the page publishes in JSON-LD (``articleBody``) and the body in the page's
JSON state (Next.js ``__NEXT_DATA__`` and other ``application/json`` scripts).

Evidence, none of it tied to a site or a benchmark page:
  - prose: characters in lines that read as text (enough words, or sentence punctuation);
  - link share: characters in lines that are the text of a link on the page (menus, teasers)
    or that repeat an earlier line of the same candidate (captions, share bars);
  - overlap with the page's own description and title;
A candidate replaces the fast one when its prose, discounted by its link share, is clearly
larger, or when the fast one is mostly links and it is not.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from archive.extract.furniture import Line, normalise_segment, words
from archive.extract.structured import Structured

logger = logging.getLogger(__name__)

PROSE_MIN_WORDS = 8
GAIN = 2.0
"""An alternative must have at least twice the fast candidate's (link-discounted) prose ..."""
REPEAT_PREFIX_WORDS = 6
REPEAT_SERIES = 4
"""Lines opening with the same REPEAT_PREFIX_WORDS words as REPEAT_SERIES - 1 others are a
series (captions, teasers), not prose; so is a short line printed twice. Only lines under
REPEAT_MAX_WORDS words: a long paragraph repeated is still text."""
REPEAT_MAX_WORDS = 30
LINK_HEAVY = 0.5
"""... unless the fast candidate's lines are mostly link texts (a menu or a teaser list)."""
MIN_STATE_CHARS = 400
"""A JSON-state or articleBody text shorter than this is a teaser, not a body."""
MAX_STATE_SCRIPT_CHARS = 5_000_000
MAX_STATE_SCRIPTS = 10
_STATE_SCRIPTS = "//script[@id='__NEXT_DATA__' or @type='application/json']"
_SENTENCE_END = re.compile(r"[.!?…:;\"”’»)]\s*$")
_TAGS = re.compile(r"<[a-zA-Z/!][^>]*>")
_BODY_KEYS = frozenset({"articlebody", "body", "content", "text", "html", "bodyhtml", "contenthtml", "articletext",
                        "bodytext", "richtext", "paragraphs", "blocks", "value", "contents"})


@dataclass
class Evidence:
    prose: int
    chars: int
    link_share: float

    @property
    def score(self) -> float:
        return self.prose * (1.0 - self.link_share)


def link_texts(tree: HtmlElement) -> frozenset[str]:
    """Normalised texts of the page's links of 2+ words (what a menu or a teaser list is made of)."""
    found = set()
    for anchor in tree.iter("a"):
        text = normalise_segment(" ".join(anchor.text_content().split()))
        if text.count(" ") >= 1:
            found.add(text)
    return frozenset(found)


def evidence(lines: list[Line], links: frozenset[str]) -> Evidence:
    prose = chars = linked = 0
    seen: set[str] = set()
    forms = [normalise_segment(line.text) for line in lines]
    openings = Counter(" ".join(form.split()[:REPEAT_PREFIX_WORDS]) for form in forms
                       if form.count(" ") >= REPEAT_PREFIX_WORDS)
    for line, form in zip(lines, forms):
        size = len(line.text)
        chars += size
        opening = " ".join(form.split()[:REPEAT_PREFIX_WORDS])
        short = form.count(" ") < REPEAT_MAX_WORDS
        if form in links or (short and (form in seen or openings.get(opening, 0) >= REPEAT_SERIES)):
            linked += size  # a link's text, or a line repeated (a caption series, a share bar)
        elif _SENTENCE_END.search(line.text) or len(words(line.text)) >= PROSE_MIN_WORDS:
            prose += size  # a sentence or a paragraph; short unpunctuated labels do not count
        seen.add(form)
    return Evidence(prose, chars, linked / chars if chars else 0.0)


def better(current: list[Line], other: list[Line], links: frozenset[str]) -> bool:
    """Should ``other`` replace ``current``?"""
    if not other:
        return False
    mine, theirs = evidence(current, links), evidence(other, links)
    if theirs.score >= GAIN * max(mine.score, 1.0):
        return True
    return mine.link_share >= LINK_HEAVY and theirs.link_share < mine.link_share / 2 and theirs.prose >= mine.prose


def text_lines(text: str) -> list[Line]:
    """Plain or HTML text (as JSON state holds it) as paragraph lines."""
    if _TAGS.search(text):
        try:
            root = lxml.html.fragment_fromstring(text, create_parent="div")
        except (lxml.etree.ParserError, ValueError):
            root = None
        if root is not None:
            for br in root.iter("br"):
                br.tail = "\n" + (br.tail or "")
            blocks = [" ".join(el.text_content().split()) for el in root.iter("p", "h2", "h3", "li", "blockquote")
                      if not any(a.tag in ("p", "li", "blockquote") for a in el.iterancestors())]
            blocks = [b for b in blocks if b]
            if blocks:
                return [Line("p", b) for b in blocks]
            text = root.text_content()
    return [Line("p", " ".join(part.split())) for part in re.split(r"\n\s*\n|\n", text) if part.strip()]


def json_ld_body(data: Structured) -> list[Line]:
    body = data.article.get("articleBody") if data.article else None
    if isinstance(body, list):
        body = "\n".join(str(b) for b in body if isinstance(b, str))
    if not isinstance(body, str) or len(body) < MIN_STATE_CHARS:
        return []
    return text_lines(body)


NOT_TEXT = ("script", "style", "noscript", "svg", "template")
"""Elements that never hold article text: removed once metadata is read (see set_aside_scripts)."""


# by attribute name: a test on every attribute of the page (//@*) cost 0.8 ms a Zyte page
_DATA_URIS = etree.XPath(" | ".join(f"//@{name}[starts-with(., 'data:')]/.."
                                    for name in ("src", "href", "srcset", "poster")))


def strip_inert(tree: HtmlElement, data_uris: bool = True) -> None:
    """Remove what holds neither text nor metadata (styles, SVG) and cut embedded data: URIs
    to ``data:``, before the metadata is read: htmldate's date search runs its regular
    expressions over the whole serialised page, where a base64 image cost 22 ms and gave a
    "date" read from the encoded bytes (readability set: data-url-image). ``data_uris``:
    False when the page's text has no "data:" at all, so none is looked for."""
    etree.strip_elements(tree, "style", "svg", with_tail=False)
    for element in _DATA_URIS(tree) if data_uris else ():
        for name in ("src", "href", "srcset", "poster"):
            value = element.get(name)
            if value is not None and value.startswith("data:") and len(value) > 64:
                element.set(name, "data:")


def set_aside_scripts(tree: HtmlElement) -> list[str]:
    """Remove scripts, styles and SVG from the tree (after the metadata has read JSON-LD) and
    return the JSON-state scripts' texts for ``json_state_body``.

    trafilatura copies and walks the whole tree several times; without these elements (often
    half a news page's nodes) its extraction is ~7% faster with the same text on every dev page."""
    states = [script.text or "" for script in tree.xpath(_STATE_SCRIPTS)[:MAX_STATE_SCRIPTS]]
    etree.strip_elements(tree, *NOT_TEXT, with_tail=False)
    return states


def json_state_body(scripts: HtmlElement | Sequence[str]) -> list[Line]:
    """The longest run of prose strings under a body-like key of the page's JSON state
    (``scripts``: their texts from ``set_aside_scripts``, or the tree that still holds them)."""
    if isinstance(scripts, HtmlElement):
        scripts = [script.text or "" for script in scripts.xpath(_STATE_SCRIPTS)[:MAX_STATE_SCRIPTS]]
    best: list[str] = []
    for text in scripts:
        if len(text) < MIN_STATE_CHARS or len(text) > MAX_STATE_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        for strings in _body_strings(data):
            if sum(len(s) for s in strings) > sum(len(s) for s in best):
                best = strings
    if sum(len(s) for s in best) < MIN_STATE_CHARS:
        return []
    lines: list[Line] = []
    for string in best:
        lines.extend(text_lines(string))
    return lines


def _body_strings(value: object, key: str = "", depth: int = 0) -> Iterator[list[str]]:
    """Groups of prose strings: each body-like key's strings, in document order."""
    if depth > 40:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _body_strings(v, str(k).casefold(), depth + 1)
    elif isinstance(value, list):
        if key in _BODY_KEYS:
            strings = [s for s in _strings(value, depth) if _is_prose(s)]
            if strings:
                yield strings
        for item in value[:2000]:
            yield from _body_strings(item, key, depth + 1)
    elif isinstance(value, str) and key in _BODY_KEYS and _is_prose(value):
        yield [value]


def _strings(value: object, depth: int) -> Iterator[str]:
    if depth > 40:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value[:2000]:
            yield from _strings(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth + 1)


def _is_prose(text: str) -> bool:
    plain = _TAGS.sub(" ", text)
    return len(plain) >= 40 and plain.count(" ") >= 6 and bool(re.search(r"[.!?…。]", plain))
