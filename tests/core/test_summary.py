"""Typed summaries travel as JSON and come back strictly: a renamed key fails, never reads None."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from sentiflow.tasks.core.summary import Summary
from sentiflow.tasks.ingest.summary import IngestTotals, build_summary
from sentiflow.tasks.score.plan import ShardFailure


@dataclass(frozen=True)
class Part:
    name: str
    size: int


@dataclass(frozen=True)
class Whole(Summary):
    title: str
    main: Part
    spare: Part | None
    parts: list[Part]
    by_name: dict[str, Part]
    note: str | None = None


WHOLE = Whole("w", Part("a", 1), None, [Part("b", 2)], {"c": Part("c", 3)})


def test_to_json_is_plain_json_and_from_json_rebuilds_nested_parts():
    data = WHOLE.to_json()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["title", "main", "spare", "parts", "by_name", "note"]  # declaration order
    assert Whole.from_json(data) == WHOLE


def test_unknown_or_missing_keys_raise_instead_of_reading_none():
    data = WHOLE.to_json()
    renamed = {("heading" if k == "title" else k): v for k, v in data.items()}
    with pytest.raises(TypeError, match="Whole has no field heading"):
        Whole.from_json(renamed)
    with pytest.raises(TypeError, match="missing title"):
        Whole.from_json({k: v for k, v in data.items() if k != "title"})
    with pytest.raises(TypeError, match="Part has no field colour"):
        Whole.from_json({**data, "main": {"name": "a", "size": 1, "colour": "red"}})
    assert Whole.from_json({k: v for k, v in data.items() if k != "note"}) == WHOLE  # a default may be left out


def test_ingest_summaries_add_up_and_say_when_some_inputs_failed():
    result = {
        "input": "a.csv",
        "source": "s",
        "name": "a.csv",
        "read": 3,
        "written": 2,
        "quarantined": 1,
        "already_ingested": 0,
        "repaired": 0,
        "bytes": 10,
        "seconds": 0.5,
        "quarantined_by_reason": {"empty_text": 1},
    }
    one = build_summary([result], [{"input": "nope.csv", "error": "no such file"}], [], 1.0)
    two = build_summary([{**result, "read": 4}], [], [], 1.0)
    assert one.partial and not two.partial
    totals = IngestTotals.of([one, two])
    assert (totals.read, totals.written, totals.sources) == (7, 4, ["s"])
    assert totals.partial and totals.counts(1.5)["failures"] == [{"input": "nope.csv", "error": "no such file"}]
    assert type(one).from_json(one.to_json()) == one


def test_plain_dataclasses_of_a_stage_come_back_too():
    from sentiflow.tasks.score.summary import ScoreSummary

    counts = dict.fromkeys(
        [
            "documents_seen",
            "documents_skipped",
            "documents_scored",
            "documents_failed",
            "shards_seen",
            "shards_scored",
            "shards_resumed",
            "shards_failed",
        ],
        1,
    )
    summary = ScoreSummary(
        "r",
        "partial",
        "m",
        **counts,
        predictions_loaded=1,
        documents_loaded=1,
        seconds=1.0,
        docs_per_second=1.0,
        lock_held_seconds=0.1,
        failures=[ShardFailure("source=a/part-0.parquet", "bad")],
    )
    data = summary.to_json()
    assert data["failures"] == [{"lake_shard": "source=a/part-0.parquet", "error": "bad"}]
    assert ScoreSummary.from_json(data) == summary and summary.partial
    assert list(summary.documents()) == [
        "documents_seen",
        "documents_skipped",
        "documents_scored",
        "documents_failed",
        "documents_loaded",
    ]
