"""trafilatura wrapped once with fixed options, plus readability-lxml as a second opinion."""

from __future__ import annotations

import logging
import re
from configparser import ConfigParser
from contextvars import ContextVar
from copy import deepcopy

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from archive.extract.furniture import Line

logger = logging.getLogger(__name__)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_READABILITY_BLOCKS = frozenset(
    {"p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "caption"} | _HEADINGS
)
_KIND_OF_TAG = {"list": "item", "table": "cell", "quote": "quote", "head": "head", "code": "code"}


def _config(max_bytes: int) -> ConfigParser:
    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"  # no signal-based timeouts inside workers
    config["DEFAULT"]["MAX_FILE_SIZE"] = str(max_bytes)
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_COMM_SIZE"] = "1"
    return config


#: Set while our fast pass runs: trafilatura's own recall escalation is then off (see
#: ``_gate_fast_escalation``).
_FAST_PASS: ContextVar[bool] = ContextVar("archive_extract_fast_pass", default=False)


def _gate_fast_escalation() -> None:
    """Turn trafilatura's recall escalation off in our fast pass, and only there.

    After its main extractor, trafilatura measures the whole page's text (``html2txt``: a
    copy of the tree, an XPath with a regular expression run on every element's class and
    id, a Python pass over every block) whenever its text is under 3,000 characters, to
    retry in recall mode when that text covers under a fifth of the page. In the fast pass
    that measure was 7% of the extractor's CPU on the 220 dev pages (half of them measured),
    and the retry it allowed never changed their text. The cascade in core.py measures the
    page's coverage itself and asks trafilatura's full cascade, escalation included, where
    the fast text is short or covers little of the page. trafilatura has no option for
    this, so its module's name for the measure is wrapped: in our fast pass (a context
    variable, so per thread) it reports an empty page, which never escalates; every other
    caller (the full cascade, trafilatura used directly) gets the real measure.
    trafilatura is pinned; tests/test_extract_engine.py fails if the hook stops applying.
    """
    import trafilatura.core

    measure = getattr(trafilatura.core, "html2txt")  # noqa: B009 - not re-exported by name
    if getattr(measure, "_archive_gated", False):
        return

    def html2txt(content: object, clean: bool = True) -> str:
        return "" if _FAST_PASS.get() else measure(content, clean)

    html2txt._archive_gated = True  # type: ignore[attr-defined]
    setattr(trafilatura.core, "html2txt", html2txt)  # noqa: B010


class Engine:
    """Fixed trafilatura options (no comments, tables on, no dedup cache; fast unless asked)."""

    def __init__(self, max_bytes: int) -> None:
        self.config = _config(max_bytes)
        _gate_fast_escalation()

    def main_text(self, tree: HtmlElement, url: str | None, focus: str = "balanced", *, fast: bool = True) -> list[Line]:
        """Body lines from trafilatura; the tree is not modified (trafilatura copies it).

        ``fast=False`` runs trafilatura's own fallbacks (its readability and jusText
        comparison, baseline rescue): slower, asked only when the fast result looks short."""
        from trafilatura.settings import Document

        token = _FAST_PASS.set(fast)
        try:
            doc = self._bare_extraction(tree, url, focus, fast)
        finally:
            _FAST_PASS.reset(token)
        if not isinstance(doc, Document) or doc.body is None:  # None (or a dict: as_dict)
            return []
        return body_lines(doc.body)

    def _bare_extraction(self, tree: HtmlElement, url: str | None, focus: str, fast: bool) -> object:
        from trafilatura import bare_extraction

        return bare_extraction(
            tree,
            url=url,
            fast=fast,
            favor_precision=focus == "precision",
            favor_recall=focus == "recall",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_formatting=False,
            include_links=False,
            deduplicate=False,
            with_metadata=False,
            output_format="txt",  # "python" also writes the whole body out as text: unused here
            config=self.config,
        )


_BREAK = re.compile(r"\s*\n\s*")


def _source_wrap(match: re.Match[str]) -> str:
    """An indented newline is the page source's line wrapping ("...Loop:\n      Repeat"): a
    space. A bare one is trafilatura's own line join (its baseline and fallbacks write
    "line\nline" into one element): kept."""
    return " " if " " in match.group() or "\t" in match.group() else "\n"


def _collapse_source_breaks(element: etree._Element) -> None:
    """Source line wrapping left in text nodes is no line break (trafilatura marks those with
    <lb/>, block elements or a bare newline): one space each, except in code."""
    if element.tag == "code":
        return
    if element.text and "\n" in element.text:
        element.text = _BREAK.sub(_source_wrap, element.text)
    for child in element:
        _collapse_source_breaks(child)
        if child.tail and "\n" in child.tail:
            child.tail = _BREAK.sub(_source_wrap, child.tail)


def body_lines(body: etree._Element) -> list[Line]:
    """One Line per paragraph-level block of trafilatura's XML body."""
    from trafilatura.xml import xmltotxt

    _collapse_source_breaks(body)
    lines: list[Line] = []
    for element in body:
        kind = _KIND_OF_TAG.get(element.tag, "p")
        text = xmltotxt(element, False)
        for part in text.split("\n"):
            part = part.strip()
            if part.startswith("| ") or part.startswith("|---"):
                part = " ".join(cell.strip() for cell in part.strip("|").split(" | ") if cell.strip())
            if part and part.strip("|-: "):
                lines.append(Line(kind, part))
    return lines


def readability_lines(html: str) -> list[Line]:
    """readability-lxml's main block as lines (headings kept as "head")."""
    from readability import Document

    summary = Document(html).summary(html_partial=True)
    root = lxml.html.fromstring(summary) if summary and summary.strip() else None
    if root is None:
        return []
    lines: list[Line] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag not in _READABILITY_BLOCKS:
            continue
        if any(parent.tag in _READABILITY_BLOCKS for parent in element.iterancestors()):
            continue
        text = " ".join(element.text_content().split())
        if not text:
            continue
        if element.tag in _HEADINGS:
            kind = "head"
        elif element.tag == "li":
            kind = "item"
        elif element.tag == "blockquote":
            kind = "quote"
        else:
            kind = "p"
        lines.append(Line(kind, text))
    return lines


_PROSE_PARAGRAPHS = (
    "//p[not(ancestor::nav or ancestor::footer or ancestor::aside or ancestor::header or ancestor::form"
    " or ancestor::a or ancestor::li)]"
)


def paragraph_text_length(tree: HtmlElement) -> int:
    """Characters of text in the page's prose paragraphs: a cheap size of its body.

    <p> in navigation, footers, asides, headers, forms, lists and links are left out (teaser
    lists and menus are not body), and so are paragraphs that are mostly link text."""
    total = 0
    for p in tree.xpath(_PROSE_PARAGRAPHS):
        size = len(" ".join(p.text_content().split()))
        if size and sum(len(a.text_content()) for a in p.iter("a")) <= size / 2:
            total += size
    return total
