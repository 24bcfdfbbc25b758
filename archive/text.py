"""Text normalisation and the content hash that keys every article."""

import hashlib
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Unicode NFC with every run of whitespace collapsed to one space, stripped."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def content_hash(text: str) -> str:
    """Hex SHA-256 of the normalised text: the key of `articles`."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()
