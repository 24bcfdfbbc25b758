"""Compute and check WARC digests (`sha1:BASE32`, as warcio writes them)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from archive.warc.reader import WarcRecord


def b32(digest: bytes) -> str:
    """RFC 4648 base32 of a digest, the form WARC digests take."""
    return base64.b32encode(digest).decode("ascii")


def sha1_digest(*parts: bytes) -> str:
    """`sha1:BASE32` of the concatenation of `parts` (hashed in place, not joined)."""
    digester = hashlib.sha1()
    for part in parts:
        digester.update(part)
    return "sha1:" + b32(digester.digest())


def compute_digest(data: bytes, algorithm: str = "sha1") -> str:
    """`algorithm:BASE32` of `data`, the form warcio, pywb and the CDX indexes use."""
    return f"{algorithm}:{b32(hashlib.new(algorithm, data).digest())}"


def digest_matches(expected: str, data: bytes) -> bool:
    """Whether `expected` (`algo:value`, value in base32 or hex) is the digest of `data`."""
    algorithm, _, value = expected.partition(":")
    try:
        digest = hashlib.new(algorithm.strip().lower(), data).digest()
    except (ValueError, TypeError):
        return False
    value = value.strip()
    if len(value) == 2 * len(digest):  # hex, as some other tools write
        return value.lower() == digest.hex()
    return value.upper() == b32(digest)


@dataclass(frozen=True)
class DigestCheck:
    """None: the record carries no such digest (or, for a revisit's payload
    digest, it describes another record's payload and cannot be checked here)."""

    block: bool | None
    payload: bool | None

    @property
    def ok(self) -> bool:
        return self.block is not False and self.payload is not False


def verify_digests(record: WarcRecord) -> DigestCheck:
    block = record.block_digest
    payload = record.payload_digest if record.rec_type != "revisit" else None
    return DigestCheck(
        block=digest_matches(block, record.block) if block else None,
        payload=digest_matches(payload, record.payload) if payload else None,
    )
