"""The orchestration flows share one status rule (flows/envelope.py): a nightly run whose score
stage lost a shard is `partial`, in its answer and in its `runs` row, like `run` would be."""

from __future__ import annotations

import json


def test_nightly_with_a_failed_score_shard_records_partial(prefect_harness, home, tiny_bert, tmp_path):
    from sentiflow.flows.nightly import nightly_flow
    from sentiflow.tasks.warehouse.db import connect_ro
    from tests.flows.conftest import write_corpus
    from tests.warehouse.builders import add_shard, register_model

    register_model(home, "m1", tiny_bert, stage="production")
    add_shard(home, "reviews", ["a great film", "dull"])
    # a shard the lake lists as committed but that is not Parquet: scoring it fails, the rest loads
    (home.source_documents("reviews") / "part-9.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    (home.manifests / "source=reviews" / "damaged.json").write_text(json.dumps({"shards": ["part-9.parquet"]}))
    inbox = tmp_path / "inbox"
    write_corpus(inbox / "day-1.csv", rows=4)
    (home.root / "nightly.toml").write_text(f'[[sources]]\nname = "reviews"\ninbox = "{inbox}"\n')

    summary = nightly_flow(home=str(home.root), sources_file=str(home.root / "nightly.toml"))

    assert summary["failed_stage"] is None
    assert summary["ingest"]["written"] == 4 and summary["ingest"]["failures"] == []
    assert summary["score"]["documents_scored"] == 6
    assert [f["lake_shard"].rsplit("/", 1)[-1] for f in summary["score"]["failures"]] == ["part-9.parquet"]
    assert summary["status"] == "partial"
    with connect_ro(home.warehouse) as con:
        rows = con.execute("select run_id, status from runs where flow = 'nightly'").fetchall()
    assert rows == [(summary["run_id"], "partial")]


def test_a_score_stage_whose_every_shard_failed_fails_the_run():
    """Partial means the rest went through; a stage that ran and scored nothing fails the run."""
    from sentiflow.flows.stages import Stages
    from sentiflow.tasks.score.summary import ScoreSummary

    def summary(status: str) -> ScoreSummary:
        fields = {name: None for name in ScoreSummary.__dataclass_fields__}
        return ScoreSummary(**{**fields, "status": status, "failures": []})

    for status, run in (("completed", "completed"), ("partial", "partial"), ("failed", "failed")):
        stages = Stages()
        stages.record("score", summary(status))
        assert stages.status() == run, status
