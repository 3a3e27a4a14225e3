"""The load step: one transaction, idempotent, lineage filled, runs recorded, lock measured."""

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from sentiflow.tasks.score.load import load_scoring_results
from sentiflow.tasks.score.predictions import predictions_table
from sentiflow.tasks.score.shards import PredictionShards
from sentiflow.tasks.warehouse.runs import RunRecord, record_run
from tests.warehouse.builders import NOW, add_shard


def pending_shard(home, lake_shard, run_id, model_id="m1", seed=0):
    """Predictions for every document of a lake shard, as a scoring worker leaves them."""
    ids = pq.read_table(lake_shard, columns=["doc_id"]).column(0).to_pylist()
    probs = np.random.default_rng(seed).dirichlet([1, 1], size=len(ids))
    table = predictions_table(ids, probs, ["negative", "positive"], model_id, run_id, NOW)
    return PredictionShards(home, model_id).write_output(table, lake_shard, run_id)


def counts(home):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in ("predictions", "documents", "runs")
        }


def test_load_is_one_idempotent_transaction_with_lineage(home):
    a = add_shard(home, "a", ["good", "bad", "ok"])
    b = add_shard(home, "b", ["fine", "poor"])
    for shard in (a, b):
        pending_shard(home, shard, "run-1")
    run = RunRecord("run-1", "score", {"model": "m1"}).finish("completed", {"documents_scored": 5})
    summary = load_scoring_results(home, "m1", run, [str(a.relative_to(home.root))])

    assert (summary.predictions_inserted, summary.documents_inserted, summary.prediction_shards) == (5, 5, 2)
    assert 0 < summary.lock_held_seconds < 30
    assert counts(home) == {"predictions": 5, "documents": 5, "runs": 1}
    assert PredictionShards(home, "m1").pending() == []  # loaded shards are removed
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        missing = con.execute("""
            select count(*) from predictions p
            left join documents d using (doc_id) left join runs r using (run_id)
            where p.model_id is null or p.run_id is null or d.doc_id is null or r.run_id is null
        """).fetchall()[0][0]
        status, scored, lock = con.execute(
            "select status, counts->>'documents_scored', counts->>'load_lock_held_seconds' from runs"
        ).fetchall()[0]
    assert missing == 0  # every prediction names a loaded document and a recorded run
    assert (status, scored) == ("completed", "5") and float(lock) > 0

    # a rerun over the same shards (re-created, as after a crash before their deletion) adds nothing
    for shard in (a, b):
        pending_shard(home, shard, "run-1")
    again = load_scoring_results(
        home,
        "m1",
        RunRecord("run-2", "score").finish("completed"),
        [str(a.relative_to(home.root)), str(b.relative_to(home.root))],
    )
    assert (again.predictions_inserted, again.predictions_replaced, again.documents_inserted) == (0, 5, 0)
    assert counts(home) == {"predictions": 5, "documents": 5, "runs": 2}


def test_a_document_staged_twice_is_loaded_once_with_its_newest_score(home):
    shard = add_shard(home, "a", ["good", "bad"])
    pending_shard(home, shard, "run-1", seed=1)
    pending_shard(home, shard, "run-2", seed=2)  # e.g. a rewritten lake shard scored again
    load_scoring_results(home, "m1", RunRecord("run-2", "score").finish("completed"))
    assert counts(home)["predictions"] == 2


def test_rows_of_a_killed_run_get_an_interrupted_run_row(home):
    shard = add_shard(home, "a", ["good", "bad"])
    pending_shard(home, shard, "killed-run")
    summary = load_scoring_results(home, "m1", RunRecord("next-run", "score").finish("completed"))
    assert summary.interrupted_runs == 1
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        runs = dict(con.execute("select run_id, status from runs").fetchall())
        run_ids = {r[0] for r in con.execute("select distinct run_id from predictions").fetchall()}
    assert runs == {"killed-run": "interrupted", "next-run": "completed"}
    assert run_ids == {"killed-run"}  # the run that scored them, which now has its row


def test_nothing_pending_still_records_the_run(home):
    summary = load_scoring_results(home, "m1", RunRecord("empty-run", "score").finish("completed"))
    assert summary.predictions_staged == 0
    assert counts(home) == {"predictions": 0, "documents": 0, "runs": 1}


def test_record_run_upserts_and_checks_status(home):
    run = RunRecord("r", "ingest", {"inputs": ["x.csv"]})
    record_run(home, run)
    record_run(home, run.finish("partial", {"rows": 3}))
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        assert con.execute("select status, counts->>'rows' from runs").fetchall() == [("partial", "3")]
    with pytest.raises(ValueError, match="unknown run status"):
        run.finish("done")
