"""Labelled records in, precision/recall reports and per-record predictions out; reads the JSON
Lines file of records and writes the predictions file (the only I/O here).

A record is one JSON object a line with at least `id`, `title`, `text` and `label`; `uncertain`,
`kind` and `date` (ISO, the publication date) are used when present. When records carry an
`event` label (the strike they report), the detected ones are replayed in date order through
the events stage and its grouping is scored too; `outlet` names the record's outlet.

Two rule sets can be compared on the same records (`compare`: the records they read differently)
and a rule set's own examples run (`run_examples`).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from watcher import events
from watcher.detection import Detection, RuleSet, Verdict, explain
from watcher.detection.examples import Example, mismatches
from watcher.errors import ConfigError, Problem

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int


@dataclass(frozen=True)
class Outcome:
    id: str
    label: bool
    uncertain: bool
    kind: str
    verdict: Verdict

    @property
    def detected(self) -> bool:
        # A denial of a strike is an update to its event, not a strike report.
        detection = self.verdict.detection
        return detection is not None and not detection.denial


@dataclass(frozen=True)
class Report:
    all: Scores
    certain: Scores
    errors_by_kind: Mapping[str, tuple[int, int]]  # kind -> (errors, records)
    outcomes: tuple[Outcome, ...]
    seconds: float
    # Grouping scores (events.score_grouping) when records carry `event` labels, else None.
    events: Mapping[str, float | int] | None = None


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines file; a malformed line is a ConfigError naming it."""
    records = []
    problems = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(Problem(str(path), f"line {number}", f"not JSON: {error.msg}"))
                continue
            if not isinstance(record, dict) or not {"id", "title", "label"} <= set(record):
                problems.append(
                    Problem(
                        str(path),
                        f"line {number}",
                        "a record needs id, title, text and label",
                        fix='write {"id": ..., "title": ..., "text": ..., "label": true}',
                    )
                )
                continue
            records.append(record)
    if problems:
        raise ConfigError(problems)
    return records


def _published(record: Mapping[str, Any]) -> datetime | None:
    """The record's publication time (aware UTC): its `date` with the time when it gives one."""
    value = record.get("date")
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        try:
            when = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        except ValueError:
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _scores(pairs: Iterable[tuple[bool, bool]]) -> Scores:
    tp = fp = fn = tn = 0
    for label, detected in pairs:
        if label and detected:
            tp += 1
        elif detected:
            fp += 1
        elif label:
            fn += 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(round(precision, 4), round(recall, 4), round(f1, 4), tp, fp, fn, tn)


def evaluate(
    records: Sequence[Mapping[str, Any]], rules: RuleSet, progress: Progress | None = None
) -> Report:
    """Run the rules over labelled records and score them, with and without uncertain ones."""
    started = time.perf_counter()
    outcomes = []
    for done, record in enumerate(records, 1):
        verdict = explain(
            str(record.get("title") or ""), str(record.get("text") or ""), rules, _published(record)
        )
        outcomes.append(
            Outcome(
                str(record["id"]),
                bool(record["label"]),
                bool(record.get("uncertain")),
                str(record.get("kind") or ""),
                verdict,
            )
        )
        if progress is not None:
            progress(done, len(records))
    grouping = group_events(records, outcomes) if any("event" in r for r in records) else None
    errors: dict[str, tuple[int, int]] = {}
    for outcome in outcomes:
        wrong, total = errors.get(outcome.kind, (0, 0))
        errors[outcome.kind] = (wrong + (outcome.detected != outcome.label), total + 1)
    return Report(
        all=_scores((o.label, o.detected) for o in outcomes),
        certain=_scores((o.label, o.detected) for o in outcomes if not o.uncertain),
        errors_by_kind=dict(sorted(errors.items())),
        outcomes=tuple(outcomes),
        seconds=round(time.perf_counter() - started, 3),
        events=grouping,
    )


@dataclass(frozen=True)
class _Item:
    """A record seen as a feed item by the events stage."""

    key: str
    alias: str
    title: str
    summary: str
    published: datetime | None


def _arrivals(records: Sequence[Mapping[str, Any]]) -> dict[str, datetime]:
    """When each record is replayed as seen: its publication time, as a feed item is seen when
    it comes out. A record with no date is not replayed (and is counted as `not_replayed`): any
    time given to it here would come from its label or its place in the file, which both tell
    the grouping which strike it reports."""
    arrivals = {}
    for record in records:
        when = _published(record)
        if when is not None:
            arrivals[str(record["id"])] = when
    return arrivals


