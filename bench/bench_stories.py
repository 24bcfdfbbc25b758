"""Stories: clustering cost per article and memory on a large synthetic archive, and the
pairwise precision/recall of the same-story decisions on the labelled set.

Cost: builds N synthetic articles (bench_search's corpus: realistic lengths, Zipf vocabulary,
two years of dates) with bench_search's bulk loader, then links them into stories with
`archive.stories.StoryBuilder` twice: first all but the last --incremental articles (the
bulk pass `reindex` does), then the last ones into that archive (what closing a crawl does).
Reports CPU ms and wall ms per article, peak RSS of the process (ru_maxrss) and its growth
during the update, and the size the story tables added to the database.

Quality (--labelled): tests/story_cases.py's labelled set (five seed write-ups of one event and
three edited/syndicated/re-headlined copies; three other stories sharing names and places; 40
filler articles, five with an edited copy), filler dated within 3 days (stress: the time window
cannot help) and within 33 days (the demo web's spread). Prints pairwise precision and recall.

    nice .venv/bin/python bench/bench_stories.py --articles 100000
    .venv/bin/python bench/bench_stories.py --labelled
    .venv/bin/python bench/bench_stories.py --articles 20000 --engines sqlite,postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

from archive.db.engine import make_engine  # noqa: E402
from archive.stories import StoryBuilder  # noqa: E402


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def labelled() -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from story_cases import clusters_of, labelled_cases, load_cases, pairwise_scores

    from archive.db.engine import upgrade

    results = {}
    for spread in (3, 33):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/labelled.sqlite")
            upgrade(engine)
            cases = labelled_cases(filler=40, spread_days=spread)
            hashes = load_cases(engine, cases)
            StoryBuilder().update(engine)
            scores = pairwise_scores({c.key: c.label for c in cases}, clusters_of(engine, hashes))
            engine.dispose()
        results[f"filler within {spread} days"] = {"articles": len(cases), **scores}
    return results


def story_bytes(engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            try:
                return int(conn.exec_driver_sql(
                    "SELECT sum(pgsize) FROM dbstat WHERE name IN ('story_articles', "
                    "'story_buckets', 'article_links') OR name LIKE 'ix_story%' "
                    "OR name LIKE 'sqlite_autoindex_story%' OR name LIKE 'sqlite_autoindex_article_links%' "
                    "OR name LIKE 'ix_article_links%'").scalar() or 0)
            except sa.exc.OperationalError:  # no dbstat in this SQLite build
                return -1
        return int(conn.exec_driver_sql(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relname IN ('story_articles', 'story_buckets', 'article_links') "
            "AND c.relnamespace = to_regnamespace(current_schema())::oid").scalar())


def cost(engine_name: str, articles: int, incremental: int, pg_url: str) -> dict:
    from bench_search import Corpus, Progress, load_postgresql, load_sqlite
    from bench_support import scratch_database

    corpus = Corpus(20251031)
    loader = load_sqlite if engine_name == "sqlite" else load_postgresql
    with scratch_database(engine_name, pg_url, "bench-stories") as url:
        return _cost(engine_name, articles, incremental, url, corpus, loader, Progress)


def _cost(engine_name, articles, incremental, url, corpus, loader, Progress) -> dict:
    """Build the corpus into `url`, then link stories: in bulk, then the last articles one batch."""
    print(f"{engine_name}: building {articles:,} articles", file=sys.stderr)
    loader(corpus, articles, url, Progress(articles, engine_name))
    engine = make_engine(url)
    builder = StoryBuilder()
    result = {}
    for label, count in (("bulk", articles - incremental), ("incremental", incremental)):
        rss_before = rss_mb()
        cpu, wall = time.process_time(), time.perf_counter()
        done = builder.update(engine, limit=count)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        result[label] = {
            "articles": done.articles,
            "cpu_ms_per_article": round(cpu * 1000 / max(done.articles, 1), 3),
            "wall_ms_per_article": round(wall * 1000 / max(done.articles, 1), 3),
            "wall_s": round(wall, 1),
            "peak_rss_mb": round(rss_mb(), 1),
            "rss_growth_mb": round(rss_mb() - rss_before, 1),
            "links": {"near_duplicate": done.near_duplicates, "same_story": done.same_story},
            "stories_created": done.stories_created,
        }
        print(f"{engine_name}: {label}: {result[label]}", file=sys.stderr)
    result["story_tables_bytes"] = story_bytes(engine)
    engine.dispose()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--incremental", type=int, default=1000,
                        help="articles linked last, into the archive of the others")
    parser.add_argument("--engines", default="sqlite", help="comma-separated: sqlite,postgresql")
    parser.add_argument("--labelled", action="store_true", help="only the precision/recall run")
    parser.add_argument("--pg-url", default=os.environ.get(
        "ARCHIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--json-out")
    args = parser.parse_args(argv)
    report = {"labelled": labelled()}
    print("\nPairwise same-story decisions on the labelled set (tests/story_cases.py):")
    for name, row in report["labelled"].items():
        print(f"  {name}: {row['articles']} articles, {row['pairs']} pairs: precision "
              f"{row['precision']:.3f}, recall {row['recall']:.3f} (TP {row['true_positive']}, "
              f"FP {row['false_positive']}, FN {row['false_negative']})")
    if not args.labelled:
        report["cost"] = {}
        for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
            report["cost"][engine_name] = cost(engine_name, args.articles, args.incremental,
                                               args.pg_url)
        print(f"\nClustering cost, {args.articles:,} synthetic articles ({os.cpu_count()} cores, shared):")
        for engine_name, result in report["cost"].items():
            for label in ("bulk", "incremental"):
                row = result[label]
                print(f"  {engine_name} {label:11} {row['articles']:>7,} articles: "
                      f"{row['cpu_ms_per_article']} ms CPU/article, {row['wall_ms_per_article']} ms "
                      f"wall/article, peak RSS {row['peak_rss_mb']} MB (+{row['rss_growth_mb']} MB)")
            print(f"  {engine_name} story tables: {result['story_tables_bytes'] / 1e6:.1f} MB")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
