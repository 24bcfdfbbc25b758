"""Read WARC files with our reader (archive.warc.reader) and with warcio's ArchiveIterator:
speed, and what each does with a damaged file.

    python bench/bench_warc_read.py FILE.warc.gz [...] [--repeat 5]
    python bench/bench_warc_read.py --synthetic 2000            # bench_warc's pages, written first
    python bench/bench_warc_read.py FILE.warc.gz --damage       # flipped bit, truncation, garbage

Both read every record whole: offset, length, WARC headers, HTTP head, raw payload (warcio:
ArchiveIterator + get_record_offset/get_record_length, raw_stream; no digest checks in either).
Times are the best of --repeat runs, wall and CPU of this process, one core.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402

from archive.warc.reader import iter_records  # noqa: E402
from archive.warc.records import WarcFormatError  # noqa: E402

WARCIO = importlib.metadata.version("warcio")


def read_ours(path: Path, on_damage: Callable[[WarcFormatError], None] | None = None) -> tuple[int, int]:
    records = payload = 0
    for record in iter_records(path, on_damage=on_damage):
        _ = (record.location.offset, record.location.length, record.warc_headers, record.http_headers)
        payload += len(record.payload)
        records += 1
    return records, payload


def read_warcio(path: Path) -> tuple[int, int]:
    records = payload = 0
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            _ = (record.rec_headers.headers, record.http_headers and record.http_headers.headers)
            payload += len(record.raw_stream.read())
            # after the payload: asked first, warcio skips the record to find where it ends
            _ = (iterator.get_record_offset(), iterator.get_record_length())
            records += 1
    return records, payload


def _cpu() -> float:
    return time.process_time()


def timed(read: Callable[[Path], tuple[int, int]], paths: list[Path], repeat: int) -> dict:
    best_wall = best_cpu = float("inf")
    records = payload = 0
    for _ in range(repeat):
        cpu, wall = _cpu(), time.perf_counter()
        records = payload = 0
        for path in paths:
            r, p = read(path)
            records, payload = records + r, payload + p
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, _cpu() - cpu)
    return {"records": records, "payload_bytes": payload, "wall_s": best_wall, "cpu_s": best_cpu}


def compare_speed(paths: list[Path], repeat: int) -> None:
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} file(s), {size / 1e6:.2f} MB compressed; warcio {WARCIO}, "
          f"Python {sys.version.split()[0]}; best of {repeat}")
    for name, read in (("ours", read_ours), ("warcio", read_warcio)):
        t = timed(read, paths, repeat)
        print(f"  {name:6} {t['records']} records, {t['payload_bytes'] / 1e6:.2f} MB payload: "
              f"wall {t['wall_s']:.3f} s, CPU {t['cpu_s']:.3f} s "
              f"({t['records'] / t['cpu_s']:,.0f} records/cpu-s, {size / t['cpu_s'] / 1e6:.1f} MB/cpu-s)")


def damaged_copies(path: Path, directory: Path) -> dict[str, Path]:
    """The damage of tests/test_archive_damage.py, each on its own copy of `path`."""
    data = path.read_bytes()
    responses = [(r.location.offset, r.location.length) for r in iter_records(path)
                 if r.rec_type == "response"]
    offset, length = responses[len(responses) // 10]
    flipped = bytearray(data)
    flipped[offset + length // 2] ^= 0x10  # one bit inside an early response's deflate data
    last_offset, last_length = responses[-1]
    cases = {
        f"flipped bit @ {offset}": bytes(flipped),
        f"truncated @ {last_offset} (inside the last response)": data[: last_offset + last_length // 2],
        f"garbage appended @ {len(data)}": data + b"\x00garbage after the last record" * 10,
    }
    copies = {}
    for n, (name, blob) in enumerate(cases.items()):
        copies[name] = directory / f"damage-{n}.warc.gz"
        copies[name].write_bytes(blob)
    return copies


def compare_damage(path: Path) -> None:
    whole = read_ours(path)[0]
    print(f"{path.name}: {whole} records when whole; warcio {WARCIO}")
    with tempfile.TemporaryDirectory(prefix="bench-warc-read-") as scratch:
        for name, copy in damaged_copies(path, Path(scratch)).items():
            print(f"  {name}")
            reports: list[WarcFormatError] = []
            records = read_ours(copy, on_damage=reports.append)[0]
            print(f"    ours:   {records} records; " + "; ".join(str(r) for r in reports))
            records, last = 0, None
            try:
                with open(copy, "rb") as fh:
                    iterator = ArchiveIterator(fh)
                    for record in iterator:
                        body = len(record.raw_stream.read())
                        last = (iterator.get_record_offset(), iterator.get_record_length(),
                                record.rec_type, body)
                        records += 1
                print(f"    warcio: {records} records, no error; last (offset, length, type, "
                      f"payload bytes) {last}")
            except Exception as exc:  # what warcio raises is the finding
                print(f"    warcio: {records} records, then {type(exc).__name__}: "
                      f"{' '.join(str(exc).split())[:70]!r}...")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=0,
                        help="write this many bench_warc responses (~60 KB HTML each) and read them")
    parser.add_argument("--damage", action="store_true", help="compare what each does on damage")
    args = parser.parse_args(argv)
    if args.damage:
        for path in args.files:
            compare_damage(path)
        return
    if args.synthetic:
        from bench_warc import run  # the writer benchmark's realistic pages
        with tempfile.TemporaryDirectory(prefix="bench-warc-read-") as scratch:
            run(scratch, args.synthetic)
            compare_speed(sorted(Path(scratch).glob("*.warc.gz")), args.repeat)
    if args.files:
        compare_speed(args.files, args.repeat)


if __name__ == "__main__":
    main()