def group_events(
    records: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Outcome],
    settings: events.EventSettings | None = None,
) -> dict[str, float | int]:
    """Replay the detections in date order through events.cluster, as the pipeline does (a
    denial that joins no open event opens none), and score the grouping against `event`.

    Besides events.score_grouping's counts: `not_replayed`, the labelled records with no
    publication time, which are left out (see _arrivals) and counted as unassigned."""
    settings = settings or events.EventSettings()
    found = {o.id: o.verdict.detection for o in outcomes}
    arrivals = _arrivals(records)
    replay = sorted(
        (
            (arrivals[str(record["id"])], position, record)
            for position, record in enumerate(records)
            if found.get(str(record["id"])) is not None and str(record["id"]) in arrivals
        ),
        key=lambda entry: (entry[0], entry[1]),
    )
    held: dict[int, events.EventState] = {}
    assignments: dict[str, tuple[int, str]] = {}
    for when, _, record in replay:
        detection = found[str(record["id"])]
        assert detection is not None
        rid = str(record["id"])
        published = _published(record)
        item = _Item(
            rid, rid, str(record.get("title") or ""), str(record.get("text") or ""), published
        )
        outlet = str(record.get("outlet") or record.get("outlet_hint") or rid)
        report = events.report_from(detection, item, outlet, when, settings)
        open_events = [e for e in held.values() if events.is_open(e, report.when, settings)]
        decision = events.cluster(report, open_events, settings)
        if decision.event_id is None and detection.denial:
            continue
        state = decision.state
        if decision.event_id is None:
            state = dataclasses.replace(state, id=len(held) + 1)
        held[state.id] = state
        # A round-up is scored with the event it joins; the others it names are told of it.
        held.update((other.state.id, other.state) for other in decision.also)
        assignments[rid] = (state.id, decision.action)
    scores = events.score_grouping(records, assignments)
    labelled = [r for r in records if r.get("event") is not None]
    scores["not_replayed"] = sum(1 for r in labelled if str(r["id"]) not in arrivals)
    return scores


def render_text(report: Report) -> str:
    lines = []
    for name, scores in (("all records", report.all), ("certain only", report.certain)):
        lines.append(
            f"{name:13} precision {scores.precision:.3f}  recall {scores.recall:.3f}  "
            f"F1 {scores.f1:.3f}  (tp {scores.tp}, fp {scores.fp}, fn {scores.fn}, "
            f"tn {scores.tn})"
        )
    lines.append(f"{len(report.outcomes)} records in {report.seconds:.2f} s")
    if report.events is not None:
        grouping = report.events
        lines.append(
            f"events: {grouping['true_events']} labelled, {grouping['predicted_events']} "
            f"predicted, {grouping['alerts']} alerts, {grouping['wrongly_merged']} wrongly "
            f"merged, {grouping['split']} reports split off, report accuracy "
            f"{float(grouping['report_accuracy']):.3f}"
        )
    lines.append("errors by kind:")
    lines.extend(
        f"  {kind or '(none)':24} {wrong}/{total}"
        for kind, (wrong, total) in report.errors_by_kind.items()
        if wrong
    )
    for title, wanted in (("false positives", False), ("false negatives", True)):
        wrong = [o for o in report.outcomes if o.label == wanted and o.detected != o.label]
        lines.append(f"{title} ({len(wrong)}):")
        for outcome in wrong:
            mark = " (uncertain)" if outcome.uncertain else ""
            lines.append(f"- {outcome.id} [{outcome.kind}]{mark}")
            lines.extend(f"    {reason}" for reason in outcome.verdict.reasons)
            if outcome.verdict.detection is not None:
                lines.extend(
                    f"    evidence: {sentence[:160]}"
                    for sentence in outcome.verdict.detection.evidence
                )
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> dict[str, Any]:
    def listed(wanted: bool) -> list[dict[str, Any]]:
        return [
            {
                "id": o.id,
                "kind": o.kind,
                "uncertain": o.uncertain,
                "reasons": list(o.verdict.reasons),
            }
            for o in report.outcomes
            if o.label == wanted and o.detected != o.label
        ]

    return {
        "all": vars(report.all),
        "certain": vars(report.certain),
        "records": len(report.outcomes),
        "seconds": report.seconds,
        "errors_by_kind": {
            kind: {"errors": wrong, "records": total}
            for kind, (wrong, total) in report.errors_by_kind.items()
        },
        "false_positives": listed(False),
        "false_negatives": listed(True),
        **({"events": dict(report.events)} if report.events is not None else {}),
    }


