"""Detection benchmark: speed against trafilatura on real pages, and quality on the labelled corpus.

    python bench/detection.py [CORPUS_DIR]      (default ../shared/corpus)

Prints, from one run:
- detection time per article against `trafilatura.extract` time on the same pages
  (CORPUS_DIR/pages/*.html.gz), and on one 6 KB article;
- precision and recall of the default rules on CORPUS_DIR/dev.jsonl (all records, certain
  only), and on two random halves of it (a check that the rules were not fitted to one half);
- the strike fields of the detected positives against CORPUS_DIR/fields-dev.jsonl;
- a check of the shortcuts detection takes: detect() against explain(), and the gazetteer's
  places_near (which reads around some character ranges only) against places_in on the same
  texts. Both must agree everywhere: the count of disagreements printed must be 0.
"""

from __future__ import annotations

import gzip
import json
import random
import statistics
import sys
import time
from pathlib import Path

import trafilatura

from watcher.detection import default_rules, detect, explain
from watcher.detection.gazetteer import load_gazetteer
from watcher.evaluation import evaluate, prediction, read_records, score_fields


def _timed(function: object, *args: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)  # type: ignore[operator]
    return time.perf_counter() - started, result


def speed(corpus: Path) -> None:
    rules = default_rules()
    detect("warm-up", "Air strikes hit Raqqa.", rules)
    extract_times, detect_times, texts = [], [], []
    for path in sorted((corpus / "pages").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        took, text = _timed(trafilatura.extract, html)
        if not isinstance(text, str) or not text:
            continue
        extract_times.append(took)
        runs = [_timed(detect, "", text, rules)[0] for _ in range(5)]
        detect_times.append(min(runs))
        texts.append(text)
    if not extract_times:
        print("no pages found under", corpus / "pages")
        return
    extract_ms = statistics.median(extract_times) * 1000
    detect_ms = statistics.median(detect_times) * 1000
    print(
        f"mean: trafilatura.extract {statistics.mean(extract_times) * 1000:.2f} ms, detect "
        f"{statistics.mean(detect_times) * 1000:.3f} ms per page"
    )
    sizes = [len(text) for text in texts]
    print(f"pages: {len(extract_times)}, median text {statistics.median(sizes) / 1000:.1f} KB")
    print(f"trafilatura.extract: median {extract_ms:.2f} ms per page")
    print(
        f"detect:              median {detect_ms:.3f} ms per article "
        f"({detect_ms / extract_ms:.1%} of extraction), max {max(detect_times) * 1000:.2f} ms"
    )
    six_kb = "\n\n".join(texts)[:6000]
    runs = [_timed(detect, "Strikes reported", six_kb, rules)[0] for _ in range(50)]
    print(f"detect on one 6 KB article: {min(runs) * 1000:.3f} ms (best of 50)")


def quality(corpus: Path) -> None:
    records = read_records(corpus / "dev.jsonl")
    rules = default_rules()
    report = evaluate(records, rules)
    print(f"dev.jsonl: {len(records)} records evaluated in {report.seconds:.2f} s")
    for name, scores in (("all", report.all), ("certain", report.certain)):
        print(f"  {name:8} P {scores.precision:.3f} R {scores.recall:.3f} F1 {scores.f1:.3f}")
    ids = sorted(str(r["id"]) for r in records)
    random.Random(7).shuffle(ids)
    half = set(ids[: len(ids) // 2])
    for label, wanted in (("half A", True), ("half B", False)):
        part = evaluate([r for r in records if (str(r["id"]) in half) == wanted], rules)
        print(
            f"  {label}: all P {part.all.precision:.3f} R {part.all.recall:.3f}; certain "
            f"P {part.certain.precision:.3f} R {part.certain.recall:.3f}"
        )
    lines = (corpus / "fields-dev.jsonl").read_text(encoding="utf-8").splitlines()
    annotations = [json.loads(line) for line in lines if line.strip()]
    predictions = {o.id: prediction(o) for o in report.outcomes}
    found = score_fields(predictions, annotations)
    print(f"fields on {found.detected} detected of {found.positives} annotated positives:")
    for name in ("country", "place", "strike_type", "actor", "killed"):
        right, total = getattr(found, name)
        print(f"  {name:12} {right}/{total} = {right / max(total, 1):.1%}")


def agreement(corpus: Path) -> None:
    texts = [
        gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        for path in sorted((corpus / "pages").glob("*.html.gz"))
    ]
    titled = [
        (str(r["title"]), str(r.get("text") or "")) for r in read_records(corpus / "dev.jsonl")
    ]
    rules = default_rules()
    differ = sum(
        detect(title, text, rules) != explain(title, text, rules).detection
        for title, text in [*titled, *(("", text) for text in texts)]
    )
    print(f"detect() against explain(): {differ} of {len(titled) + len(texts)} texts differ")
    gazetteer = load_gazetteer()
    pick = random.Random(11)
    checked = wrong = 0
    for text in [*texts, *(f"{title}\n\n{text}" for title, text in titled)]:
        whole = {(f.start, f.end, f.entry.id) for f in gazetteer.places_in(text)}
        for _ in range(10):
            low = pick.randrange(len(text) + 1)
            high = min(len(text), low + pick.randint(1, 400))
            near = [
                (f.start, f.end, f.entry.id) for f in gazetteer.places_near(text, [(low, high)])
            ]
            needed = {hit for hit in whole if hit[0] < high and low < hit[1]}
            checked += 1
            wrong += not (set(near) <= whole and needed <= set(near) and near == sorted(near))
    print(f"places_near against places_in: {wrong} of {checked} random windows differ")


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/corpus"
    speed(corpus)
    quality(corpus)
    agreement(corpus)


if __name__ == "__main__":
    main()
