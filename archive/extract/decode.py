"""Bytes to text for extraction: binary sniffing, size caps and charset repair."""

from __future__ import annotations

import codecs
import re

# Work caps (see archive/extract/__init__.py for the list reported to users).
MAX_INPUT_BYTES = 50_000_000
"""Inputs above this are refused outright ("too large") without being read further."""
MAX_HTML_BYTES = 2_000_000
"""Larger pages first lose <script>/<style>/<svg>/comments; what is still larger is cut here."""
SNIFF_BYTES = 4096

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"(\xb5/\xfd", "zstd data"),
    (b"RIFF", "RIFF media"),
    (b"OggS", "Ogg media"),
    (b"\x00\x00\x00", "binary data"),
    (b"wOFF", "web font"),
    (b"\x7fELF", "executable"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]{2,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]{0,100}encoding=["']([A-Za-z0-9_.:-]{2,40})""")
_BULKY_PAIRS = (
    (b"<script", b"</script"),
    (b"<style", b"</style"),
    (b"<svg", b"</svg"),
    (b"<noscript", b"</noscript"),
    (b"<!--", b"-->"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INVALID_XML_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
"""The C0 controls of _INVALID_XML_CHARS: in UTF-8 each is that one byte and nothing else is."""
_UTF8_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


_TRUSTED_GUESSES = frozenset(
    codecs.lookup(name).name
    for name in (
        "shift_jis", "cp932", "euc_jp", "iso2022_jp", "euc_kr", "cp949", "gb2312", "gbk", "gb18030", "big5",
        "big5hkscs", "utf_16", "utf_32", "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866",
        "cp1253", "iso8859_7", "cp1256", "iso8859_6", "cp1255", "iso8859_8", "cp874", "tis_620", "cp1250",
        "iso8859_2",
    )
)


def sniff_binary(data: bytes) -> str | None:
    """Return a reason when the bytes are plainly not text/HTML, else None."""
    head = data[:SNIFF_BYTES]
    for bom, _ in _BOMS:
        if head.startswith(bom):
            return None  # UTF-16/32 text has NULs by design
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return f"binary content ({name})"
    if not head:
        return None
    # A stray NUL or control byte (a CMS bug, a byte after </html>) is not binary: the
    # text around it is kept (clean_text_for_lxml drops it). Binary formats are dense in them.
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(head) // 100):
        return "binary content (control bytes)"
    return None


def shrink(data: bytes) -> tuple[bytes, bool]:
    """Bound the page to MAX_HTML_BYTES: drop scripts/styles first, then cut. Returns (bytes, cut?)."""
    if len(data) <= MAX_HTML_BYTES:
        return data, False
    data = _drop_bulky(data)
    if len(data) <= MAX_HTML_BYTES:
        return data, False
    cut = data[:MAX_HTML_BYTES]
    # do not end inside a tag: back up to the last '<'
    last_lt = cut.rfind(b"<", max(0, MAX_HTML_BYTES - 4096))
    if last_lt > 0:
        cut = cut[:last_lt]
    return cut, True


def _drop_bulky(data: bytes) -> bytes:
    """Remove script/style/svg/noscript elements and comments in one linear pass."""
    lower = data.lower()
    for opening, closing in _BULKY_PAIRS:
        parts = []
        pos = 0
        while True:
            start = lower.find(opening, pos)
            if start < 0:
                parts.append(data[pos:])
                break
            parts.append(data[pos:start])
            end = lower.find(closing, start + len(opening))
            if end < 0:
                break  # unclosed: everything after it is script/style noise
            end = lower.find(b">", end)
            pos = len(data) if end < 0 else end + 1
        data = b" ".join(parts)
        lower = data.lower()
    return data


def declared_charset(data: bytes) -> str | None:
    """The charset named by an XML declaration or <meta> in the first 4 KiB, if Python knows it."""
    head = data[:SNIFF_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii").lower()).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return (text, encoding used).

    Order: BOM, strict UTF-8 (valid non-ASCII UTF-8 is almost never anything else), the
    declared charset (HTTP header or <meta>) if it decodes strictly, a statistical guess
    on a bounded sample, and finally Windows-1252 with replacement (never fails).
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for charset in (declared, declared_charset(data)):
        if charset:
            try:
                candidates.append(codecs.lookup(charset).name)
            except LookupError:
                continue
    for name in candidates:
        if name in ("utf-8", "ascii"):
            continue  # already failed / subset of utf-8
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    guess = _guess_encoding(data)
    if guess and guess not in _TRUSTED_GUESSES:
        # a statistical guess among Western single-byte code pages is unreliable on small
        # samples (cp775, cp850 ...): Windows-1252 is by far the likeliest of them on the web
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def _guess_encoding(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - transitive dependency of trafilatura
        return None
    sample = data[:32_768]
    # cut at the last ASCII byte so the sample does not end inside a multibyte sequence
    for i in range(len(sample) - 1, max(0, len(sample) - 8), -1):
        if sample[i] < 0x80:
            sample = sample[: i + 1]
            break
    try:
        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - a failed guess is not an error
        return None
    if best is None:
        return None
    try:
        return codecs.lookup(best.encoding).name
    except LookupError:
        return None


def clean_text_for_lxml(text: str, utf8: bytes | None = None) -> str:
    """Remove characters libxml2 refuses (NUL, most C0 controls, non-characters).

    ``utf8``: the bytes ``text`` was decoded from, when that was UTF-8. Scanning them in C
    for the few bytes those characters are made of (bytes.translate, ``in``) costs about a
    tenth of the regular expression over the text, which then runs only where one was found."""
    if utf8 is not None and len(utf8.translate(None, _INVALID_XML_BYTES)) == len(utf8) and (
        b"\xef\xbf" not in utf8 or not any(form in utf8 for form in _UTF8_NONCHARACTERS)
    ):
        return text
    return _INVALID_XML_CHARS.sub("", text)
