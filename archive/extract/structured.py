"""The page's own structured data: the JSON-LD node of the article, and Open Graph / article:* meta."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    t.casefold()
    for t in (
        "Article", "NewsArticle", "ReportageNews", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "SocialMediaPosting", "ScholarlyArticle", "TechArticle", "Report",
        "SatiricalArticle", "AdvertiserContentArticle", "Review", "WebPage", "Blog", "Recipe",
    )
)
"""Schema.org types whose dates and authors are the article's (WebPage last: a fallback)."""
_WRAPPER = re.compile(r"^(?://\s*)?(?:<!\[CDATA\[|<!--)|(?://\s*)?(?:\]\]>|-->)$")
#: A JSON-LD object as parsed (any JSON values).
JsonObject = dict[str, Any]

MAX_SCRIPTS = 20
MAX_SCRIPT_CHARS = 2_000_000


@dataclass
class Structured:
    """What JSON-LD and <meta> say about the article itself (not its images or teasers)."""

    article: JsonObject | None = None  # the JSON-LD node of the article
    nodes: list[JsonObject] = field(default_factory=list)  # every JSON-LD object, flattened
    meta: dict[str, list[str]] = field(default_factory=dict)  # lower-cased name/property -> contents

    def meta_first(self, *names: str) -> str | None:
        for name in names:
            for value in self.meta.get(name, ()):
                value = " ".join(value.split())
                if value:
                    return value
        return None


def node_types(node: JsonObject) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).casefold() for k in kinds if isinstance(k, str)}


def _flatten(value: object, out: list[JsonObject], depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(value, list):
        for item in value[:200]:
            _flatten(item, out, depth + 1)
    elif isinstance(value, dict):
        out.append(value)
        graph = value.get("@graph")
        if graph is not None:
            _flatten(graph, out, depth + 1)
        main = value.get("mainEntity")
        if isinstance(main, (dict, list)):
            _flatten(main, out, depth + 1)


def structured_data(tree: HtmlElement) -> Structured:
    """Parse JSON-LD (tolerating bad scripts: they are skipped) and the page's <meta> tags."""
    found = Structured()
    for script in tree.xpath("//script[@type='application/ld+json']")[:MAX_SCRIPTS]:
        text = (script.text or "").strip()
        if not text or len(text) > MAX_SCRIPT_CHARS:
            continue
        if not text.startswith(("{", "[")):  # wrapped: "<![CDATA[ ... ]]>", "//<!-- ... //-->"
            text = _WRAPPER.sub("", text).strip()
        try:
            data = json.loads(text)
        except ValueError:
            try:  # a common CMS slip: raw newlines inside strings
                data = json.loads(text.replace("\n", " ").replace("\r", " "), strict=False)
            except ValueError:
                logger.debug("unparseable JSON-LD skipped")
                continue
        _flatten(data, found.nodes)
    found.article = _article_node(found.nodes)
    for element in tree.xpath("//meta[@content]"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        if key:
            found.meta.setdefault(key.strip().casefold(), []).append(element.get("content") or "")
    return found


def _article_node(nodes: list[JsonObject]) -> JsonObject | None:
    """The article's node: an article type, preferring one with a body or a headline; WebPage last."""
    best, best_rank = None, None
    for index, node in enumerate(nodes):
        kinds = node_types(node)
        if not kinds & ARTICLE_TYPES:
            continue
        rank = (
            0 if kinds - {"webpage", "blog"} else 1,  # a real article type before a plain page
            0 if node.get("articleBody") or node.get("headline") else 1,
            index,
        )
        if best_rank is None or rank < best_rank:
            best, best_rank = node, rank
    return best
