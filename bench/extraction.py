"""Article-body extraction benchmark: archive.extract against plain trafilatura, in one run.

    .venv/bin/python bench/extraction.py [--bench ../shared/benchmarks/article-extraction] [--json]
    .venv/bin/python bench/extraction.py --demoweb [--filler N]   # per-site boilerplate effect

Prints F1, precision, recall and accuracy exactly as the benchmark README defines them
(4-token shingles over \\w+ tokens, per-page tp/fp/fn normalised to 1, means over pages,
F1 from the means), for all pages and for the two halves (even / odd positions in the
sorted ids: we developed on "even" and kept "odd" as held-out), plus pages/s on one core.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"\w+")
REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = REPO.parent / "shared" / "benchmarks" / "article-extraction"


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    toks = tokens(text)
    return Counter(" ".join(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def page_scores(truth: str, prediction: str | None) -> tuple[float, float, float]:
    """(tp, fp, fn) shares of one page, summing to 1 (or all 0 when both are empty)."""
    true_sh, pred_sh = shingles(truth), shingles(prediction)
    tp = fp = fn = 0
    for key in true_sh.keys() | pred_sh.keys():
        t, p = true_sh.get(key, 0), pred_sh.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def evaluate(truths: dict[str, str], predictions: dict[str, str | None], ids: list[str]) -> dict[str, float]:
    precisions, recalls, exact = [], [], []
    for page_id in ids:
        truth, prediction = truths[page_id], predictions.get(page_id) or ""
        tp, fp, fn = page_scores(truth, prediction)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
        exact.append(float(tokens(truth) == tokens(prediction)))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": sum(exact) / len(exact)}


def pin_to_one_core() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def run(name: str, func, pages: dict[str, tuple[bytes, str]]) -> tuple[dict[str, str | None], float]:
    ids = sorted(pages)
    func(*pages[ids[0]])  # warm-up (lazy imports, tables) is not part of the timing
    start = time.process_time()
    predictions = {page_id: func(*pages[page_id]) for page_id in ids}
    seconds = time.process_time() - start
    return predictions, len(ids) / seconds


def ours(html: bytes, url: str) -> str | None:
    from archive.extract import extract

    return extract(html, url).text


def plain_trafilatura(html: bytes, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html.decode("utf-8"), url=url)


def demoweb_boilerplate(filler: int, verbose: bool = False) -> int:
    """Extract every article of the local demo web (crawler.demoweb) in crawl order, with and
    without the per-site learner, and count the lines that are not article body."""
    from archive.extract import SiteBoilerplate, extract, normalise_segment
    from crawler.demoweb.web import DemoWeb

    rows = []
    with DemoWeb(filler_per_outlet=filler, bad_inputs=False) as web:
        for i, spec in enumerate(web.specs):
            learner = SiteBoilerplate()
            plain_learner = SiteBoilerplate()  # the same learner on plain trafilatura's lines
            outlet = web._outlets[i]
            stats = {"pages": 0, "lines": 0, "traf": 0, "traf_learner": 0, "furniture_without": 0,
                     "furniture_with": 0, "body_lost": 0}
            for article in sorted(web._articles[i], key=lambda a: a.published):
                resource = outlet.resources.get(article.path)
                if resource is None:
                    continue
                body = {normalise_segment(line) for line in article.text_lines}
                plain = extract(resource.body, article.url)
                learned = extract(resource.body, article.url, boilerplate=learner.furniture(spec.name))
                learner.observe(spec.name, plain.segments)
                without = [ln for ln in (plain.text or "").split("\n") if ln and normalise_segment(ln) not in body]
                with_ = [ln for ln in (learned.text or "").split("\n") if ln and normalise_segment(ln) not in body]
                kept = normalise_segment(learned.text or "")
                traf = [ln for ln in (plain_trafilatura(resource.body, article.url) or "").split("\n") if ln.strip()]
                traf_filtered = (plain_learner.filter(spec.name, "\n".join(traf)) or "").split("\n")
                plain_learner.observe(spec.name, traf)
                stats["traf"] += sum(1 for ln in traf if normalise_segment(ln) not in body)
                stats["traf_learner"] += sum(1 for ln in traf_filtered if ln and normalise_segment(ln) not in body)
                lost = [line for line in article.text_lines if normalise_segment(line) not in kept]
                if lost and verbose:
                    print("lost", article.url, lost, file=sys.stderr)
                stats["pages"] += 1
                stats["lines"] += len(article.text_lines)
                stats["furniture_without"] += len(without)
                stats["furniture_with"] += len(with_)
                stats["body_lost"] += len(lost)
            rows.append({"site": spec.name, **stats, "learned": len(learner.furniture(spec.name))})
    print("Lines in the output that are not article body (furniture), summed over each outlet's articles")
    print("extracted in publication order, the learner seeing each page after it is extracted.")
    header = (f"{'site':22s} {'pages':>5s} {'body lines':>10s} {'trafilatura':>11s} {'traf+learner':>12s} "
              f"{'ours w/o':>8s} {'ours+learner':>12s} {'body lost':>9s} {'learned':>7s}")
    print(header)
    print("-" * len(header))
    keys = ("pages", "lines", "traf", "traf_learner", "furniture_without", "furniture_with", "body_lost")
    for r in rows + [{"site": "total", "learned": "", **{k: sum(r[k] for r in rows) for k in keys}}]:
        print(f"{r['site']:22s} {r['pages']:5d} {r['lines']:10d} {r['traf']:11d} {r['traf_learner']:12d} "
              f"{r['furniture_without']:8d} {r['furniture_with']:12d} {r['body_lost']:9d} {r['learned']!s:>7s}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="benchmark folder")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--demoweb", action="store_true", help="measure the per-site boilerplate learner instead")
    parser.add_argument("--verbose", action="store_true", help="--demoweb: list body lines lost")
    parser.add_argument("--filler", type=int, default=40, help="--demoweb: filler articles per outlet")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    if args.demoweb:
        return demoweb_boilerplate(args.filler, args.verbose)
    pin_to_one_core()
    truth_data = json.loads((args.bench / "ground-truth-dev.json").read_text(encoding="utf-8"))
    pages = {
        page_id: (gzip.decompress((args.bench / "html" / f"{page_id}.html.gz").read_bytes()), item["url"])
        for page_id, item in truth_data.items()
    }
    truths = {page_id: item["articleBody"] for page_id, item in truth_data.items()}
    ids = sorted(pages)
    halves = {"all": ids, "even (dev)": ids[0::2], "odd (held out)": ids[1::2]}

    results = []
    for name, func in (("archive.extract", ours), ("trafilatura 2.3.1 extract()", plain_trafilatura)):
        predictions, speed = run(name, func, pages)
        for half, subset in halves.items():
            results.append({"extractor": name, "pages": half, "n": len(subset), "pages_per_s": speed,
                            **evaluate(truths, predictions, subset)})
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    header = f"{'extractor':30s} {'pages':15s} {'n':>3s} {'F1':>6s} {'prec':>6s} {'recall':>6s} {'acc':>6s} {'pages/s':>8s}"
    print(header)
    print("-" * len(header))
    for row in results:
        print(
            f"{row['extractor']:30s} {row['pages']:15s} {row['n']:3d} {row['f1']:6.3f} {row['precision']:6.3f} "
            f"{row['recall']:6.3f} {row['accuracy']:6.3f} {row['pages_per_s']:8.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
