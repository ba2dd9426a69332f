"""Strike fields on the labelled corpus: the figures of issue #11's bar, from one run.

    python bench/fields.py [CORPUS_DIR]      (default ../shared/corpus next to the repository)

For dev.jsonl and dev-extra.jsonl, runs the default rules as `watcher eval --predictions` does,
writes the predictions to a temporary file and scores them against fields-dev.jsonl and
fields-dev-extra.jsonl with the corpus's own scorer (CORPUS_DIR/../bench/fields_score.py):
country, any annotated place, the first place reported (the one an alert leads with), strike
type, actor and killed, each as the share of detected positives that match, beside the bar.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from watcher.detection import default_rules
from watcher.evaluation import evaluate, read_records, write_predictions

REPOSITORY = Path(__file__).resolve().parent.parent
SETS = (("dev.jsonl", "fields-dev.jsonl"), ("dev-extra.jsonl", "fields-dev-extra.jsonl"))
# Issue #11: the share of detected positives whose field matches the annotation.
BAR = {
    "country": 0.98,
    "first_place": 0.90,
    "strike_type": 0.92,
    "actor": 0.90,
    "killed": 0.90,
}


def _missing(path: Path) -> str:
    return (
        f"bench/fields.py: {path} is missing. It needs the labelled corpus "
        f"(dev.jsonl, fields-dev.jsonl, dev-extra.jsonl, fields-dev-extra.jsonl) and its "
        f"scorer bench/fields_score.py beside it; pass the corpus directory as the first "
        f"argument (default: ../shared/corpus next to the repository)."
    )


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else REPOSITORY.parent / "shared" / "corpus"
    scorer = corpus.parent / "bench" / "fields_score.py"
    needed = [scorer, *(corpus / name for pair in SETS for name in pair)]
    for path in needed:
        if not path.is_file():
            print(_missing(path), file=sys.stderr)
            return 2
    rules = default_rules()
    failing = 0
    with tempfile.TemporaryDirectory() as directory:
        for texts, annotations in SETS:
            report = evaluate(read_records(corpus / texts), rules)
            predictions = Path(directory) / f"predictions-{texts}"
            write_predictions(predictions, report)
            scored = subprocess.run(
                [
                    sys.executable,
                    str(scorer),
                    str(predictions),
                    str(corpus / annotations),
                    "--json",
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(scored.stdout)
            print(f"{texts} against {annotations}:")
            print("  " + " ".join(f"{name}={value}" for name, value in figures.items()))
            short = [
                f"{name} {figures[name]} < {bar}"
                for name, bar in BAR.items()
                if figures.get(name) is not None and figures[name] < bar
            ]
            failing += len(short)
            print("  short of the bar: " + (", ".join(short) if short else "none"))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
