"""Per-article cost of watcher's pipeline against trafilatura's extraction alone, and detection
throughput, on the 181 real news pages of shared/corpus/pages/.

For every page, in one run and interleaved (so that both sides see the same machine state):
- trafilatura alone: ``trafilatura.extract(html, include_comments=False)``, the extraction
  benchmark's own call (bench/extraction.py --baseline);
- watcher's per-article work once the page is in hand: decode_html of the page bytes,
  extract_text, then detect on the result with the default rules.
Prints the mean and median per page of each, the ratio, the detection share, detection
throughput (articles and MB of text per second) and the 4-word-shingle F1 from
bench/extraction.py, so that speed and quality are read together.

    .venv/bin/python bench/articles.py [--corpus ../shared/corpus/pages] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import DEFAULT_CORPUS, evaluate

from watcher.articles import decode_html, extract_text
from watcher.detection import default_rules, detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus; best kept")
    args = parser.parse_args()
    truth = json.loads((args.corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        with gzip.open(args.corpus / f"{key}.html.gz", "rb") as page:
            pages.append(page.read())
    rules = default_rules()
    detect("warm-up", "Air strikes hit Raqqa.", rules)
    extract_text(pages[0].decode("utf-8", "replace"))

    # Best of `rounds` per page and side: the least disturbed measure of each.
    alone = [float("inf")] * len(pages)
    extract = [float("inf")] * len(pages)
    detecting = [float("inf")] * len(pages)
    texts: list[str] = [""] * len(pages)
    for _ in range(args.rounds):
        for i, raw in enumerate(pages):
            started = time.perf_counter()
            trafilatura.extract(raw.decode("utf-8", "replace"), include_comments=False)
            alone[i] = min(alone[i], time.perf_counter() - started)

            started = time.perf_counter()
            text = extract_text(decode_html(raw, "text/html")) or ""
            middle = time.perf_counter()
            detect("", text, rules)
            done = time.perf_counter()
            extract[i] = min(extract[i], middle - started)
            detecting[i] = min(detecting[i], done - middle)
            texts[i] = text
    pipeline = [e + d for e, d in zip(extract, detecting, strict=True)]
    ms = 1000.0
    print(f"pages: {len(pages)}  rounds: {args.rounds} (best per page)")
    print(f"{'':34} {'mean ms':>8} {'median ms':>10}")
    for label, values in (
        ("trafilatura alone", alone),
        ("watcher extract (decode+extract)", extract),
        ("watcher detect", detecting),
        ("watcher per article (sum)", pipeline),
    ):
        print(
            f"{label:34} {ms * statistics.mean(values):8.2f} {ms * statistics.median(values):10.2f}"
        )
    print(
        f"per article / trafilatura alone: {sum(pipeline) / sum(alone):.3f} (bar <= 1.25); "
        f"detection / trafilatura alone: {sum(detecting) / sum(alone):.3f} (bar <= 0.05)"
    )
    chars = sum(len(t) for t in texts)
    print(
        f"detection throughput: {len(pages) / sum(detecting):.0f} articles/s, "
        f"{chars / sum(detecting) / 1e6:.2f} MB of text/s "
        f"(mean text {chars / len(pages):.0f} chars)"
    )
    arabic_pages(rules, args.rounds)
    quality = evaluate(args.corpus, extract_text)
    print(
        f"extraction quality (4-word shingles): precision={quality['precision']:.3f} "
        f"recall={quality['recall']:.3f} F1={quality['f1']:.3f}"
    )


# The Arabic page we wrote for the tests (the corpus pages are English): extraction and detection
# timed the same way, many times over since it is one page.
ARABIC_PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"


def arabic_pages(rules: object, rounds: int) -> None:
    for path in sorted(ARABIC_PAGES.glob("ar-*.html")):
        raw = path.read_bytes()
        alone = extract = detecting = float("inf")
        text = ""
        for _ in range(max(rounds, 1) * 50):
            started = time.perf_counter()
            trafilatura.extract(raw.decode("utf-8", "replace"), include_comments=False)
            alone = min(alone, time.perf_counter() - started)
            started = time.perf_counter()
            text = extract_text(decode_html(raw, "text/html")) or ""
            middle = time.perf_counter()
            detect("", text, rules)  # type: ignore[arg-type]
            extract = min(extract, middle - started)
            detecting = min(detecting, time.perf_counter() - middle)
        print(
            f"Arabic page {path.name} ({len(text)} chars of text): trafilatura alone "
            f"{1000 * alone:.2f} ms, watcher extract {1000 * extract:.2f} ms, detect "
            f"{1000 * detecting:.3f} ms; detection / trafilatura alone: {detecting / alone:.3f}"
        )


if __name__ == "__main__":
    main()
