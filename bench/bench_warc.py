"""Benchmark the WARC writer: N responses of ~60 KB realistic HTML, one core.

    python bench/bench_warc.py [--responses 10000] [--size 60000] [--level 2] [--dir DIR]
    python bench/bench_warc.py --compare-levels       # ISA-L levels 0-3: speed and size

Rates are given per wall second and per CPU second of this process (the
writer runs in the calling thread, so CPU time is what one core can do even
on a busy machine).

Importable: `run(...)` returns a BenchResult and `make_pages(...)` the bodies,
so other benchmarks (e.g. the index one) can reuse both.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.exchange import HttpExchange  # noqa: E402
from archive.warc.writer import WarcWriter  # noqa: E402

# English letter frequencies (%), so that words and their repeats look like prose
# to zlib: its speed depends a lot on how matchable the text is.
_LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
_LETTER_WEIGHTS = (12.0, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4,
                   2.2, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07)


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    return ["".join(rng.choices(_LETTERS, weights=_LETTER_WEIGHTS,
                                k=max(1, int(rng.gauss(5, 2.5)))))
            for _ in range(size)]


_ZIPF: dict[int, list[float]] = {}


def _sentence(rng: random.Random, words: list[str]) -> str:
    # Zipf's law (s=1) like real prose: compressibility is what drives gzip speed
    weights = _ZIPF.get(len(words))
    if weights is None:
        ranks = range(1, len(words) + 1)
        weights = _ZIPF[len(words)] = list(itertools.accumulate(1 / r for r in ranks))
    picked = rng.choices(words, cum_weights=weights, k=rng.randint(8, 28))
    return " ".join(picked).capitalize() + "."


def make_pages(count: int = 200, size: int = 60_000, seed: int = 1) -> list[bytes]:
    """`count` distinct news-article pages of about `size` bytes: site chrome
    (nav, scripts, footer) shared per site, article text unique per page."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    sites = []
    for s in range(8):
        nav = "".join(
            f'<li class="nav__item"><a href="/section/{w}" class="nav__link">{w.title()}</a></li>'
            for w in rng.sample(words[:300], 40))
        script = (
            "<script>window.dataLayer=window.dataLayer||[];"
            "function gtag(){dataLayer.push(arguments)}"
            + "".join(f"gtag('set','{w}','{rng.randint(0, 10**6)}');"
                      for w in rng.sample(words, 60))
            + "</script>")
        footer = "".join(f'<p class="footer__legal">{_sentence(rng, words)}</p>' for _ in range(12))
        sites.append((f"site{s}.example", nav, script, footer))
    pages = []
    for i in range(count):
        host, nav, script, footer = sites[i % len(sites)]
        title = _sentence(rng, words)[:80]
        parts = [
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>',
            f'<link rel="canonical" href="https://{host}/news/{i}">',
            '<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": title,
                          "datePublished": f"2024-05-{i % 28 + 1:02d}T08:00:00Z",
                          "author": [{"@type": "Person", "name": _sentence(rng, words)[:30]}]})
            + "</script>", script, '</head><body><header class="site-header"><ul class="nav">',
            nav, '</ul></header><main><article class="article">',
            f'<h1 class="article__title">{title}</h1>',
        ]
        body_len = sum(map(len, parts)) + len(footer)
        while body_len < size - 200:
            text = " ".join(_sentence(rng, words) for _ in range(4))
            para = f'<p class="article__para">{text}</p>\n'
            parts.append(para)
            body_len += len(para)
        parts += ["</article></main><footer>", footer, "</footer></body></html>"]
        pages.append("".join(parts).encode("utf-8"))
    return pages


@dataclass
class BenchResult:
    responses: int
    records: int  # response + request records (warcinfo not counted)
    seconds: float
    body_bytes: int
    file_bytes: int
    files: int
    cpu_seconds: float = 0.0  # user + system CPU of this process while writing

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds

    @property
    def records_per_cpu_s(self) -> float:
        return self.records / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def responses_per_cpu_s(self) -> float:
        return self.responses / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def mb_per_cpu_s(self) -> float:
        return self.body_bytes / self.cpu_seconds / 1e6 if self.cpu_seconds else 0.0

    @property
    def responses_per_s(self) -> float:
        return self.responses / self.seconds

    @property
    def mb_per_s(self) -> float:
        """Response bodies archived per second, in MB (10^6 bytes)."""
        return self.body_bytes / self.seconds / 1e6

    def as_dict(self) -> dict:
        return {**asdict(self), "records_per_s": round(self.records_per_s, 1),
                "responses_per_s": round(self.responses_per_s, 1),
                "mb_per_s": round(self.mb_per_s, 2),
                "records_per_cpu_s": round(self.records_per_cpu_s, 1),
                "responses_per_cpu_s": round(self.responses_per_cpu_s, 1),
                "mb_per_cpu_s": round(self.mb_per_cpu_s, 2),
                "compression_ratio": round(self.body_bytes / max(self.file_bytes, 1), 2)}


