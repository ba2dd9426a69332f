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

Arabic, in the same run. The corpus pages are English, and the one Arabic page of the tests
(tests/fixtures/pages/ar-*.html, about 600 characters of text in a bare page) makes extraction
unrealistically cheap, so its ratio says little about an Arabic news site. Real Arabic news
pages are news pages like these, with an Arabic article in them, so two figures use real data
read at run time (nothing of the corpus is copied here):
- the detection cost of the real Arabic texts of shared/corpus/ar-dev.jsonl (title and text,
  as ``watcher eval`` reads them): mean, median and p95 per text, and their length;
- the fairer figure, extraction and detection measured on the same Arabic pages: each real
  page with its article element (or else the element holding most of the body's paragraphs)
  emptied and given an ar-dev text as ``<p dir="rtl" lang="ar">`` paragraphs, one text per
  page in turn; trafilatura extracts it and detection runs on what trafilatura returns. How
  much of the Arabic text came back is printed too, so that a container the extractor left
  out is seen rather than timed as an empty article.
The fixture page's figure is printed last, labelled as what it is.

    .venv/bin/python bench/articles.py [--corpus ../shared/corpus/pages] [--rounds 3]
                                       [--arabic ../shared/corpus/ar-dev.jsonl]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import lxml.html
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import DEFAULT_CORPUS, evaluate

from watcher.articles import decode_html, extract_text
from watcher.detection import RuleSet, default_rules, detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the corpus; best kept")
    parser.add_argument("--arabic", type=Path, default=DEFAULT_CORPUS.parent / "ar-dev.jsonl")
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
    arabic_texts(args.arabic, rules, args.rounds, statistics.mean(alone))
    arabic_corpus_pages(pages, args.arabic, rules, args.rounds)
    arabic_pages(rules, args.rounds)
    quality = evaluate(args.corpus, extract_text)
    print(
        f"extraction quality (4-word shingles): precision={quality['precision']:.3f} "
        f"recall={quality['recall']:.3f} F1={quality['f1']:.3f}"
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def _read_arabic(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as lines:
        return [(r["title"] or "", r["text"] or "") for r in map(json.loads, lines)]


def arabic_texts(path: Path, rules: RuleSet, rounds: int, trafilatura_mean: float) -> None:
    """Detection alone on the real Arabic texts, best of `rounds` per text, beside
    trafilatura's mean on the real pages."""
    records = _read_arabic(path)
    best = [float("inf")] * len(records)
    for _ in range(rounds):
        for i, (title, text) in enumerate(records):
            started = time.perf_counter()
            detect(title, text, rules)
            best[i] = min(best[i], time.perf_counter() - started)
    chars = [len(t) + len(x) for t, x in records]
    print(
        f"Arabic texts ({path.name}, {len(records)} texts, mean {statistics.mean(chars):.0f} "
        f"chars, median {statistics.median(chars):.0f}, max {max(chars)}): detect mean "
        f"{1000 * statistics.mean(best):.3f} ms, median {1000 * statistics.median(best):.3f} ms, "
        f"p95 {1000 * _p95(best):.3f} ms per text"
    )
    print(
        f"  mean detect of an Arabic text / trafilatura's mean on the real pages "
        f"({1000 * trafilatura_mean:.2f} ms): {statistics.mean(best) / trafilatura_mean:.3f}"
    )


def _arabic_letters(text: str) -> int:
    return sum(1 for c in text if "\u0621" <= c <= "\u064a")


def _with_arabic_article(raw: bytes, title: str, text: str) -> str | None:
    """The page with its article (the <article> holding the most text, else the element
    holding most of the body's <p> text) emptied and given the Arabic text; None when the
    page has neither."""
    root = lxml.html.document_fromstring(decode_html(raw, "text/html"))
    articles = root.xpath("//article")
    if articles:
        container = max(articles, key=lambda e: len(e.text_content()))
    else:
        totals: dict[lxml.html.HtmlElement, int] = {}
        for p in root.iter("p"):
            parent = p.getparent()
            if parent is not None:
                totals[parent] = totals.get(parent, 0) + len(p.text_content())
        if not totals:
            return None
        container = max(totals, key=lambda e: totals[e])
    for child in list(container):
        container.remove(child)
    container.text = None
    if title:
        heading = lxml.html.Element("h2", dir="rtl", lang="ar")
        heading.text = title
        container.append(heading)
    for line in text.split("\n"):
        if line.strip():
            paragraph = lxml.html.Element("p", dir="rtl", lang="ar")
            paragraph.text = line
            container.append(paragraph)
    return str(lxml.html.tostring(root, encoding="unicode"))


def arabic_corpus_pages(pages: list[bytes], path: Path, rules: RuleSet, rounds: int) -> None:
    """trafilatura and detection on the real pages with an Arabic article: page i carries
    ar-dev text i (the texts taken in turn), best of `rounds` per page and side."""
    records = _read_arabic(path)
    built = []
    for i, raw in enumerate(pages):
        title, text = records[i % len(records)]
        html = _with_arabic_article(raw, title, text)
        if html is not None:
            built.append((html, _arabic_letters(title) + _arabic_letters(text)))
    alone = [float("inf")] * len(built)
    detecting = [float("inf")] * len(built)
    kept = [0.0] * len(built)
    chars = [0] * len(built)
    for _ in range(rounds):
        for i, (html, letters) in enumerate(built):
            started = time.perf_counter()
            extracted = trafilatura.extract(html, include_comments=False) or ""
            middle = time.perf_counter()
            detect("", extracted, rules)
            done = time.perf_counter()
            alone[i] = min(alone[i], middle - started)
            detecting[i] = min(detecting[i], done - middle)
            kept[i] = min(1.0, _arabic_letters(extracted) / letters) if letters else 0.0
            chars[i] = len(extracted)
    ms = 1000.0
    print(
        f"real pages with an Arabic article ({len(built)} of {len(pages)} pages; extracted text "
        f"mean {statistics.mean(chars):.0f} chars; Arabic text kept by trafilatura: mean "
        f"{statistics.mean(kept):.2f}, pages with >= 90% of it {sum(k >= 0.9 for k in kept)})"
    )
    print(
        f"  trafilatura mean {ms * statistics.mean(alone):.2f} ms, median "
        f"{ms * statistics.median(alone):.2f} ms; detect on its output mean "
        f"{ms * statistics.mean(detecting):.3f} ms, median {ms * statistics.median(detecting):.3f} "
        f"ms, p95 {ms * _p95(detecting):.3f} ms"
    )
    print(f"  Arabic detection / trafilatura on the same pages: {sum(detecting) / sum(alone):.3f}")


# The Arabic page we wrote for the tests: a bare page with about 600 characters of text, where
# extraction is far cheaper than on a news site. Timed the same way, many times over since it is
# one page; kept to follow it from run to run, not as the cost of an Arabic news page.
ARABIC_PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages"


def arabic_pages(rules: RuleSet, rounds: int) -> None:
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
            detect("", text, rules)
            extract = min(extract, middle - started)
            detecting = min(detecting, time.perf_counter() - middle)
        print(
            f"test fixture page {path.name} ({len(text)} chars of text, a bare page): "
            f"trafilatura alone {1000 * alone:.2f} ms, watcher extract {1000 * extract:.2f} ms, "
            f"detect {1000 * detecting:.3f} ms; "
            f"detection / trafilatura alone: {detecting / alone:.3f}"
        )


if __name__ == "__main__":
    main()
