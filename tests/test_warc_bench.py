"""bench/bench_warc.py stays importable and runnable (a tiny run, not a measurement)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from archive.warc import iter_records

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_warc.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_warc", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_bench_runs_small(tmp_path):
    bench = load_bench()
    pages = bench.make_pages(count=3, size=20_000)
    assert len(set(pages)) == 3 and all(19_000 < len(p) < 21_000 for p in pages)
    result = bench.run(tmp_path, responses=12, pages=pages)
    assert result.responses == 12 and result.records == 24 and result.files == 1
    assert result.records_per_s > 0 and result.mb_per_s > 0
    assert set(result.as_dict()) >= {"records_per_s", "mb_per_s", "compression_ratio",
                                     "records_per_cpu_s", "mb_per_cpu_s"}
    assert result.cpu_seconds > 0
    (path,) = tmp_path.glob("*.warc.gz")
    assert sum(r.rec_type == "response" for r in iter_records(path)) == 12


def test_archive_bench_runs_small(tmp_path):
    """bench/bench_archive.py: the crawl's write path on SQLite, CPU time reported."""
    spec = importlib.util.spec_from_file_location("bench_archive", BENCH.with_name(
        "bench_archive.py"))
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench
    spec.loader.exec_module(bench)
    pages = bench.make_pages(5, 8)
    result = bench.run(pages, tmp_path, None, background=False)
    assert result["pages"] == 5 and result["cpu_seconds"] > 0 and result["pages_per_cpu_s"] > 0
    assert result["server_cpu_seconds"] is None  # SQLite: no server
    (path,) = tmp_path.glob("*.warc.gz")
    types = [r.rec_type for r in iter_records(path)]
    assert types.count("response") == types.count("conversion") == 5


def test_read_bench_runs_small(tmp_path, capsys):
    """bench/bench_warc_read.py: both readers timed, and the damage comparison, on a tiny file."""
    load_bench().run(tmp_path, responses=12, pages=[b"<html>page</html>" * 100])
    (path,) = tmp_path.glob("*.warc.gz")
    spec = importlib.util.spec_from_file_location("bench_warc_read", BENCH.with_name("bench_warc_read.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main([str(path), "--repeat", "1"])
    bench.main([str(path), "--damage"])
    out = capsys.readouterr().out
    assert "ours   25 records" in out and "warcio 25 records" in out
    assert out.count("    ours:") == 3 and out.count("    warcio:") == 3
    assert "to the next whole record" in out and "truncated gzip member" in out
