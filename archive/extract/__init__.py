"""Clean article text and metadata from HTML, with page furniture removed.

    from archive.extract import extract, SiteBoilerplate
    result = extract(html_bytes, url)            # ExtractResult; never raises on bad input
    result.text, result.title, result.published  # text is None when result.is_article is False

trafilatura is the engine (wrapped once, fixed options, see engine.py); readability-lxml
gives a second opinion when trafilatura plainly found only part of the body; furniture.py
and clean.py drop share prompts, inserts, credits, datelines and legal lines by their form;
boilerplate.py learns furniture per site from what a crawl has seen.

Caps (bounded time and memory on any input):
  - inputs above MAX_INPUT_BYTES (50 MB) are refused ("too large");
  - pages above MAX_HTML_BYTES (2 MB) lose scripts/styles/SVG/comments, then are cut at 2 MB
    (result.truncated is True);
  - parsed trees are cut after MAX_ELEMENTS (20,000) elements; libxml2 caps nesting depth at 256;
  - readability runs at most once per page, only when trafilatura's text is short of the page's.
"""

from archive.extract.boilerplate import SiteBoilerplate, segment_hash
from archive.extract.core import MAX_ELEMENTS, MIN_TEXT_CHARS, extract, warm_up
from archive.extract.decode import MAX_HTML_BYTES, MAX_INPUT_BYTES
from archive.extract.furniture import normalise_segment
from archive.extract.result import ExtractResult

__all__ = [
    "ExtractResult",
    "MAX_ELEMENTS",
    "MAX_HTML_BYTES",
    "MAX_INPUT_BYTES",
    "MIN_TEXT_CHARS",
    "SiteBoilerplate",
    "extract",
    "normalise_segment",
    "segment_hash",
    "warm_up",
]
