"""Where a site's article body sits: the structural signature of the element that holds it.

After a page is extracted, ``body_region`` finds the element (an article/main/section/div
with a class or id) that holds most of the extracted body and names it by a signature
(tag, id and class words, digits dropped: ``div#story.article-body``). A site's pages share
their template, so the learner (``SiteBoilerplate.observe_layout``) sees the same signature
again and again; once it is the clear majority it is the site's layout, and ``region_lines``
reads that element of a new page as one more body candidate (core.py compares it with the
others on the same evidence).
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from archive.extract.furniture import Line, normalise_segment

_CONTAINERS = frozenset({"article", "main", "section", "div"})
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"^[A-Za-z_-][\w-]*$")
REGION_SHARE = 0.8
"""The region is the deepest container holding this share of the body's matched text."""
MAX_DEPTH = 12
_BLOCKS = ("p", "h2", "h3", "h4", "li", "blockquote", "pre")
_NOT_BODY = ("nav", "aside", "footer", "figure", "figcaption", "form", "header")


def signature(element: HtmlElement) -> str | None:
    """``tag#id.class.class`` with digits dropped and classes sorted; None without id/class."""
    tag: str = element.tag  # lxml is untyped (a comment's tag is a function: not a container)
    if tag not in _CONTAINERS:
        return None
    ident = _DIGITS.sub("", element.get("id") or "").strip("-_")
    classes = sorted({_DIGITS.sub("", c).strip("-_") for c in (element.get("class") or "").split()} - {""})
    classes = [c for c in classes if _TOKEN.match(c)][:4]
    ident = ident if ident and _TOKEN.match(ident) else ""
    if not ident and not classes:
        return None
    return tag + (f"#{ident}" if ident else "") + "".join(f".{c}" for c in classes)


def body_region(tree: HtmlElement, body_lines: list[str]) -> str | None:
    """Signature of the deepest named container holding REGION_SHARE of the body's paragraphs."""
    forms = {normalise_segment(line) for line in body_lines if len(line) >= 40}
    if not forms:
        return None
    held: dict[HtmlElement, int] = {}
    depth_of: dict[HtmlElement, int] = {}
    total = 0
    for p in tree.iter("p"):
        text = " ".join(p.text_content().split())
        if len(text) < 40 or normalise_segment(text) not in forms:
            continue
        total += len(text)
        for depth, ancestor in enumerate(p.iterancestors(), 1):
            if depth > MAX_DEPTH:
                break
            if ancestor.tag not in _CONTAINERS:
                continue
            held[ancestor] = held.get(ancestor, 0) + len(text)
            depth_of.setdefault(ancestor, depth)
    if not total:
        return None
    best = None
    # the deepest (smallest) named container that still holds the body; signatures only
    # for the few containers that hold enough (naming every ancestor cost more than the rest)
    for element, size in sorted(held.items(), key=lambda item: (item[1], depth_of[item[0]])):
        if size < REGION_SHARE * total:
            continue
        sig = signature(element)
        if sig is not None:
            best = sig
            break
    return best


def _xpath_for(sig: str) -> str:
    match = re.match(r"^([a-z]+)(?:#([\w-]+))?((?:\.[\w-]+)*)$", sig)
    if not match:
        return ""
    tag, ident, classes = match.groups()
    conditions = []
    if ident:
        conditions.append(f"contains(@id, '{ident}')")
    for cls in filter(None, (classes or "").split(".")):
        conditions.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {cls}')")
    return f"//{tag}" + "".join(f"[{c}]" for c in conditions)


def _nested(element: HtmlElement, region: HtmlElement) -> bool:
    """Inside another block, or inside navigation/figure/aside furniture of the region."""
    for ancestor in element.iterancestors():
        if ancestor is region:
            return False
        if ancestor.tag in _BLOCKS or ancestor.tag in _NOT_BODY:
            return True
    return False


def region_lines(tree: HtmlElement, sig: str) -> list[Line]:
    """The blocks of the page's element with this signature (the largest, if several)."""
    path = _xpath_for(sig)
    if not path:
        return []
    try:
        elements = tree.xpath(path)
    except Exception:  # noqa: BLE001 - a signature that is no valid XPath gives no candidate
        return []
    if not elements:
        return []
    region = max(elements, key=lambda e: len(e.text_content()))
    lines = []
    for element in region.iter(*_BLOCKS):
        if _nested(element, region):
            continue
        text = " ".join(element.text_content().split())
        if text:
            lines.append(Line("head" if element.tag in ("h2", "h3", "h4") else
                              "item" if element.tag == "li" else "p", text))
    return lines
