"""Extraction benchmark: archive.extract against plain trafilatura on both dev sets, in one run.

    .venv/bin/python bench/extraction.py [--set zyte|readability|both] [--worst N] [--json]
    .venv/bin/python bench/extraction.py --demoweb [--filler N] [--outlets N --article-kb KB]
        # per-site learning: furniture, layout candidate, and templates as a crawl uses them

Body: F1, precision, recall and accuracy exactly as the Zyte benchmark README defines them
(4-token shingles over \\w+ tokens, per-page tp/fp/fn normalised to 1, means over pages,
F1 from the means). Metadata, where the truth has it: exact title (whitespace-normalised,
readability set), author F1 over name words (prefixes such as "By" ignored), publication
day and, for ours, last-modified day (the Zyte pages' authors and dates are our own
annotation, bench/data/zyte-dev-metadata.json: see bench/data/README.md). Per page: F1 of ours minus plain trafilatura's, the worst pages listed and
those more than 0.10 below counted. Speed: pages per CPU-second on one core, for
``trafilatura.extract()`` (text only, its fallbacks on) and for trafilatura with metadata
(``bare_extraction(with_metadata=True)``: the same work ours does), each timed in the same
process, alternating rounds, best round kept.
Sets: ../shared/benchmarks/article-extraction (Zyte, 90 pages) and
../shared/benchmarks/readability-pages (130 pages, readerable ones scored for body).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"\w+")
REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = REPO.parent / "shared" / "benchmarks" / "article-extraction"
ZYTE_METADATA = REPO / "bench" / "data" / "zyte-dev-metadata.json"


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


def plain_trafilatura(html: bytes, url: str) -> str | None:
    import trafilatura

    return trafilatura.extract(html.decode("utf-8"), url=url)


def demoweb_boilerplate(filler: int, verbose: bool = False, outlets: int = 5, article_kb: float | None = None) -> int:
    """Extract every article of the local demo web (crawler.demoweb) in crawl order, with and
    without the per-site learner, and count the lines that are not article body."""
    from archive.extract import SiteBoilerplate, extract, normalise_segment
    from crawler.demoweb.web import DemoWeb

    rows = []
    with DemoWeb(filler_per_outlet=filler, outlets=outlets, article_kb=article_kb, bad_inputs=False) as web:
        for i, spec in enumerate(web.specs):
            learner = SiteBoilerplate()
            crawl_learner = SiteBoilerplate()  # as the crawl uses it: plan(), templates on
            plain_learner = SiteBoilerplate()  # the same learner on plain trafilatura's lines
            outlet = web._outlets[i]
            stats = {"pages": 0, "lines": 0, "traf": 0, "traf_learner": 0, "furniture_without": 0,
                     "furniture_with": 0, "body_lost": 0, "furniture_layout": 0, "lost_layout": 0, "layout_used": 0,
                     "furniture_template": 0, "lost_template": 0, "template_used": 0,
                     "cpu_general": 0.0, "cpu_template": 0.0}
            for article in sorted(web._articles[i], key=lambda a: a.published):
                resource = outlet.resources.get(article.path)
                if resource is None:
                    continue
                body = {normalise_segment(line) for line in article.text_lines}
                plain = extract(resource.body, article.url)
                started = time.process_time()
                learned = extract(resource.body, article.url, boilerplate=learner.furniture(spec.name))
                stats["cpu_general"] += time.process_time() - started
                layout, template = crawl_learner.plan(spec.name)
                started = time.process_time()
                templated = extract(resource.body, article.url, boilerplate=crawl_learner.furniture(spec.name),
                                    layout=layout, template=template)
                stats["cpu_template"] += time.process_time() - started
                crawl_learner.observe(spec.name, templated.segments)
                if templated.body_source == "site template":
                    stats["template_used"] += 1
                else:
                    crawl_learner.observe_layout(spec.name, templated.body_region, layout=layout,
                                                 agreement=templated.layout_agreement)
                stats["furniture_template"] += sum(1 for ln in (templated.text or "").split("\n")
                                                   if ln and normalise_segment(ln) not in body)
                templated_kept = normalise_segment(templated.text or "")
                stats["lost_template"] += sum(1 for line in article.text_lines
                                              if normalise_segment(line) not in templated_kept)
                laid = extract(resource.body, article.url, boilerplate=learner.furniture(spec.name),
                               layout=learner.layout(spec.name))
                learner.observe(spec.name, plain.segments)
                learner.observe_layout(spec.name, plain.body_region)
                stats["layout_used"] += laid.body_source == "site layout"
                stats["furniture_layout"] += sum(1 for ln in (laid.text or "").split("\n")
                                                 if ln and normalise_segment(ln) not in body)
                laid_kept = normalise_segment(laid.text or "")
                stats["lost_layout"] += sum(1 for line in article.text_lines if normalise_segment(line) not in laid_kept)
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
            rows.append({"site": spec.name, **stats, "learned": len(learner.furniture(spec.name)),
                         "layout": learner.layout(spec.name) or "-"})
    print("Lines in the output that are not article body (furniture), summed over each outlet's articles")
    print("extracted in publication order, the learner seeing each page after it is extracted.")
    print("+layout / lost / used: with the learned furniture and the learned body region as a candidate:")
    print("furniture lines, body lines lost, pages whose body came from the region.")
    print("+template / lost / used: as a crawl extracts (SiteBoilerplate.plan): the region alone once it")
    print("agreed on 3 check pages, 1 in 8 checked; ms/page: CPU of ours+learner vs as a crawl extracts.")
    header = (f"{'site':22s} {'pages':>5s} {'body lines':>10s} {'trafilatura':>11s} {'traf+learner':>12s} "
              f"{'ours w/o':>8s} {'ours+learner':>12s} {'body lost':>9s} {'learned':>7s} "
              f"{'+layout':>7s} {'lost':>5s} {'used':>5s} {'+template':>9s} {'lost':>5s} {'used':>5s} "
              f"{'ms/page':>7s} {'templ.':>6s}  layout")
    print(header)
    print("-" * len(header))
    keys = ("pages", "lines", "traf", "traf_learner", "furniture_without", "furniture_with", "body_lost",
            "furniture_layout", "lost_layout", "layout_used", "furniture_template", "lost_template",
            "template_used", "cpu_general", "cpu_template")
    for r in rows + [{"site": "total", "learned": "", "layout": "", **{k: sum(r[k] for r in rows) for k in keys}}]:
        print(f"{r['site']:22s} {r['pages']:5d} {r['lines']:10d} {r['traf']:11d} {r['traf_learner']:12d} "
              f"{r['furniture_without']:8d} {r['furniture_with']:12d} {r['body_lost']:9d} {r['learned']!s:>7s} "
              f"{r['furniture_layout']:7d} {r['lost_layout']:5d} {r['layout_used']:5d} "
              f"{r['furniture_template']:9d} {r['lost_template']:5d} {r['template_used']:5d} "
              f"{1000 * r['cpu_general'] / max(1, r['pages']):7.1f} {1000 * r['cpu_template'] / max(1, r['pages']):6.1f}"
              f"  {r['layout']}")
    return 0


READABILITY_BENCH = REPO.parent / "shared" / "benchmarks" / "readability-pages"
_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|av|af|de)$", re.IGNORECASE)


def page_f1(truth: str, prediction: str | None) -> float:
    tp, fp, fn = page_scores(truth, prediction)
    return 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not (fp or fn) else 0.0)


def load_zyte(folder: Path, metadata: Path = ZYTE_METADATA) -> list[dict]:
    """The Zyte pages with their body truth, and our own byline and date annotation."""
    data = json.loads((folder / "ground-truth-dev.json").read_text(encoding="utf-8"))
    meta = json.loads(metadata.read_text(encoding="utf-8")) if metadata.is_file() else {}
    return [{"id": key, "html": gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()),
             "url": item["url"], "text": item["articleBody"],
             "byline": ", ".join(meta.get(key, {}).get("authors") or []) or None,
             "published": meta.get(key, {}).get("published"), "modified": meta.get(key, {}).get("modified")}
            for key, item in sorted(data.items())]


def load_readability(folder: Path) -> list[dict]:
    data = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [{"id": key, "html": gzip.decompress((folder / "pages" / f"{key}.html.gz").read_bytes()),
             "url": f"https://example.com/{key}", "text": item["text"] if item.get("readerable") else None,
             "title": item.get("title"), "byline": item.get("byline"), "published": item.get("published")}
            for key, item in sorted(data.items())]


def _name_words(value) -> set[str]:
    if isinstance(value, (list, tuple)):
        value = " ".join(value)
    return {w for w in tokens((value or "").casefold()) if not _PREFIX.match(w)}


def metadata_scores(pages: list[dict], predictions: dict[str, dict]) -> dict[str, float | int]:
    """Exact title, author word F1 (mean over pages with a byline), publication day accuracy, and
    last-modified day accuracy for an extractor that gives one."""
    titles = authors = dates = modified = 0.0
    n_titles = n_authors = n_dates = n_modified = 0
    for page in pages:
        pred = predictions[page["id"]]
        if page.get("title"):
            n_titles += 1
            titles += " ".join((pred.get("title") or "").split()) == " ".join(page["title"].split())
        if page.get("byline"):
            n_authors += 1
            truth, guess = _name_words(page["byline"]), _name_words(pred.get("authors"))
            common = len(truth & guess)
            authors += 2 * common / (len(truth) + len(guess)) if common else 0.0
        if page.get("published"):
            n_dates += 1
            dates += same_day(pred.get("published"), page["published"])
        if page.get("modified") and "modified" in pred:  # trafilatura gives no modified date
            n_modified += 1
            modified += same_day(pred["modified"], page["modified"])
    scores: dict[str, float | int] = {}
    for key, total, count in (("title", titles, n_titles), ("authors", authors, n_authors),
                              ("date", dates, n_dates), ("modified", modified, n_modified)):
        if count:  # a measure the truth does not have is left out, not scored 0
            scores[key], scores[f"n_{key}"] = total / count, count
    return scores


def same_day(predicted: str | None, truth: str) -> bool:
    """The same calendar day: in UTC when both carry a time zone (ours is always UTC), else as written."""
    from datetime import datetime, timezone

    if not predicted:
        return False
    try:
        a = datetime.fromisoformat(predicted.replace("Z", "+00:00"))
        b = datetime.fromisoformat(truth.replace("Z", "+00:00"))
    except ValueError:
        return predicted[:10] == truth[:10]
    if a.tzinfo is not None and b.tzinfo is not None and (a.hour or a.minute or a.second):
        return a.astimezone(timezone.utc).date() == b.astimezone(timezone.utc).date()
    return predicted[:10] == truth[:10]


def ours_full(html: bytes, url: str) -> dict:
    from archive.extract import extract

    result = extract(html, url)
    return {"text": result.text, "title": result.title, "authors": result.authors,
            "published": result.published.isoformat() if result.published else None,
            "modified": result.modified.isoformat() if result.modified else None}


def trafilatura_text(html: bytes, url: str) -> dict:
    import trafilatura

    return {"text": trafilatura.extract(html.decode("utf-8"), url=url)}


def trafilatura_meta(html: bytes, url: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html.decode("utf-8"), url=url, with_metadata=True)
    if doc is None:
        return {"text": None}
    return {"text": doc.text, "title": doc.title, "authors": doc.author or "", "published": doc.date}


EXTRACTORS = (
    ("archive.extract", ours_full),
    ("trafilatura extract()", trafilatura_text),
    ("trafilatura +metadata", trafilatura_meta),
)


def timed(extractors, pages: list[dict], rounds: int) -> tuple[dict, dict]:
    """Predictions and best pages/CPU-s per extractor; rounds alternate extractors (A/B/C, A/B/C...)."""
    for _, func in extractors:  # warm-up (lazy imports, tables, dateparser locales): not timed
        for page in pages[:3]:
            func(page["html"], page["url"])
    predictions: dict = {}
    speed: dict = {}
    for _ in range(rounds):
        for name, func in extractors:
            start = time.process_time()
            out = {page["id"]: func(page["html"], page["url"]) for page in pages}
            seconds = time.process_time() - start
            predictions[name] = out
            speed[name] = max(speed.get(name, 0.0), len(pages) / seconds)
    return predictions, speed


def bench_set(label: str, pages: list[dict], rounds: int, worst: int) -> list[dict]:
    predictions, speed = timed(EXTRACTORS, pages, rounds)
    scored = [p for p in pages if p["text"] is not None]
    ids = [p["id"] for p in scored]
    truths = {p["id"]: p["text"] for p in scored}
    rows = []
    for name, _ in EXTRACTORS:
        texts = {key: value["text"] for key, value in predictions[name].items()}
        row = {"set": label, "extractor": name, "n": len(ids), "pages_per_cpu_s": speed[name],
               **evaluate(truths, texts, ids)}
        if any(p.get(k) for p in pages for k in ("title", "byline", "published")) and name != "trafilatura extract()":
            row.update(metadata_scores(pages, predictions[name]))
        not_articles = [p["id"] for p in pages if p["text"] is None]
        row["non_articles_with_text"] = sum(1 for key in not_articles if texts.get(key))
        row["n_non_articles"] = len(not_articles)
        rows.append(row)
    ours = {key: page_f1(truths[key], predictions["archive.extract"][key]["text"]) for key in ids}
    theirs = {key: page_f1(truths[key], predictions["trafilatura extract()"][key]["text"]) for key in ids}
    deltas = sorted((ours[key] - theirs[key], key) for key in ids)
    rows[0]["worst"] = [{"id": key, "delta": d, "ours": ours[key], "trafilatura": theirs[key]}
                        for d, key in deltas[:worst]]
    rows[0]["pages_below_0.10"] = sum(1 for d, _ in deltas if d < -0.10)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("zyte", "readability", "both"), default="both")
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help="Zyte benchmark folder")
    parser.add_argument("--readability", type=Path, default=READABILITY_BENCH, help="readability set folder")
    parser.add_argument("--rounds", type=int, default=2, help="timing rounds (best kept)")
    parser.add_argument("--worst", type=int, default=5, help="list this many pages where ours trails most")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--demoweb", action="store_true", help="measure the per-site boilerplate learner instead")
    parser.add_argument("--verbose", action="store_true", help="--demoweb: list body lines lost")
    parser.add_argument("--filler", type=int, default=40, help="--demoweb: filler articles per outlet")
    parser.add_argument("--outlets", type=int, default=5, help="--demoweb: outlets")
    parser.add_argument("--article-kb", type=float, default=None,
                        help="--demoweb: page size (bench/bench_crawl.py's web: --outlets 6 --article-kb 40)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    if args.demoweb:
        return demoweb_boilerplate(args.filler, args.verbose, args.outlets, args.article_kb)
    pin_to_one_core()
    logging.disable(logging.WARNING)
    results = []
    if args.set in ("zyte", "both"):
        results += bench_set("zyte-dev", load_zyte(args.bench), args.rounds, args.worst)
    if args.set in ("readability", "both"):
        results += bench_set("readability", load_readability(args.readability), args.rounds, args.worst)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    header = (f"{'set':12s} {'extractor':22s} {'n':>3s} {'F1':>6s} {'prec':>6s} {'recall':>6s} {'acc':>6s} "
              f"{'p/CPU-s':>8s} {'title':>6s} {'author':>6s} {'date':>6s} {'modif':>6s}")
    print(header)
    print("-" * len(header))
    for row in results:
        meta = "".join(f" {row[k]:6.3f}" if k in row else f" {'-':>6s}" for k in ("title", "authors", "date", "modified"))
        print(f"{row['set']:12s} {row['extractor']:22s} {row['n']:3d} {row['f1']:6.3f} {row['precision']:6.3f} "
              f"{row['recall']:6.3f} {row['accuracy']:6.3f} {row['pages_per_cpu_s']:8.1f}{meta}")
    for row in results:
        if "worst" in row:
            print(f"\n{row['set']}: pages more than 0.10 F1 below trafilatura: {row['pages_below_0.10']}; "
                  f"non-articles given text: {row['non_articles_with_text']}/{row['n_non_articles']}; worst deltas:")
            for w in row["worst"]:
                print(f"  {w['id']:40s} {w['delta']:+.3f}  (ours {w['ours']:.3f}, trafilatura {w['trafilatura']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
