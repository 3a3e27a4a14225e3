"""The score flow under Prefect, and `sentiflow score` as a user runs it."""

import json

import duckdb
import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.flows.score import score_flow
from sentiflow.tasks.core.errors import UserError
from tests.warehouse.builders import add_shard, register_model

runner = CliRunner()


@pytest.fixture
def lake(home, tiny_bert):
    register_model(home, "m1", tiny_bert, stage="production")
    add_shard(home, "a", ["a great film", "dull", "not bad at all, really"])
    add_shard(home, "b", ["loved every minute", "awful"])
    return home


def table(home, sql, params=None):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def test_flow_scores_then_a_rerun_adds_nothing(prefect_harness, lake):
    from prefect.artifacts import Artifact

    first = score_flow(home=str(lake.root), batch_size=2)
    assert (first["status"], first["model_id"], first["documents_scored"]) == ("completed", "m1", 5)
    assert first["predictions_loaded"] == 5 and first["lock_held_seconds"] > 0
    assert first["docs_per_second"] > 0
    json.dumps(first)  # the summary is JSON-serialisable
    artifact = Artifact.get("scoring-summary")
    assert artifact is not None and "documents_scored" in str(artifact.data)

    second = score_flow(home=str(lake.root), model="m1", sources=["a", "b"])
    assert (second["documents_seen"], second["documents_skipped"], second["documents_scored"]) == (5, 5, 0)
    assert second["predictions_loaded"] == 0
    assert table(lake, "select count(*) from predictions") == [(5,)]
    runs = dict(table(lake, "select run_id, status from runs"))
    assert runs == {first["run_id"]: "completed", second["run_id"]: "completed"}
    lineage = table(
        lake,
        "select count(*) from latest_predictions where run_id = ? and model_id = 'm1'"
        " and doc_id is not null and text is not null",
        [first["run_id"]],
    )
    assert lineage == [(5,)]


def test_bad_shards_fail_alone_and_the_rest_loads(prefect_harness, lake):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (lake.source_documents("b") / "part-1.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    no_text = lake.source_documents("b") / "part-2.parquet"  # readable ids, no text column
    pq.write_table(pa.table({"doc_id": ["x1"]}), no_text)
    # committed as an ingest commits shards, so readers take them for part of the lake
    manifest = lake.manifests / "source=b" / "damaged.json"
    manifest.write_text(json.dumps({"shards": ["part-1.parquet", "part-2.parquet"]}))
    summary = score_flow(home=str(lake.root), model="m1")
    assert summary["status"] == "partial" and summary["documents_scored"] == 5
    failed = {f["lake_shard"].rsplit("/", 1)[-1]: f["error"] for f in summary["failures"]}
    assert set(failed) == {"part-1.parquet", "part-2.parquet"}
    assert "unreadable Parquet" in failed["part-1.parquet"] and "\n" not in failed["part-2.parquet"]
    assert summary["documents_failed"] == 1  # x1: seen, neither scored nor skipped
    assert table(lake, "select count(*) from predictions") == [(5,)]
    assert table(lake, "select status from runs") == [("partial",)]


def test_unknown_model_fails_the_flow_and_records_the_run(prefect_harness, lake):
    with pytest.raises(UserError, match="'nope' not found"):
        score_flow(home=str(lake.root), model="nope")
    assert table(lake, "select flow, status from runs") == [("score", "failed")]


def cli(*args):
    return runner.invoke(app, ["score", *args])


def test_cli_bad_input_is_one_line_before_any_work(lake, tmp_path):
    empty = tmp_path / "empty-home"
    register_model(type(lake).at(empty), "m1")
    for args, message in [
        (["--model", "nope"], "'nope' not found"),
        (["--source", "zzz"], "no documents for source.*zzz"),
        (["--source", "a", "--all"], "not both"),
        (["--runner", "spark"], "unknown --runner"),
    ]:
        result = cli(*args, "--home", str(lake.root))
        assert result.exit_code != 0 and isinstance(result.exception, UserError), result.output
        assert __import__("re").search(message, str(result.exception)), str(result.exception)
    result = cli("--model", "m1", "--home", str(empty))
    assert isinstance(result.exception, UserError) and "empty" in str(result.exception)
    assert not (lake.root / "prefect").exists()  # refused before Prefect started


def test_cli_scores_files_after_ingesting_them(prefect_harness, lake, tmp_path):
    reviews = tmp_path / "reviews.csv"
    reviews.write_text("text,label\nwhat a film,positive\nterrible plot,negative\n")
    result = cli(str(reviews), "--source", "reviews", "--home", str(lake.root), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents_scored"] == 2 and summary["status"] == "completed"
    assert table(lake, "select count(*) from latest_predictions where source = 'reviews'") == [(2,)]

    result = cli("--all", "--home", str(lake.root), "--json", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["documents_scored"] == 5  # a and b were not scored yet
