"""The typed result of extracting one page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ExtractResult:
    """Clean article text and metadata of one HTML page.

    ``text`` is None whenever ``is_article`` is False; ``reason`` then says why
    ("empty input", "binary content (PDF document)", "no main text", ...).
    ``published`` is always a tz-aware UTC ``datetime`` (midnight UTC when the page
    only gives a day), never in the future and never taken from a copyright line;
    ``modified`` is the article's own last-modified time (same form, never before
    ``published``); ``paywalled`` is True when the page marks its text as not free
    (schema.org ``isAccessibleForFree``: the text may be only the free part).
    ``segments`` are the paragraph-level lines of the text *before* the per-site
    boilerplate filter (what a ``SiteBoilerplate`` learner observes; compare them
    with ``normalise_segment``);
    ``dropped`` counts the lines removed as page furniture, by reason;
    ``body_source`` names the candidate the body came from ("trafilatura", "readability",
    "trafilatura fallbacks", "json-ld", "json state", "site layout", "site template");
    ``body_region`` is the signature of the page element that holds the body (what the
    per-site layout learner counts); ``layout_agreement`` (0..1, None when no layout was
    given or the template was used) is how closely the learned layout region's clean text
    matched the body chosen by the general path.
    """

    text: str | None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    modified: datetime | None = None
    paywalled: bool = False
    is_article: bool = False
    reason: str | None = None
    segments: tuple[str, ...] = ()
    dropped: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    truncated: bool = False
    body_source: str | None = None
    body_region: str | None = None
    layout_agreement: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``published`` as ISO 8601)."""
        data = asdict(self)
        data["segments"] = list(self.segments)
        data["published"] = self.published.isoformat() if self.published else None
        data["modified"] = self.modified.isoformat() if self.modified else None
        return data

    @classmethod
    def not_article(cls, reason: str, **fields: Any) -> ExtractResult:
        return cls(text=None, is_article=False, reason=reason, **fields)
