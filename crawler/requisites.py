"""Page requisites: what a browser needs to render a page (stylesheets, images, scripts, icons).

Pure parsing, no Scrapy: HTML through lxml, CSS through tinycss2, so that the
crawler can archive these resources next to an article and replay tools render
it as it looked. Only references are found here; which ones to fetch (size and
type limits, robots.txt, once per crawl) is the crawler's business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import lxml.html
import tinycss2
from lxml import etree

#: Kinds, as the settings name them (ARCHIVE_REQUISITE_KINDS).
STYLESHEET, IMAGE, SCRIPT, ICON, FONT = "stylesheet", "image", "script", "icon", "font"
KINDS = (STYLESHEET, IMAGE, SCRIPT, ICON, FONT)

_FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".eot")
_ICON_RELS = {"icon", "apple-touch-icon", "shortcut", "mask-icon"}
_WHITESPACE = re.compile(r"\s+")
# One XPath pass (document order) instead of a Python loop over every element.
_CANDIDATES = etree.XPath(
    "//link[@href] | //img | //picture/source[@srcset] | //video[@poster] | //input[@src]"
    " | //script[@src] | //style | //*[@style]"
)


@dataclass(frozen=True)
class Requisite:
    """A resource a page or stylesheet refers to, with the kind it is expected to be."""

    url: str
    kind: str


def _absolute(base: str, ref: str | None) -> str | None:
    ref = (ref or "").strip()
    if not ref or ref.startswith(("data:", "javascript:", "about:", "#", "blob:", "mailto:")):
        return None
    url = urljoin(base, ref).split("#", 1)[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


def largest_srcset_candidate(srcset: str) -> str | None:
    """The URL of the widest (or highest-density) candidate of a srcset attribute.

    srcset is a comma-separated list of "URL [descriptor]" candidates (HTML
    standard 4.8.4.3); a URL never holds whitespace, and a comma ends a candidate
    only where it follows the URL's descriptors.
    """
    best, best_size = None, -1.0
    for candidate in _srcset_candidates(srcset):
        parts = candidate.split()
        url, descriptor = parts[0], (parts[1] if len(parts) > 1 else "1x")
        try:
            size = float(descriptor[:-1]) if descriptor[-1:] in ("w", "x") else 0.0
        except ValueError:
            size = 0.0
        if descriptor.endswith("x"):
            size *= 1e-6  # width descriptors outrank densities when a list mixes them
        if size > best_size:
            best, best_size = url, size
    return best


def _srcset_candidates(srcset: str) -> Iterator[str]:
    rest = srcset.strip()
    while rest:
        match = _WHITESPACE.search(rest)
        url = rest if match is None else rest[: match.start()]
        if url.endswith(","):  # "a.jpg,b.jpg": a URL directly followed by a comma
            yield url.rstrip(",")
            rest = rest[len(url):].lstrip()
            continue
        end = rest.find(",", len(url))
        candidate, rest = (rest, "") if end < 0 else (rest[:end], rest[end + 1:].lstrip())
        if candidate.strip():
            yield candidate.strip()


def html_requisites(
    html: bytes | str | etree._Element, base_url: str, *, kinds: Iterable[str] = KINDS
) -> list[Requisite]:
    """Requisites of an HTML page, in document order, each URL once.

    Honours <base href>. Stylesheets (<link rel=stylesheet>), images (<img src>, the
    largest srcset candidate of <img> and <picture><source>, <video poster>,
    <input type=image>), scripts (<script src>), icons (<link rel=icon ...>) and the
    url()s of <style> blocks and style attributes (images and fonts).
    """
    wanted = set(kinds)
    root = html if isinstance(html, etree._Element) else _parse_html(html)
    if root is None:
        return []
    base = base_url
    for href in root.xpath("//base/@href"):
        base = urljoin(base_url, href.strip())
        break
    found: dict[str, Requisite] = {}

    def add(ref: str | None, kind: str) -> None:
        url = _absolute(base, ref)
        if url and kind in wanted and url not in found:
            found[url] = Requisite(url, kind)

    for element in _CANDIDATES(root):
        tag = str(element.tag).lower()
        if tag == "link":
            rels = set((element.get("rel") or "").lower().split())
            if "stylesheet" in rels and "alternate" not in rels:
                add(element.get("href"), STYLESHEET)
            elif rels & _ICON_RELS:
                add(element.get("href"), ICON)
            elif "preload" in rels and (element.get("as") or "").lower() == "font":
                add(element.get("href"), FONT)
        elif tag == "img":
            add(element.get("src"), IMAGE)
            if element.get("srcset"):
                add(largest_srcset_candidate(element.get("srcset")), IMAGE)
        elif tag == "source":  # in <picture>
            add(largest_srcset_candidate(element.get("srcset") or ""), IMAGE)
        elif tag == "video" and element.get("poster"):
            add(element.get("poster"), IMAGE)
        elif tag == "input" and (element.get("type") or "").lower() == "image":
            add(element.get("src"), IMAGE)
        elif tag == "script" and element.get("src"):
            add(element.get("src"), SCRIPT)
        elif tag == "style" and element.text:
            for ref, kind in _css_references(element.text):
                add(ref, kind)
        style = element.get("style")
        if style and "url" in style.lower():
            for url in _declaration_urls(style):
                add(url, _css_kind(url))
    return list(found.values())


def css_requisites(
    css: bytes | str, base_url: str, *, kinds: Iterable[str] = KINDS
) -> list[Requisite]:
    """Requisites of a stylesheet: @import targets (stylesheets), and url()s (fonts, images)."""
    wanted = set(kinds)
    if isinstance(css, bytes):
        rules, _encoding = tinycss2.parse_stylesheet_bytes(css, skip_comments=True,
                                                          skip_whitespace=True)
        references = _rule_references(rules)
    else:
        references = _css_references(css)
    found: dict[str, Requisite] = {}
    for ref, kind in references:
        url = _absolute(base_url, ref)
        if url and kind in wanted and url not in found:
            found[url] = Requisite(url, kind)
    return list(found.values())


# A site's pages repeat the same inline <style> blocks; tinycss2 tokenizes in pure
# Python (~50 ms for a 100 KB block), so each distinct block is parsed once per process.
@lru_cache(maxsize=512)
def _css_references(css: str) -> tuple[tuple[str, str], ...]:
    """(reference as written, kind) of a stylesheet's text, unresolved."""
    lowered = css.lower()
    if "url" not in lowered and "@import" not in lowered and "image-set" not in lowered:
        return ()
    return _rule_references(
        tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    )


