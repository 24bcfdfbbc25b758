"""Coverage-guided fuzzing (atheris, libFuzzer) of the parsers that read untrusted input.

    .venv/bin/python bench/fuzz.py --inputs 1000000                  # every target, 1M inputs each
    .venv/bin/python bench/fuzz.py --target topic --inputs 1000000   # one target
    .venv/bin/python bench/fuzz.py --target extract --inputs 20000 --seed 7
    .venv/bin/python bench/fuzz.py --target feed --max-seconds 600   # what fits in 10 minutes

Targets and what counts as a failure (any other exception, a RecursionError included,
or an input running past --timeout seconds, stops the run and saves the input):

    topic    archive.topic.parse_topic on any text: a TopicQuery or TopicQueryError; a parsed
             query must print canonically (parse(str(q)) == q) and score in [0, 1).
    sites    crawler.sites.parse_sites on any text: sites or SitesFileError; loaded sites
             must round-trip through their dict form.
    feed     crawler.discovery.feeds.parse_feed on any bytes: entries or DiscoveryError.
    sitemap  crawler.discovery.sitemaps.parse_sitemap on any bytes (and the lenient salvage
             the sitemap source falls back on): a Sitemap or DiscoveryError; parse_date on
             any text: a UTC datetime or None.
    extract  archive.extract.extract on any bytes: a result whose reason is never
             "extraction error" (the catch-all for an unexpected exception). About 100x
             slower per input than the others (trafilatura): run it with fewer inputs.

Each target runs in its own process (libFuzzer exits when done), from a small seed corpus
of valid documents, with only the project's own modules instrumented for coverage. Prints
one line per target: inputs run, CPU seconds, inputs per CPU-second and the result;
exits 1 if any target failed. Failing inputs are saved under bench/results/fuzz/.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "fuzz"
TARGETS = ("topic", "sites", "feed", "sitemap", "extract")
# What each target instruments for coverage feedback: the project's modules on its path.
INSTRUMENTED = {
    "topic": ["archive.topic"],
    "sites": ["crawler.sites", "archive.sites"],
    "feed": ["crawler.discovery"],
    "sitemap": ["crawler.discovery"],
    "extract": ["archive.extract"],
}
SEEDS = {
    "topic": [
        'India AND (defence OR defense) NOT cricket', '"defence framework" Hegseth', 'defen* OR "U.S." co-operation',
        'NOT NOT (a OR (b AND (c OR d)))', '\u201cभारत\u201d OR ü',
    ],
    "sites": [
        "sites:\n  - name: The Example Times\n    url: https://example.com/\n    feeds: [/rss.xml]\n"
        "    sitemaps: [/news-sitemap.xml]\n    search: /search?q={query}\n    allow: ['/20\\\\d\\\\d/']\n"
        "    deny: ['/video/']\n    delay: 1.5\n    concurrency: 2\n    language: en\n"
        "    hosts: [cdn.example-news.net]\n    requisites: false\n",
        "- name: A\n  url: http://127.0.0.2:8000/\n- name: B\n  url: http://b.example/\n  article_pattern: '/\\d+$'\n",
    ],
    "feed": [
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><link>http://news.example/a</link>'
        "<title>India</title><pubDate>Fri, 31 Oct 2025 13:42:00 GMT</pubDate></item></channel></rss>",
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><link href="http://news.example/b"/>'
        "<title>US</title><updated>2025-10-31T13:42:00Z</updated></entry></feed>",
    ],
    "sitemap": [
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>http://news.example/a</loc>'
        "<lastmod>2025-10-31</lastmod><news:news><news:title>India</news:title><news:publication_date>"
        "2025-10-31T13:42:00+05:30</news:publication_date></news:news></url></urlset>",
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/news.xml</loc>'
        "<lastmod>2025-10-31T00:00:00Z</lastmod></sitemap></sitemapindex>",
    ],
    "extract": [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>India, US sign framework</title>'
        '<meta property="article:published_time" content="2025-10-31T13:42:00+05:30"></head><body><article>'
        "<h1>India, US sign framework</h1><p>India and the United States signed a ten-year defence framework "
        "on Friday.</p><p>The agreement covers joint exercises and intelligence sharing.</p></article>"
        "<footer>© 2025 Example</footer></body></html>",
    ],
}


# --------------------------------------------------------------------------- one input per target


def _topic(data: bytes) -> None:
    from archive.topic import TopicQueryError, parse_topic

    query = data.decode("utf-8", "replace")
    try:
        parsed = parse_topic(query)
    except TopicQueryError as error:
        str(error)
        return
    if parse_topic(str(parsed)) != parsed:
        raise AssertionError(f"canonical form does not round-trip: {query!r} -> {parsed}")
    score = parsed.score(query, query)
    if not 0.0 <= score < 1.0:
        raise AssertionError(f"score {score} out of [0, 1) for {query!r}")
    parsed.score_hint(query)


def _sites(data: bytes) -> None:
    import yaml

    from crawler.sites import Site, SitesFileError, parse_sites

    try:
        sites = parse_sites(data.decode("utf-8", "replace"))
    except SitesFileError as error:
        str(error)
        return
    for site in sites:
        if Site.from_dict(site.to_dict()) != site:
            raise AssertionError(f"site does not round-trip: {site}")
    parse_sites(yaml.safe_dump({"sites": [s.to_dict() for s in sites]}))


def _feed(data: bytes) -> None:
    from crawler.discovery.base import DiscoveryError
    from crawler.discovery.feeds import parse_feed

    try:
        parse_feed(data, "http://news.example/feed.xml")
    except DiscoveryError:
        pass


def _sitemap(data: bytes) -> None:
    from crawler.discovery.base import DiscoveryError
    from crawler.discovery.sitemaps import (
        parse_date,
        parse_sitemap,
        salvaged_root,
        sitemap_from_root,
    )

    try:
        parse_sitemap(data, "http://news.example/sitemap.xml")
    except DiscoveryError as error:
        root = salvaged_root(error)
        if root is not None:
            try:
                sitemap_from_root(root, "http://news.example/sitemap.xml")
            except DiscoveryError:
                pass
    stamp = parse_date(data[:64].decode("utf-8", "replace"))
    if stamp is not None and stamp.utcoffset():
        raise AssertionError(f"parse_date gave a non-UTC time for {data[:64]!r}")


def _extract(data: bytes) -> None:
    from archive.extract import extract

    result = extract(data, "http://news.example/2025/10/31/story")
    if (result.reason or "").startswith("extraction error"):
        raise AssertionError(f"extract hit an unexpected exception: {result.reason}")


CHECKS = {"topic": _topic, "sites": _sites, "feed": _feed, "sitemap": _sitemap, "extract": _extract}


def worker(target: str, libfuzzer_args: list[str], coverage: bool = True) -> None:
    """Run one target under atheris until libFuzzer's -runs are done (libFuzzer exits the process)."""
    import logging

    import atheris

    logging.disable(logging.CRITICAL)  # bad input is logged by design; millions of lines help no one
    check = CHECKS[target]
    if coverage:
        with atheris.instrument_imports(include=INSTRUMENTED[target]):
            check(SEEDS[target][0].encode())  # import and instrument everything before fuzzing starts
    else:
        check(SEEDS[target][0].encode())
    atheris.Setup([sys.argv[0], *libfuzzer_args], check)
    atheris.Fuzz()


