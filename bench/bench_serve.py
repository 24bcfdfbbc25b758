"""Page latency of `archive serve` search (the whole request: parsing, search, template) on a
large synthetic archive, SQLite and PostgreSQL.

Builds N synthetic articles with bench_search's corpus and bulk loaders, then requests
``/?q=QUERY`` through Starlette's TestClient (in process: no network, the same code path as
uvicorn minus the socket) for bench_search's query kinds, and a second page (``&page=2``) of
the one-word queries. Reports p50/p95/max per kind.

    nice .venv/bin/python bench/bench_serve.py --articles 1000000
    .venv/bin/python bench/bench_serve.py --articles 100000 --queries 30
    # on the databases `bench_search.py --keep --workdir DIR --pg-schema S` built:
    .venv/bin/python bench/bench_serve.py --reuse --workdir DIR --pg-schema S
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from archive.db.engine import make_engine  # noqa: E402


def measure(url: str, queries: dict[str, list[str]], warmup: list[str]) -> dict:
    from bench_search import percentile
    from starlette.testclient import TestClient

    from archive.serve import create_app

    engine = make_engine(url)
    results = {}
    try:
        with TestClient(create_app(engine)) as client:
            for query in warmup:  # bench_search's Judged queries: the text is what people type
                client.get("/?q=" + quote_plus(query.text))
            kinds = dict(queries)
            kinds["one-word, page 2"] = queries["one-word"]
            for kind, items in kinds.items():
                suffix = "&page=2" if kind.endswith("page 2") else ""
                times = []
                for query in items:
                    started = time.perf_counter()
                    response = client.get("/?q=" + quote_plus(query.text) + suffix)
                    times.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"{query!r}: HTTP {response.status_code}")
                results[kind] = {"queries": len(items),
                                 "p50_ms": round(percentile(times, 0.50), 1),
                                 "p95_ms": round(percentile(times, 0.95), 1),
                                 "max_ms": round(max(times), 1)}
    finally:
        engine.dispose()
    return results


def reused_url(engine_name: str, args) -> str:
    """The URL of a database bench_search built and kept (--keep): --workdir's SQLite file,
    or --pg-schema on the PostgreSQL server."""
    if engine_name == "sqlite":
        path = Path(args.workdir or "") / "archive.sqlite"
        if not args.workdir or not path.exists():
            raise SystemExit(f"--reuse: no SQLite file {path} (give --workdir)")
        return f"sqlite:///{path}"
    if not args.pg_schema:
        raise SystemExit("--reuse: give --pg-schema for PostgreSQL")
    return f"{args.pg_url}{'&' if '?' in args.pg_url else '?'}options=-csearch_path%3D{args.pg_schema}"


def run_engine(engine_name: str, args, corpus, queries, warmup) -> dict:
    from bench_search import Progress, load_postgresql, load_sqlite
    from bench_support import scratch_database

    if args.reuse:
        return {"build_s": 0.0, "latency": measure(reused_url(engine_name, args), queries, warmup)}
    loader = load_sqlite if engine_name == "sqlite" else load_postgresql
    with scratch_database(engine_name, args.pg_url, "bench-serve") as url:
        print(f"{engine_name}: building {args.articles:,} articles", file=sys.stderr)
        started = time.perf_counter()
        loader(corpus, args.articles, url, Progress(args.articles, engine_name))
        build_s = time.perf_counter() - started
        return {"build_s": round(build_s, 1), "latency": measure(url, queries, warmup)}


def main(argv=None) -> int:
    from bench_search import Corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=50, help="queries per kind")
    parser.add_argument("--pg-url", default=os.environ.get(
        "ARCHIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--reuse", action="store_true",
                        help="measure a database bench_search.py built with --keep: "
                             "--workdir (SQLite) and --pg-schema (PostgreSQL)")
    parser.add_argument("--workdir")
    parser.add_argument("--pg-schema")
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    corpus = Corpus(20251031)
    queries = corpus.queries(args.queries)
    warmup = Corpus(20251031 + 99).queries(5)["one-word"]
    report = {"articles": args.articles, "engines": {}}
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        report["engines"][engine_name] = run_engine(engine_name, args, corpus, queries, warmup)
    print(f"\narchive serve search pages: {args.articles:,} synthetic articles, "
          f"{args.queries} queries per kind, 20 hits per page ({os.cpu_count()} cores, shared)")
    for engine_name, result in report["engines"].items():
        print(f"\n{engine_name}: build {result['build_s']:,.0f} s")
        print(f"  {'kind':24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for kind, row in result["latency"].items():
            print(f"  {kind:24} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
