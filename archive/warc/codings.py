"""Undo HTTP content codings (gzip, deflate, br, zstd) of an archived payload.

Lenient like a browser: an unknown coding, or a stream corrupt from its first
byte, leaves the bytes as they are; a truncated stream or one corrupt further
on yields what could be decoded. `max_size` caps the
output so that a compression bomb in the archive cannot exhaust memory.
"""

from __future__ import annotations

import zlib

try:  # optional codecs: present with the crawler's dependencies
    import brotli
except ImportError:  # pragma: no cover
    brotli = None
try:
    from compression import zstd  # Python 3.14+
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from backports import zstd
    except ImportError:
        zstd = None

_CHUNK = 1 << 16


class DecodedTooLarge(ValueError):
    """Decoding would exceed the caller's size cap."""


def _check(size: int, max_size: int | None) -> None:
    if max_size is not None and size > max_size:
        raise DecodedTooLarge(f"decoded body exceeds {max_size} bytes")


def _zlib(data: bytes, wbits: int, max_size: int | None) -> bytes:
    out: list[bytes] = []
    size = 0
    decompressor = zlib.decompressobj(wbits)
    pending = data
    while pending and not decompressor.eof:
        try:
            chunk = decompressor.decompress(pending, _CHUNK)
        except zlib.error:
            if out:
                break  # corrupt further on: keep the good prefix
            raise
        size += len(chunk)
        _check(size, max_size)
        out.append(chunk)
        pending = decompressor.unconsumed_tail
        if not chunk and not pending:
            break
    return b"".join(out)


def _gunzip(data: bytes, max_size: int | None) -> bytes:
    return _zlib(data, 16 + zlib.MAX_WBITS, max_size)


def _inflate(data: bytes, max_size: int | None) -> bytes:
    try:
        return _zlib(data, zlib.MAX_WBITS, max_size)
    except zlib.error:
        # raw deflate without the zlib wrapper, as some IIS servers send it
        return _zlib(data, -zlib.MAX_WBITS, max_size)


def _unbrotli(data: bytes, max_size: int | None) -> bytes:
    decompressor = brotli.Decompressor()
    out = [decompressor.process(data, output_buffer_limit=_CHUNK)]
    size = len(out[0])
    _check(size, max_size)
    while not decompressor.is_finished():
        chunk = decompressor.process(b"", output_buffer_limit=_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        _check(size, max_size)
        out.append(chunk)
    return b"".join(out)


def _unzstd(data: bytes, max_size: int | None) -> bytes:
    import io

    reader = zstd.ZstdFile(io.BytesIO(data))
    out: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = reader.read(_CHUNK)
        except EOFError:
            break  # truncated: keep what we have
        if not chunk:
            break
        size += len(chunk)
        _check(size, max_size)
        out.append(chunk)
    return b"".join(out)


_DECODERS = {
    b"gzip": _gunzip,
    b"x-gzip": _gunzip,
    b"deflate": _inflate,
    b"br": _unbrotli if brotli else None,
    b"zstd": _unzstd if zstd else None,
}


def decode_content(body: bytes, content_encoding: bytes | str | None,
                   max_size: int | None = None) -> bytes:
    """`body` with its Content-Encoding undone (codings applied in order are
    removed last-first). Raises DecodedTooLarge past `max_size` bytes."""
    if not content_encoding:
        return body
    if isinstance(content_encoding, str):
        content_encoding = content_encoding.encode("latin-1", "replace")
    codings = [c.strip().lower() for c in content_encoding.split(b",") if c.strip()]
    for coding in reversed(codings):
        if coding == b"identity":
            continue
        decoder = _DECODERS.get(coding)
        if decoder is None:
            return body  # unknown coding: hand back the bytes rather than guess
        try:
            body = decoder(body, max_size)
        except DecodedTooLarge:
            raise
        except Exception:  # corrupt stream: a browser would show nothing better
            return body
    return body