def _rule_references(rules) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            for ref in _urls(rule.prelude, strings_too=True):
                found.append((ref, STYLESHEET))
                break
            continue
        font_face = rule.type == "at-rule" and rule.lower_at_keyword == "font-face"
        for ref in _urls(getattr(rule, "prelude", None) or [], strings_too=False):
            found.append((ref, _css_kind(ref)))
        for ref in _urls(getattr(rule, "content", None) or [], strings_too=False):
            found.append((ref, FONT if font_face else _css_kind(ref)))
    return tuple(found)


def _declaration_urls(style: str) -> list[str]:
    return list(_urls(tinycss2.parse_component_value_list(style, skip_comments=True), strings_too=False))


def _urls(tokens, *, strings_too: bool) -> Iterator[str]:
    """url(...) references in a token list, nested blocks included (and bare strings for @import)."""
    for token in tokens:
        kind = token.type
        if kind == "url":
            yield token.value
        elif kind == "function":
            if token.lower_name in ("url", "src"):
                for argument in token.arguments:
                    if argument.type == "string":
                        yield argument.value
                        break
            elif token.lower_name == "image-set":
                yield from _urls(token.arguments, strings_too=True)
            else:
                yield from _urls(token.arguments, strings_too=False)
        elif kind == "string" and strings_too:
            yield token.value
        elif kind in ("() block", "[] block", "{} block"):
            yield from _urls(token.content, strings_too=False)


def _css_kind(url: str) -> str:
    path = urlsplit(url).path.lower()
    return FONT if path.endswith(_FONT_SUFFIXES) else IMAGE


def _parse_html(html: bytes | str) -> etree._Element | None:
    if not html:
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
