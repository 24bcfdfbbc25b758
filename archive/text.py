"""Text normalisation and the content hash that keys every article."""

import hashlib
import unicodedata


def normalize_text(text: str) -> str:
    """Unicode NFC with every run of whitespace collapsed to one space, stripped."""
    # str.split() without arguments splits on runs of Unicode whitespace (the
    # same set as re's \s) and is several times faster than a regex on long texts.
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str) -> str:
    """Hex SHA-256 of the normalised text: the key of `articles`."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
