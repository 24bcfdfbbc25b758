"""Search latency over a large synthetic archive, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Builds a throwaway database of N synthetic articles with realistic lengths
(log-normal, median ~550 words, Zipf-distributed vocabulary, one of 2,000
"stories" per article whose words and phrases it repeats; each story also has
one common "subject" word, ranks 100-2,000, that its headlines and texts use
the way news uses "election" or "strike"), in bulk: executemany
with the FTS triggers off and one FTS5 'rebuild' on SQLite; COPY with the GIN
indexes dropped and rebuilt on PostgreSQL. Then it times the library's own
`archive.query.search.search()` (ranking, snippets, sites: what `archive search`
does) for one-word, two-word and phrase queries, plus very common words (a
story's subject word, found in the title or lead of a large share of the
articles), and reports build time, database size, p50/p95 latency and ranking
quality: every query is judged, its relevant articles being those of the
stories it was drawn from (the story number is stored in ``articles.description``),
and precision@20 is the share of the first 20 hits that are relevant.

    nice .venv/bin/python bench/bench_search.py --articles 1000000
    .venv/bin/python bench/bench_search.py --articles 20000 --engines sqlite --queries 30
    ARCHIVE_BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_search.py

The SQLite file lives under --workdir (default: a new folder in /tmp) and the
PostgreSQL data in a fresh schema; both are removed afterwards unless --keep.
With --keep the names are printed; --reuse (with --workdir / --pg-schema) measures
an existing database again without building it, for before/after comparisons:

    .venv/bin/python bench/bench_search.py --articles 200000 --keep --workdir /tmp/bs
    .venv/bin/python bench/bench_search.py --articles 200000 --reuse --workdir /tmp/bs \
        --pg-schema bench_search_xxxxxxxxxx
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archive.db.engine import make_engine, upgrade  # noqa: E402
from archive.query.search import search  # noqa: E402

PG_URL = os.environ.get("ARCHIVE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
VOCABULARY = 50_000
STORIES = 2_000
SITES = 40
ZIPF_EXPONENT = 1.07
MEDIAN_WORDS, SIGMA, MIN_WORDS, MAX_WORDS = 550, 0.55, 80, 5000
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
BATCH = 2000

_ONSETS = ["b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l", "m",
           "n", "p", "pr", "qu", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z"]
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng"]


# --- the synthetic corpus ---


@dataclass
class Corpus:
    """Vocabulary and stories, fixed by the seed, from which articles and queries are drawn."""

    seed: int
    words: np.ndarray = field(init=False)
    probabilities: np.ndarray = field(init=False)
    story_words: np.ndarray = field(init=False)  # STORIES x 8 word ids
    story_phrases: list[list[list[int]]] = field(init=False)  # STORIES x 3 phrases of 2-3 ids
    subject_words: np.ndarray = field(init=False)  # STORIES common word ids (ranks 100..2,000)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        seen: set[str] = set()
        words: list[str] = []
        while len(words) < VOCABULARY:
            syllables = rng.integers(1, 4)
            word = "".join(
                _ONSETS[rng.integers(len(_ONSETS))] + _NUCLEI[rng.integers(len(_NUCLEI))]
                + _CODAS[rng.integers(len(_CODAS))]
                for _ in range(syllables)
            )
            if len(word) >= 3 and word not in seen:
                seen.add(word)
                words.append(word)
        # Frequent words are short, as in real text (Zipf's law of abbreviation).
        words.sort(key=len)
        self.words = np.array(words, dtype=object)
        ranks = np.arange(1, VOCABULARY + 1, dtype=np.float64)
        weights = 1.0 / ranks**ZIPF_EXPONENT
        self.probabilities = weights / weights.sum()
        self._cumulative = np.cumsum(self.probabilities)
        # Story words: specific terms (ranks 2,000..40,000: in ~2.5% down to ~0.1% of the
        # articles by chance), what people search news for.
        self.story_words = rng.integers(2_000, 40_000, size=(STORIES, 8))
        self.story_phrases = []
        for story in range(STORIES):
            phrases = []
            for _ in range(3):
                length = int(rng.integers(2, 4))
                phrase = list(rng.choice(self.story_words[story], size=length, replace=False))
                if length == 3:  # "x of y" shapes: a common word in the middle
                    phrase[1] = int(rng.integers(0, 60))
                phrases.append([int(w) for w in phrase])
            self.story_phrases.append(phrases)
        # Drawn from a generator of their own, so that the rest of the corpus (and the
        # one-word, two-word and phrase queries) is the same as without subject words.
        self.subject_words = np.random.default_rng([self.seed, 7]).integers(100, 2000, STORIES)

    def articles(self, count: int, batch: int = BATCH, *, worker: int = 0, workers: int = 1):
        """Yield (first article id, batch of article dicts); with ``workers`` > 1, only every
        workers-th batch. Batch k is the same whatever the number of workers."""
        for k in range(worker, (count + batch - 1) // batch, workers):
            n = min(batch, count - k * batch)
            yield k * batch + 1, self.batch(k, n)

    def batch(self, k: int, n: int) -> list[dict]:
        """Batch number k: n article dicts (title, text, published, story, site)."""
        rng = np.random.default_rng([self.seed, k])
        subject_rng = np.random.default_rng([self.seed, k, 7])
        cumulative = self._cumulative
        lengths = np.clip(rng.lognormal(np.log(MEDIAN_WORDS), SIGMA, n), MIN_WORDS, MAX_WORDS)
        lengths = lengths.astype(int)
        draws = np.searchsorted(cumulative, rng.random(int(lengths.sum())))
        draws = np.minimum(draws, VOCABULARY - 1)
        stories = rng.integers(0, STORIES, n)
        offset = 0
        out = []
        for i in range(n):
            length = lengths[i]
            ids = draws[offset:offset + length].copy()
            offset += length
            story = stories[i]
            # ~3% of the words are the story's own terms, plus 1-4 of its phrases.
            k = max(2, length // 33)
            ids[rng.integers(0, length, k)] = rng.choice(self.story_words[story], k)
            tokens = list(self.words[ids])
            for _ in range(int(rng.integers(1, 5))):
                phrase = self.story_phrases[story][int(rng.integers(0, 3))]
                at = int(rng.integers(0, length))
                tokens[at:at] = list(self.words[phrase])
            # The subject word, like one more story word: ~2 times in the text.
            subject = self.words[self.subject_words[story]]
            for _ in range(max(1, length // 264)):
                at = int(subject_rng.integers(0, len(tokens)))
                tokens.insert(at, subject)
            # Sentences of ~18 words, paragraphs of ~5 sentences.
            for at in range(len(tokens) - 1, 0, -18):
                tokens[at - 1] += "."
            text = " ".join(tokens)
            title_ids = list(rng.choice(self.story_words[story], 3)) + list(
                np.searchsorted(cumulative, rng.random(int(rng.integers(3, 9))))
            )
            rng.shuffle(title_ids)
            title_words = list(self.words[np.minimum(title_ids, VOCABULARY - 1)])
            if subject_rng.random() < 1 / 3:  # as often as each story word (3 of 8 drawn)
                title_words.insert(int(subject_rng.integers(0, len(title_words) + 1)), subject)
            title = " ".join(title_words).capitalize()
            published = EPOCH + timedelta(seconds=int(rng.integers(0, 730 * 86400)))
            out.append(
                {
                    "title": title,
                    "text": text,
                    "published": published,
                    "story": int(story),
                    "site": f"Outlet {int(rng.integers(0, SITES)):02d}",
                }
            )
        return out

    def queries(self, per_kind: int) -> dict[str, list[Judged]]:
        """Queries people would type: story terms, pairs of them, phrases; and common words
        (a story's subject word). Each with the stories whose articles are relevant."""
        rng = np.random.default_rng(self.seed + 2)
        picks = rng.choice(STORIES, size=per_kind * 3, replace=False)
        vocab = [set(map(int, words)) | {int(self.subject_words[s])}
                 for s, words in enumerate(self.story_words)]

        def having(*ids) -> frozenset[int]:
            return frozenset(s for s in range(STORIES) if all(int(i) in vocab[s] for i in ids))

        one = []
        for s in picks[:per_kind]:
            word = self.story_words[s][int(rng.integers(0, 8))]
            one.append(Judged(str(self.words[word]), having(word)))
        two = []
        for s in picks[per_kind:2 * per_kind]:
            a, b = rng.choice(self.story_words[s], 2, replace=False)
            two.append(Judged(f"{self.words[a]} {self.words[b]}", having(a, b)))
        phrase = []
        for s in picks[2 * per_kind:]:
            ids = self.story_phrases[s][int(rng.integers(0, 3))]
            relevant = frozenset(t for t in range(STORIES) if ids in self.story_phrases[t])
            phrase.append(Judged('"' + " ".join(self.words[ids]) + '"', relevant))
        common = []
        for s in rng.integers(0, STORIES, per_kind):
            word = int(self.subject_words[s])
            relevant = frozenset(np.flatnonzero(self.subject_words == word).tolist())
            common.append(Judged(str(self.words[word]), relevant))
        return {"one-word": one, "two-word": two, "phrase": phrase, "common-word": common}


@dataclass(frozen=True)
class Judged:
    """A query and the stories whose articles answer it."""

    text: str
    stories: frozenset[int]


def article_rows(batch, start_id: int):
    for i, a in enumerate(batch):
        h = hashlib.sha256(a["text"].encode()).hexdigest()
        seen = a["published"] + timedelta(minutes=37)
        yield start_id + i, h, a, seen


# --- loading ---


def load_sqlite(corpus: Corpus, count: int, url: str, progress) -> None:
    """executemany with the FTS triggers dropped, then one FTS5 'rebuild'."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    import sqlite3

    db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -1000000")
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'"
    ).fetchall()
    for name, _ in triggers:
        db.execute(f'DROP TRIGGER "{name}"')
    db.execute(
        "INSERT INTO crawls (crawl_id, spider, topic, sites, settings_digest, started_at) "
        "VALUES ('bench', 'bench', 'bench', '[]', '', '2024-01-01 00:00:00.000000')"
    )
    for first_id, batch in corpus.articles(count):
        db.execute("BEGIN")
        articles, captures = [], []
        for article_id, h, a, seen in article_rows(batch, first_id):
            stamp = a["published"].strftime("%Y-%m-%d %H:%M:%S.000000")
            seen_stamp = seen.strftime("%Y-%m-%d %H:%M:%S.000000")
            url = f"https://outlet{a['site'][-2:]}.example/news/{article_id}"
            articles.append((article_id, h, a["title"], "[]", stamp, "en", a["text"], url,
                             a["site"], f"story {a['story']}", "[]", seen_stamp, seen_stamp,
                             a["site"], url))
            captures.append((f"<urn:uuid:{uuid.UUID(int=article_id)}>", "response", url, url,
                             a["site"], seen_stamp, 200, "text/html", "bench.warc.gz",
                             article_id * 10_000, 9_000, "bench", h))
        db.executemany(
            "INSERT INTO articles (id, content_hash, title, authors, published, language, text, "
            "canonical_url, site_name, description, tags, first_seen, last_seen, first_site, "
            "first_url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", articles)
        db.executemany(
            "INSERT INTO captures (record_id, record_type, url, canonical_url, site, fetched_at, "
            "status, content_type, warc_filename, warc_offset, warc_length, crawl_id, "
            "content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", captures)
        db.execute("COMMIT")
        progress("load", len(batch))
    progress("fts", 0)
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
    for _, sql in triggers:
        db.execute(sql)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()


def load_postgresql(corpus: Corpus, count: int, url: str, progress, workers: int = 2) -> None:
    """COPY from ``workers`` processes (the tsvector columns, search_vector for matching and
    rank_vector for ranking, are computed by the server on insert, so two backends use both
    cores) with the GIN indexes dropped, then CREATE INDEX and ANALYZE."""
    import multiprocessing

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with _pg(url) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_articles_search_vector")
        conn.execute("DROP INDEX IF EXISTS ix_articles_rank_vector")
        conn.execute("DROP INDEX IF EXISTS ix_articles_title_vector")
        conn.execute(
            "INSERT INTO crawls (crawl_id, spider, topic, sites, settings_digest, started_at) "
            "VALUES ('bench', 'bench', 'bench', '[]', '', now())"
        )
    context = multiprocessing.get_context("fork")
    done = context.Queue()
    processes = [
        context.Process(target=_pg_worker, args=(corpus.seed, count, url, w, workers, done))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    finished = 0
    while finished < workers:
        n = done.get()
        if n is None:
            finished += 1
        elif isinstance(n, str):
            raise RuntimeError(n)
        else:
            progress("load", n)
    for process in processes:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"loader process failed with {process.exitcode}")
    progress("gin", 0)
    with _pg(url) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
        conn.execute("CREATE INDEX ix_articles_rank_vector ON articles USING gin (rank_vector)")
        conn.execute("CREATE INDEX ix_articles_title_vector ON articles USING gin "
                     "((to_tsvector('english'::regconfig, coalesce(title, ''))))")
        conn.execute("SELECT setval(pg_get_serial_sequence('articles', 'id'), %s)", (count + 1,))
        conn.execute("VACUUM ANALYZE articles")
        conn.execute("VACUUM ANALYZE captures")


def _pg(url: str):
    import contextlib

    import psycopg

    @contextlib.contextmanager
    def connect():
        parsed = sa.engine.make_url(url).set(drivername="postgresql")
        dsn = parsed.render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            yield conn

    return connect()


def _pg_worker(seed: int, count: int, url: str, worker: int, workers: int, done) -> None:
    try:
        corpus = Corpus(seed)
        with _pg(url) as conn:
            for first_id, batch in corpus.articles(count, worker=worker, workers=workers):
                rows = list(article_rows(batch, first_id))
                with conn.transaction():
                    cur = conn.cursor()
                    with cur.copy(
                        "COPY articles (id, content_hash, title, authors, published, language, "
                        "text, canonical_url, site_name, description, tags, first_seen, "
                        "last_seen, first_site, first_url) FROM STDIN"
                    ) as copy:
                        for article_id, h, a, seen in rows:
                            url_ = f"https://outlet{a['site'][-2:]}.example/news/{article_id}"
                            copy.write_row((article_id, h, a["title"], "[]", a["published"], "en",
                                            a["text"], url_, a["site"], f"story {a['story']}",
                                            "[]", seen, seen, a["site"], url_))
                    with cur.copy(
                        "COPY captures (record_id, record_type, url, canonical_url, site, "
                        "fetched_at, status, content_type, warc_filename, warc_offset, "
                        "warc_length, crawl_id, content_hash) FROM STDIN"
                    ) as copy:
                        for article_id, h, a, seen in rows:
                            url_ = f"https://outlet{a['site'][-2:]}.example/news/{article_id}"
                            copy.write_row((f"<urn:uuid:{uuid.UUID(int=article_id)}>", "response",
                                            url_, url_, a["site"], seen, 200, "text/html",
                                            "bench.warc.gz", article_id * 10_000, 9_000, "bench",
                                            h))
                done.put(len(batch))
    except Exception as exc:  # reported to the parent, which stops the run
        done.put(f"worker {worker}: {type(exc).__name__}: {exc}")
    finally:
        done.put(None)


def database_bytes(engine_name: str, url: str) -> int:
    if engine_name == "sqlite":
        path = url.removeprefix("sqlite:///")
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    engine = make_engine(url)
    with engine.connect() as conn:
        size = conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema()")).scalar_one()
    engine.dispose()
    return int(size)


# --- measuring ---


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


def measure(url: str, queries: dict[str, list[Judged]], warmup: list[Judged],
            rounds: int = 1) -> dict:
    """p50/p95 latency (best of ``rounds`` per query: the machine is shared, a round that
    another process slowed down is not the query's cost), client CPU, precision@20."""
    engine = make_engine(url)
    try:
        for judged in warmup:
            search(engine, judged.text, limit=20)
        results = {}
        everything = []
        for kind, items in queries.items():
            times, cpu, hits, precision = [], [], [], []
            for judged in items:
                best = best_cpu = float("inf")
                for _ in range(rounds):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    found = search(engine, judged.text, limit=20)
                    best = min(best, (time.perf_counter() - started) * 1000)
                    best_cpu = min(best_cpu, (time.process_time() - started_cpu) * 1000)
                times.append(best)
                cpu.append(best_cpu)
                hits.append(len(found))
                stories = story_of(engine, [hit.content_hash for hit in found])
                precision.append(sum(stories.get(h.content_hash) in judged.stories
                                     for h in found) / 20)
            everything.extend(times)
            results[kind] = {
                "queries": len(items),
                "p50_ms": round(percentile(times, 0.50), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "max_ms": round(max(times), 1),
                "client_cpu_ms_mean": round(statistics.mean(cpu), 1),
                "mean_hits": round(statistics.mean(hits), 1),
                "precision_at_20": round(statistics.mean(precision), 3),
                "examples": [j.text for j in items[:3]],
            }
        results["all kinds"] = {
            "queries": len(everything),
            "p50_ms": round(percentile(everything, 0.50), 1),
            "p95_ms": round(percentile(everything, 0.95), 1),
            "max_ms": round(max(everything), 1),
        }
        return results
    finally:
        engine.dispose()


def story_of(engine, hashes: list[str]) -> dict[str, int]:
    """The story number the loader stored in ``description`` (``story 123``) of each article."""
    if not hashes:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT content_hash, description FROM articles WHERE content_hash IN "
                    "(" + ", ".join(f":h{i}" for i in range(len(hashes))) + ")"),
            {f"h{i}": h for i, h in enumerate(hashes)},
        )
        return {row.content_hash: int(row.description.split()[1]) for row in rows
                if row.description and row.description.startswith("story ")}


class Progress:
    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, stage: str, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if stage != "load" or now - self.last > 10 or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            print(f"  [{self.label}] {stage}: {self.done:,}/{self.total:,} articles, "
                  f"{rate:,.0f}/s, {now - self.started:,.0f}s", file=sys.stderr, flush=True)


def run_engine(engine_name: str, corpus: Corpus, args, queries, warmup) -> dict:
    cleanup = None
    if engine_name == "sqlite":
        workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-search-"))
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / "archive.sqlite"
        if args.reuse and not path.exists():
            raise SystemExit(f"--reuse: no {path}")
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        loader = load_sqlite
        if args.keep or args.reuse:
            print(f"  SQLite file {path}", file=sys.stderr)
        else:
            cleanup = lambda: shutil.rmtree(workdir, ignore_errors=True)  # noqa: E731
    else:
        schema = args.pg_schema or f"bench_search_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        if not args.reuse:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.pg_url else "?"
        url = f"{args.pg_url}{sep}options=-csearch_path%3D{schema}"
        loader = load_postgresql

        def cleanup():
            if args.keep or args.reuse:
                print(f"  kept schema {schema}", file=sys.stderr)
                return
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    try:
        build_s = 0.0
        if args.reuse:  # bring an older bench database to the current schema (new indexes)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
        else:
            print(f"{engine_name}: building {args.articles:,} articles", file=sys.stderr)
            started = time.perf_counter()
            loader(corpus, args.articles, url, Progress(args.articles, engine_name))
            build_s = time.perf_counter() - started
        size = database_bytes(engine_name, url)
        print(f"{engine_name}: built in {build_s:,.0f}s, {size / 1e9:.2f} GB; searching",
              file=sys.stderr)
        return {"build_s": round(build_s, 1), "database_bytes": size,
                "latency": measure(url, queries, warmup, args.rounds)}
    finally:
        if cleanup:
            cleanup()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000, help="how many articles")
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--queries", type=int, default=50, help="queries per kind")
    parser.add_argument("--seed", type=int, default=20251031)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--workdir", help="folder for the SQLite file (default: new /tmp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database in --workdir / --pg-schema without building")
    parser.add_argument("--pg-schema", help="the PostgreSQL schema to build in or --reuse")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run each query this many times and keep its fastest")
    parser.add_argument("--json-out", help="also write the results as JSON to this file")
    args = parser.parse_args(argv)

    corpus = Corpus(args.seed)
    queries = corpus.queries(args.queries)
    warmup = Corpus(args.seed + 99).queries(5)["one-word"]  # other words: no cache of the answer
    report = {"articles": args.articles, "queries_per_kind": args.queries, "engines": {},
              "machine": f"{os.cpu_count()} cores", "when": datetime.now(timezone.utc).isoformat()}
    for engine_name in [e.strip() for e in args.engines.split(",") if e.strip()]:
        report["engines"][engine_name] = run_engine(engine_name, corpus, args, queries, warmup)

    print(f"\nSearch benchmark: {args.articles:,} synthetic articles, "
          f"{args.queries} queries per kind, limit 20, snippets included")
    for engine_name, result in report["engines"].items():
        print(f"\n{engine_name}: build {result['build_s']:,.0f} s, "
              f"database {result['database_bytes'] / 1e9:.2f} GB")
        print(f"  {'kind':14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>7} "
              f"{'hits':>6} {'P@20':>6}")
        for kind, row in result["latency"].items():
            print(f"  {kind:14} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} "
                  f"{row.get('client_cpu_ms_mean', ''):>7} {row.get('mean_hits', ''):>6} "
                  f"{row.get('precision_at_20', ''):>6}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
