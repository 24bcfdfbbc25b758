"""News archive library: WARC files as the source of truth, a relational index
keyed by content hash, clean-text extraction. Knows nothing of Scrapy.

    from archive import Archive, extract

``Archive`` and ``CrawlSession`` are imported when first used (PEP 562), so that a
process that only extracts (the crawler's extraction workers) never loads the database
layer: SQLAlchemy alone is 34 MB of resident memory in each worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Imported here, not lazily: the subpackage ``archive.extract`` would otherwise shadow
# the function of the same name once anything imported the subpackage.
from archive.extract import ExtractResult, extract  # noqa: E402
from archive.text import content_hash, normalize_text  # noqa: E402

if TYPE_CHECKING:
    from archive.archive import Archive, CrawlSession

__all__ = [
    "Archive", "CrawlSession", "ExtractResult", "extract", "content_hash", "normalize_text",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in ("Archive", "CrawlSession"):
        from archive import archive as module

        value = getattr(module, name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'archive' has no attribute {name!r}")
