"""Main-text extraction quality and speed on the article-extraction benchmark pages.

Reads shared/corpus/pages/*.html.gz and their ground-truth.json, runs watcher.articles.extract_text
on each page and prints the benchmark's own metric: precision and recall of 4-word shingles
(multiset, normalised per page), averaged over pages, F1 from those two averages; plus the mean
extraction time per page. ``--baseline`` also runs the benchmark's trafilatura call
(``include_comments=False`` only) in the same run, for a ratio that does not depend on the host.

    python bench/extraction.py [--corpus ../shared/corpus/pages] [--baseline]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from watcher.articles import extract_text

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"
_TOKEN = re.compile(r"\w+")

Counts = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def match(true: str, predicted: str) -> Counts:
    """True positives, false positives, false negatives over shingles, normalised to sum 1."""
    expected, got = shingles(true), shingles(predicted)
    tp = float(sum((expected & got).values()))
    fp = float(sum((got - expected).values()))
    fn = float(sum((expected - got).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def evaluate(corpus: Path, extract: Callable[[str], str | None]) -> dict[str, float]:
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    counts: list[Counts] = []
    seconds = 0.0
    for key, record in sorted(truth.items()):
        with gzip.open(corpus / f"{key}.html.gz", "rt", encoding="utf-8") as page:
            html = page.read()
        started = time.perf_counter()
        text = extract(html) or ""
        seconds += time.perf_counter() - started
        counts.append(match(record.get("articleBody") or "", text))
    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {
        "pages": len(counts),
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r),
        "ms_per_page": 1000 * seconds / len(counts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--baseline", action="store_true", help="also run the benchmark's call")
    args = parser.parse_args()
    runs: dict[str, Callable[[str], str | None]] = {"watcher": extract_text}
    if args.baseline:
        runs["baseline"] = lambda html: trafilatura.extract(html, include_comments=False)
    for name, extract in runs.items():
        result = evaluate(args.corpus, extract)
        print(
            f"{name:9} pages={result['pages']:.0f} precision={result['precision']:.3f} "
            f"recall={result['recall']:.3f} F1={result['f1']:.3f} "
            f"mean={result['ms_per_page']:.1f} ms/page"
        )


if __name__ == "__main__":
    main()