# --------------------------------------------------------------------------- driver


DONE = re.compile(r"Done (\d+) runs in (\d+) second")
EXECUTED = re.compile(r"#(\d+)\s")
UNITS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def run_target(target: str, inputs: int, seed: int, timeout: int, max_len: int,
               max_seconds: int = 0, coverage: bool = True) -> tuple[int, float, float, str]:
    """(inputs run, CPU seconds, wall seconds, result) of one target in a child process."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as corpus:
        for number, text in enumerate(SEEDS[target]):
            Path(corpus, f"seed{number}").write_bytes(text.encode())
        mode = "--worker" if coverage else "--worker-unguided"
        args = [sys.executable, __file__, mode, target, "--", f"-runs={inputs}", f"-seed={seed}",
                f"-timeout={timeout}", f"-max_len={max_len}", "-rss_limit_mb=3072", "-print_final_stats=1",
                f"-artifact_prefix={RESULTS}/{target}-", corpus]
        if max_seconds:
            args.insert(-1, f"-max_total_time={max_seconds}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, errors="replace",
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    log = proc.stdout + proc.stderr
    (RESULTS / f"{target}.log").write_text(log)
    done = DONE.search(log)
    if proc.returncode == 0 and done:
        runs = int(done.group(1))
        return runs, cpu, wall, "ok" if runs >= inputs else f"ok (time limit after {runs:,} inputs)"
    executed = [int(n) for n in EXECUTED.findall(log) + UNITS.findall(log)]
    saved = re.findall(r"Test unit written to (\S+)", log)
    if not saved and "run interrupted" in log:  # stopped by a signal: no input failed
        return max(executed, default=0), cpu, wall, "interrupted (no failure)"
    reason = next((line for line in log.splitlines() if "Error" in line or "==ERROR" in line), "exit status")
    where = saved[0] if saved else f"{RESULTS}/{target}.log"
    return max(executed, default=0), cpu, wall, f"FAILED ({reason.strip()[:120]}); input: {where}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["--worker"], ["--worker-unguided"]):
        worker(argv[1], argv[3:] if argv[2:3] == ["--"] else argv[2:], coverage=argv[0] == "--worker")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--inputs", type=int, default=1_000_000, help="inputs per target (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="libFuzzer's random seed (default 1)")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take (default 20)")
    parser.add_argument("--max-len", type=int, default=4096, help="longest input in bytes (default 4096)")
    parser.add_argument("--max-seconds", type=int, default=0,
                        help="stop a target after this many seconds even short of --inputs (default: no limit)")
    parser.add_argument("--no-coverage", action="store_true",
                        help="mutate the seeds without coverage feedback: ~10x more inputs per CPU-second, "
                             "found by blind mutation rather than guided search")
    args = parser.parse_args(argv)
    targets = TARGETS if args.target == "all" else (args.target,)
    failed = False
    print(f"{'target':<8} {'inputs':>10} {'CPU s':>8} {'wall s':>8} {'inputs/CPU s':>13}  result")
    for target in targets:
        runs, cpu, wall, result = run_target(target, args.inputs, args.seed, args.timeout, args.max_len,
                                             args.max_seconds, not args.no_coverage)
        failed |= not result.startswith(("ok", "interrupted"))
        rate = runs / cpu if cpu else 0.0
        print(f"{target:<8} {runs:>10,} {cpu:>8.1f} {wall:>8.1f} {rate:>13,.0f}  {result}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