def _count_json(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def prediction(outcome: Outcome) -> dict[str, Any]:
    """One line of the predictions file, with the field names and value forms of fields-dev."""
    detection: Detection | None = outcome.verdict.detection
    if detection is None or detection.denial:
        return {"id": outcome.id, "detected": False, "score": 0.0, "fields": None}
    found = detection.fields
    # The places in the order an alert shows them, then as the text writes them, the way
    # fields-dev.jsonl records them.
    kept = {place.id for place in found.places}
    places = list(
        dict.fromkeys(
            [
                *(place.name for place in found.places),
                *(m.text for m in detection.mentions if m.kind == "place" and m.ref in kept),
            ]
        )
    )
    return {
        "id": outcome.id,
        "detected": True,
        "score": detection.score,
        "rule": detection.rule_id,
        "fields": {
            "strike_type": found.strike_type,
            "actor": found.actor or "unknown",
            "actor_text": found.actor_text,
            "target": found.target,
            "places": places,
            "countries": list(found.countries),
            "killed": _count_json(found.killed),
            "wounded": _count_json(found.wounded),
            "event_date": found.event_date.isoformat() if found.event_date else None,
            "event_date_text": found.event_date_text,
        },
    }


def write_predictions(path: Path, report: Report) -> None:
    with path.open("w", encoding="utf-8") as out:
        for outcome in report.outcomes:
            out.write(json.dumps(prediction(outcome), ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class ExampleResult:
    example: Example
    verdict: Verdict
    failures: tuple[str, ...]  # what the verdict got wrong; empty when the example passes


def run_examples(rules: RuleSet) -> tuple[ExampleResult, ...]:
    """Run every example the rules carry, in the order of their files."""
    results = []
    for example in rules.examples:
        verdict = explain(example.title, example.text, rules)
        results.append(ExampleResult(example, verdict, mismatches(example, verdict)))
    return tuple(results)


def reading(outcome: Outcome) -> dict[str, Any]:
    """What the rules said of a record, as compared between two rule sets: the verdict and
    the fields an alert shows (the score, which any edit moves a little, is left out)."""
    detection = outcome.verdict.detection
    if detection is None:
        return {"verdict": "none"}
    found = detection.fields
    first = found.places[0] if found.places else None
    return {
        "verdict": "denial" if detection.denial else "strike",
        "rule": detection.rule_id,
        "strike_type": found.strike_type,
        "actor": found.actor,
        "place": f"{first.name} ({first.country})" if first is not None else None,
        "country": found.countries[0] if found.countries else None,
        "killed": _count_json(found.killed),
        "wounded": _count_json(found.wounded),
    }


@dataclass(frozen=True)
class Change:
    """A record that two rule sets read differently."""

    title: str
    before: Outcome
    after: Outcome

    @property
    def effect(self) -> str:
        """fixed / broken: the verdict now agrees / disagrees with the label; else fields."""
        if self.before.detected == self.after.detected:
            return "fields"
        return "fixed" if self.after.detected == self.after.label else "broken"


@dataclass(frozen=True)
class Comparison:
    before: Report
    after: Report
    names: tuple[str, str]  # where each rule set came from
    changes: tuple[Change, ...]


def compare(
    records: Sequence[Mapping[str, Any]],
    before: RuleSet,
    after: RuleSet,
    names: tuple[str, str],
    progress: Progress | None = None,
) -> Comparison:
    """Score both rule sets on the records and keep the records they read differently."""
    first = evaluate(records, before, progress)
    second = evaluate(records, after, progress)
    changes = tuple(
        Change(str(record.get("title") or ""), old, new)
        for record, old, new in zip(records, first.outcomes, second.outcomes, strict=True)
        if reading(old) != reading(new)
    )
    return Comparison(first, second, names, changes)


def _said(found: Mapping[str, Any]) -> str:
    if found["verdict"] == "none":
        return "no strike"
    fields = ", ".join(
        f"{key} {'-' if found[key] is None else found[key]}"
        for key in ("strike_type", "actor", "place", "country", "killed", "wounded")
    )
    return f"{found['verdict']} by rule {found['rule']}: {fields}"


def render_comparison_text(comparison: Comparison) -> str:
    before, after = comparison.before, comparison.after
    lines = [f"before: {comparison.names[0]}", f"after:  {comparison.names[1]}"]
    lines.append(f"{'':22}precision  recall  F1       tp    fp    fn    tn")
    for name, first, second in (
        ("all records", before.all, after.all),
        ("certain only", before.certain, after.certain),
    ):
        for side, scores in ((name, first), ("", second)):
            lines.append(
                f"{side:14}{'after' if not side else 'before':8}{scores.precision:.3f}      "
                f"{scores.recall:.3f}   {scores.f1:.3f}  {scores.tp:5} {scores.fp:5} "
                f"{scores.fn:5} {scores.tn:5}"
            )
    effects = [change.effect for change in comparison.changes]
    lines.append(
        f"{len(effects)} of {len(before.outcomes)} records read differently: "
        f"{effects.count('fixed')} fixed, {effects.count('broken')} broken, "
        f"{effects.count('fields')} with other fields"
    )
    for change in comparison.changes:
        old, new = change.before, change.after
        mark = " (uncertain)" if new.uncertain else ""
        label = "strike" if new.label else "not a strike"
        lines.append(
            f"- {new.id} [{new.kind}]{mark} {change.effect}, labelled {label}: {change.title}"
        )
        lines.append(f"    before: {_said(reading(old))}")
        lines.append(f"    after:  {_said(reading(new))}")
        for side, outcome in (("before", old), ("after", new)):
            lines.extend(f"    why {side}: {reason}" for reason in outcome.verdict.reasons)
    return "\n".join(lines) + "\n"


def render_comparison_json(comparison: Comparison) -> dict[str, Any]:
    def side(name: str, report: Report) -> dict[str, Any]:
        return {
            "rules": name,
            "all": vars(report.all),
            "certain": vars(report.certain),
            **({"events": dict(report.events)} if report.events is not None else {}),
        }

    return {
        "records": len(comparison.before.outcomes),
        "before": side(comparison.names[0], comparison.before),
        "after": side(comparison.names[1], comparison.after),
        "changes": [
            {
                "id": change.after.id,
                "title": change.title,
                "kind": change.after.kind,
                "label": change.after.label,
                "uncertain": change.after.uncertain,
                "effect": change.effect,
                "before": {
                    **reading(change.before),
                    "reasons": list(change.before.verdict.reasons),
                },
                "after": {**reading(change.after), "reasons": list(change.after.verdict.reasons)},
            }
            for change in comparison.changes
        ],
    }


def run_compare(
    path: Path,
    rules: tuple[RuleSet, RuleSet],
    names: tuple[str, str],
    *,
    as_json: bool,
    out: IO[str],
) -> int:
    """`watcher eval --against`: what changes from the first rule set to the second; 0.

    Raises ConfigError for a malformed records file and OSError for an unreadable one.
    """
    comparison = compare(read_records(path), *rules, names, progress=stderr_progress())
    if as_json:
        out.write(json.dumps(render_comparison_json(comparison), ensure_ascii=False, indent=2))
        out.write("\n")
    else:
        out.write(render_comparison_text(comparison))
    return 0


def stderr_progress() -> Progress | None:
    """A progress bar on stderr when it is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None

    def draw(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return draw


def run_eval(
    path: Path, rules: RuleSet, *, as_json: bool, predictions: Path | None, out: IO[str]
) -> int:
    """`watcher eval`: score the rules on a labelled file; 0 on success.

    Raises ConfigError for a malformed records file and OSError for an unreadable one.
    """
    report = evaluate(read_records(path), rules, progress=stderr_progress())
    if predictions is not None:
        write_predictions(predictions, report)
    if as_json:
        out.write(json.dumps(render_json(report), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(render_text(report))
    return 0


def _normal(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for noise in (
        "province",
        "governorate",
        "countryside",
        "city",
        "the ",
        "al-",
        "al ",
        "el-",
        "ar ",
        "as ",
        "ad ",
        "an ",
    ):
        text = text.replace(noise, " ")
    return "".join(ch for ch in text if ch.isalpha())


def _place_found(predicted: Sequence[str], annotated: Sequence[str]) -> bool:
    ours = [_normal(name) for name in predicted]
    for name in annotated:
        theirs = _normal(name)
        if theirs and any(o and (o in theirs or theirs in o) for o in ours):
            return True
    return False


@dataclass(frozen=True)
class FieldScores:
    positives: int  # annotated records
    detected: int  # of them, detected
    country: tuple[int, int]  # (right, scored)
    place: tuple[int, int]
    strike_type: tuple[int, int]
    actor: tuple[int, int]
    killed: tuple[int, int]


def score_fields(
    predictions: Mapping[str, Mapping[str, Any]], annotations: Sequence[Mapping[str, Any]]
) -> FieldScores:
    """Compare predicted fields with hand-annotated ones (fields-dev.jsonl shape), on detected
    records: countries as a set, at least one annotated place found, strike type, actor, and
    killed where the annotation states a number."""
    tallies = {name: [0, 0] for name in ("country", "place", "strike_type", "actor", "killed")}
    detected = 0
    for annotation in annotations:
        ours = predictions.get(str(annotation["id"]), {}).get("fields")
        if not ours:
            continue
        detected += 1
        theirs = annotation["fields"]
        checks = {
            "country": set(ours["countries"]) == set(theirs["countries"]),
            "strike_type": ours["strike_type"] == theirs["strike_type"],
            "actor": str(ours["actor"]).lower() == str(theirs["actor"]).lower(),
        }
        if theirs["places"]:
            checks["place"] = _place_found(ours["places"], theirs["places"])
        if theirs["killed"] is not None:
            checks["killed"] = ours["killed"] == theirs["killed"]
        for name, right in checks.items():
            tallies[name][0] += right
            tallies[name][1] += 1
    return FieldScores(len(annotations), detected, *(tuple(tallies[name]) for name in tallies))  # type: ignore[arg-type]