def _exchange(i: int, body: bytes, when: datetime) -> HttpExchange:
    url = f"https://site{i % 8}.example/news/{i}"
    return HttpExchange(
        url=url, method="GET",
        request_headers=[(b"User-Agent", b"NewsArchiveBot/0.1 (+https://example.org/bot)"),
                         (b"Accept", b"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
                         (b"Accept-Language", b"en"), (b"Accept-Encoding", b"gzip, deflate, br")],
        request_body=b"", protocol="HTTP/1.1", status=200, reason="OK",
        response_headers=[
            (b"Date", b"Mon, 06 May 2024 08:00:00 GMT"), (b"Server", b"nginx"),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"Content-Length", str(len(body)).encode()),
            (b"Cache-Control", b"max-age=60, public"), (b"ETag", f'"{i:08x}"'.encode()),
            (b"Set-Cookie", b"session=abc; Path=/; HttpOnly"), (b"Set-Cookie", b"ab=b; Path=/"),
            (b"Vary", b"Accept-Encoding"),
        ],
        body=body, ip_address="192.0.2.1", fetched_at=when + timedelta(milliseconds=i),
    )


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(directory: str | Path | None = None, responses: int = 10_000,
        pages: list[bytes] | None = None, compress_level: int = 2,
        max_size: int = 1_000_000_000) -> BenchResult:
    """Write `responses` exchanges and time it (page generation is not timed)."""
    pages = pages if pages is not None else make_pages()
    own_dir = directory is None
    directory = Path(directory or tempfile.mkdtemp(prefix="bench-warc-"))
    when = datetime(2024, 5, 6, 8, tzinfo=timezone.utc)
    # Exchanges are built up front: the benchmark measures the writer, not dataclasses.
    exchanges = [_exchange(i, pages[i % len(pages)], when) for i in range(responses)]
    try:
        cpu = _process_cpu()
        start = time.perf_counter()
        with WarcWriter(directory, prefix="bench", max_size=max_size,
                        compress_level=compress_level) as writer:
            for exchange in exchanges:
                writer.write_exchange(exchange)
        seconds = time.perf_counter() - start
        cpu = _process_cpu() - cpu
        files = list(directory.glob("bench-*.warc.gz"))
        return BenchResult(
            responses=responses, records=2 * responses, seconds=seconds,
            body_bytes=sum(len(e.body) for e in exchanges),
            file_bytes=sum(f.stat().st_size for f in files), files=len(files),
            cpu_seconds=cpu,
        )
    finally:
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=60_000, help="approximate body bytes")
    parser.add_argument("--pages", type=int, default=200, help="distinct bodies to cycle through")
    parser.add_argument("--level", type=int, default=2, help="ISA-L (isal) level 0-3 per gzip member")
    parser.add_argument("--compare-levels", action="store_true",
                        help="run ISA-L levels 0-3 one after the other")
    parser.add_argument("--dir", help="write here (kept) instead of a temporary directory")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    pages = make_pages(args.pages, args.size)
    for level in (0, 1, 2, 3) if args.compare_levels else (args.level,):
        result = run(args.dir, args.responses, pages, compress_level=level)
        if args.json:
            print(json.dumps({"level": level, **result.as_dict()}), flush=True)
            continue
        print(f"{result.responses} responses ({result.records} records), "
              f"{result.body_bytes / 1e6:.1f} MB of HTML -> {result.file_bytes / 1e6:.1f} MB "
              f"in {result.files} file(s), ISA-L level {level} "
              f"(ratio {result.body_bytes / max(result.file_bytes, 1):.2f})")
        print(f"  wall {result.seconds:.2f} s: {result.records_per_s:,.0f} records/s, "
              f"{result.responses_per_s:,.0f} responses/s, {result.mb_per_s:.1f} MB/s")
        print(f"  CPU  {result.cpu_seconds:.2f} s: {result.records_per_cpu_s:,.0f} records/cpu-s, "
              f"{result.responses_per_cpu_s:,.0f} responses/cpu-s, "
              f"{result.mb_per_cpu_s:.1f} MB/cpu-s", flush=True)


if __name__ == "__main__":
    main()
