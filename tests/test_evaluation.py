"""Evaluation: scores with and without uncertain records, errors by kind, the text and JSON
reports, the predictions file, the fields scorer, and run_eval's exit code and output."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from watcher.detection import default_rules
from watcher.errors import ConfigError
from watcher.evaluation import (
    evaluate,
    read_records,
    render_json,
    render_text,
    run_eval,
    score_fields,
)

RECORDS = [
    {
        "id": "p1",
        "title": "Air strikes kill 12 in Raqqa",
        "text": "Jets struck Raqqa on Sunday.",
        "label": True,
        "kind": "airstrike",
        "uncertain": False,
        "date": "2017-05-02",
    },
    {
        "id": "p2",
        "title": "Shelling hits Aleppo",
        "text": "Shelling killed at least four people.",
        "label": True,
        "kind": "shelling",
        "uncertain": False,
    },
    {
        "id": "p3",
        "title": "Quiet day in Mosul",
        "text": "Markets reopened.",
        "label": True,
        "kind": "airstrike",
        "uncertain": True,
    },
    {
        "id": "n1",
        "title": "Car bomb kills 9 in Baghdad",
        "text": "A car bomb exploded.",
        "label": False,
        "kind": "bombing",
        "uncertain": False,
    },
    {
        "id": "n2",
        "title": "Oil workers strike in Basra",
        "text": "Workers went on strike.",
        "label": False,
        "kind": "labor_strike",
        "uncertain": False,
    },
    {
        "id": "n3",
        "title": "US jets bomb Fallujah",
        "text": "",
        "label": False,
        "kind": "other",
        "uncertain": True,
    },
]


def test_scores_with_and_without_uncertain_records() -> None:
    report = evaluate(RECORDS, default_rules())
    assert (report.all.tp, report.all.fp, report.all.fn, report.all.tn) == (2, 1, 1, 2)
    assert report.all.precision == pytest.approx(2 / 3, abs=1e-4)
    assert report.all.recall == pytest.approx(2 / 3, abs=1e-4)
    assert (report.certain.tp, report.certain.fp, report.certain.fn, report.certain.tn) == (
        2,
        0,
        0,
        2,
    )
    assert report.certain.f1 == 1.0
    assert report.errors_by_kind["airstrike"] == (1, 2)
    assert report.errors_by_kind["bombing"] == (0, 1)


def test_progress_is_called_per_record() -> None:
    calls: list[tuple[int, int]] = []
    evaluate(RECORDS, default_rules(), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(n, len(RECORDS)) for n in range(1, len(RECORDS) + 1)]


def test_text_report_lists_each_error_with_its_explanation() -> None:
    text = render_text(evaluate(RECORDS, default_rules()))
    assert "certain only  precision 1.000  recall 1.000" in text
    assert "false positives (1):\n- n3 [other] (uncertain)" in text
    assert "false negatives (1):\n- p3 [airstrike] (uncertain)" in text
    assert "strike-iraq-syria: fired, score" in text
    assert "evidence: US jets bomb Fallujah" in text


def test_json_report_shape() -> None:
    shape = render_json(evaluate(RECORDS, default_rules()))
    for part in ("all", "certain"):
        assert set(shape[part]) >= {"precision", "recall", "f1", "tp", "fp", "fn", "tn"}
    assert shape["certain"]["fp"] == 0
    assert [item["id"] for item in shape["false_positives"]] == ["n3"]
    assert shape["false_negatives"][0]["reasons"]
    json.dumps(shape)


def _write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def test_run_eval_writes_text_json_and_predictions(tmp_path: Path) -> None:
    records = _write(tmp_path / "labelled.jsonl", RECORDS)
    predictions = tmp_path / "predictions.jsonl"
    out = io.StringIO()
    code = run_eval(records, default_rules(), as_json=True, predictions=predictions, out=out)
    assert code == 0
    assert json.loads(out.getvalue())["all"]["tp"] == 2
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert [line["id"] for line in lines] == [r["id"] for r in RECORDS]
    first = lines[0]
    assert first["detected"] is True and 0 < first["score"] <= 1
    assert set(first["fields"]) >= {
        "strike_type",
        "actor",
        "target",
        "places",
        "countries",
        "killed",
        "wounded",
        "event_date",
    }
    assert first["fields"]["countries"] == ["SY"]
    assert first["fields"]["killed"] == 12
    assert first["fields"]["event_date"] == "2017-04-30"
    assert "Raqqa" in first["fields"]["places"]
    assert lines[1]["fields"]["killed"] == [4, None]
    assert lines[2] == {"id": "p3", "detected": False, "score": 0.0, "fields": None}
    text = io.StringIO()
    assert run_eval(records, default_rules(), as_json=False, predictions=None, out=text) == 0
    assert text.getvalue().startswith("all records")


def test_malformed_records_file_names_each_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "title": "t", "label": true}\nnot json\n{"id": "b"}\n')
    with pytest.raises(ConfigError) as error:
        read_records(path)
    assert [p.path for p in error.value.problems] == ["line 2", "line 3"]


def test_fields_scorer_counts_each_field() -> None:
    annotations = [
        {
            "id": "a",
            "fields": {
                "strike_type": "air_drone",
                "actor": "Russia",
                "countries": ["SY"],
                "places": ["Idlib province", "Sarmada"],
                "killed": [20, None],
            },
        },
        {
            "id": "b",
            "fields": {
                "strike_type": "shelling",
                "actor": "rebels",
                "countries": ["SY"],
                "places": [],
                "killed": None,
            },
        },
        {
            "id": "c",
            "fields": {
                "strike_type": "shelling",
                "actor": "unknown",
                "countries": ["IQ"],
                "places": ["Kufa"],
                "killed": 3,
            },
        },
    ]
    predictions = {
        "a": {
            "fields": {
                "strike_type": "air_drone",
                "actor": "Russia",
                "countries": ["SY"],
                "places": ["Idlib"],
                "killed": [20, None],
            }
        },
        "b": {
            "fields": {
                "strike_type": "missile_rocket",
                "actor": "rebels",
                "countries": ["SY"],
                "places": ["Aleppo"],
                "killed": 2,
            }
        },
        "c": {"detected": False, "fields": None},
    }
    scores = score_fields(predictions, annotations)
    assert (scores.positives, scores.detected) == (3, 2)
    assert scores.country == (2, 2)
    assert scores.place == (1, 1)
    assert scores.strike_type == (1, 2)
    assert scores.actor == (2, 2)
    assert scores.killed == (1, 1)


GROUPED = [
    {
        "id": "g1",
        "title": "Air strikes kill 12 in Raqqa",
        "text": "Coalition air strikes hit a market in Raqqa on Sunday, killing 12 people.",
        "label": True,
        "date": "2017-05-07",
        "outlet": "Wire A",
        "event": "raqqa-market",
    },
    {
        "id": "g2",
        "title": "Raqqa market hit by coalition strikes, 15 dead",
        "text": "Coalition air strikes struck a market in Raqqa on Sunday, killing 15 people.",
        "label": True,
        "date": "2017-05-07",
        "outlet": "Wire B",
        "event": "raqqa-market",
    },
    {
        "id": "g3",
        "title": "Rockets hit Baghdad's Green Zone",
        "text": "Two Katyusha rockets struck the Green Zone in Baghdad on Monday, police said.",
        "label": True,
        "date": "2017-05-08",
        "outlet": "Wire A",
        "event": "baghdad-rockets",
    },
    {
        "id": "g4",
        "title": "Coalition denies strike on Raqqa market",
        "text": "The US-led coalition denied on Monday that its jets struck a market in Raqqa.",
        "label": False,
        "date": "2017-05-08",
        "outlet": "Wire C",
        "event": "raqqa-market",
    },
    {
        "id": "g5",
        "title": "Russia denies strike on Idlib hospital",
        "text": "Russia denied on Monday that its jets bombed a hospital in Idlib.",
        "label": False,
        "date": "2017-05-08",
        "outlet": "Wire C",
    },
]


def test_event_grouping_is_scored_when_records_carry_events(tmp_path: Path) -> None:
    report = evaluate(GROUPED, default_rules())
    # The denials are not strike reports, whatever they join.
    assert report.all.tp == 3 and report.all.fp == 0
    assert {o.id for o in report.outcomes if o.verdict.detection is not None} == {
        "g1",
        "g2",
        "g3",
        "g4",
        "g5",
    }
    grouping = report.events
    assert grouping is not None
    assert grouping["true_events"] == 2
    assert grouping["predicted_events"] == 2
    assert grouping["wrongly_merged"] == 0
    assert grouping["split"] == 0
    assert grouping["report_accuracy"] == 1.0
    # Two new events, the second outlet's higher toll, and the denial joining its event.
    assert grouping["alerts"] == 4
    path = tmp_path / "grouped.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in GROUPED))
    out = io.StringIO()
    assert run_eval(path, default_rules(), as_json=True, predictions=None, out=out) == 0
    events = json.loads(out.getvalue())["events"]
    assert {"true_events", "predicted_events", "alerts", "wrongly_merged", "split"} <= set(events)
    assert events["report_accuracy"] == 1.0
    text = io.StringIO()
    run_eval(path, default_rules(), as_json=False, predictions=None, out=text)
    assert "events: 2 labelled, 2 predicted, 4 alerts, 0 wrongly merged" in text.getvalue()


def test_no_event_labels_no_events_section() -> None:
    report = evaluate(RECORDS, default_rules())
    assert report.events is None
    assert "events" not in render_json(report)


def test_undated_records_are_left_out_of_the_replay_never_timed_by_their_label() -> None:
    """A record with no date is not replayed: a time taken from its label (or from its
    neighbours in the file, which lists a strike's reports together) would give the grouping
    the answer. It counts as unassigned, so leaving records out never flatters the figures."""
    undated = {**GROUPED[1], "id": "u1", "date": None, "outlet": "Wire D"}
    grouping = evaluate([*GROUPED, undated], default_rules()).events
    assert grouping is not None
    assert grouping["not_replayed"] == 1
    alone = evaluate(GROUPED, default_rules()).events
    assert alone is not None
    assert grouping["unassigned"] == alone["unassigned"] + 1
    assert grouping["reports"] == alone["reports"]
