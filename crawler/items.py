"""Items: what a spider hands to the pipelines (never a Response object)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ArticleItem:
    """A fetched article page on its way to extraction and the index.

    `html` is the decoded (decompressed) page as UTF-8 bytes; `capture` is the
    CaptureRef of its response record. The extraction pipeline fills `result`,
    `score`, `content_hash` and `story_signature` and empties `html`; from the same parse of the page it
    fills `requisites` ((url, kind) pairs of the `requisite_kinds` asked for, None: none)
    and `rel_canonical`, which the spider acts on once the item is scraped or dropped.
    """

    url: str
    site: str
    html: bytes
    capture: Any  # archive.exchange.CaptureRef
    previous_hash: str | None = None  # content hash of this URL's last capture
    declared_charset: str | None = None  # from the Content-Type header
    result: Any = None  # archive.extract.ExtractResult
    score: float | None = None  # topic relevance; None when the query does not match
    content_hash: str | None = None
    story_signature: Any = None  # archive.stories.build.Signature, computed by the worker
    requisite_kinds: tuple[str, ...] | None = None  # page requisites wanted (crawler.requisites KINDS)
    requisites: tuple[tuple[str, str], ...] = ()
    rel_canonical: str | None = None  # absolute href of <link rel=canonical>, as written

    def __repr__(self) -> str:  # keep logs short: no HTML, no text
        return f"<ArticleItem {self.url} site={self.site!r} hash={self.content_hash}>"
