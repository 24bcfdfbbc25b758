"""News archive library: WARC files as the source of truth, a relational index
keyed by content hash, clean-text extraction. Knows nothing of Scrapy.

    from archive import Archive, extract
"""

__version__ = "0.1.0"

from archive.archive import Archive, CrawlSession  # noqa: E402
from archive.extract import ExtractResult, extract  # noqa: E402
from archive.text import content_hash, normalize_text  # noqa: E402

__all__ = [
    "Archive", "CrawlSession", "ExtractResult", "extract", "content_hash", "normalize_text",
    "__version__",
]
