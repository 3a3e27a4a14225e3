"""Incremental and resumable scoring, without Prefect: plan -> score shards -> load."""

import os

import duckdb
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.score import model_cache
from sentiflow.tasks.score.load import load_scoring_results
from sentiflow.tasks.score.plan import plan_scoring
from sentiflow.tasks.score.scorer import score_shard
from sentiflow.tasks.score.shards import PredictionShards
from sentiflow.tasks.warehouse.runs import RunRecord
from tests.warehouse.builders import add_shard, register_model


@pytest.fixture
def lake(home, tiny_bert):
    register_model(home, "m1", tiny_bert)
    add_shard(home, "a", ["a great film", "dull", "not bad at all, really"])
    add_shard(home, "b", ["loved every minute", "awful"])
    return home


def run_once(home, run_id, shards_to_score=None, load=True):
    """One scoring run; `shards_to_score` limits how many shards finish (a killed run)."""
    plan = plan_scoring(home, "m1")
    work = plan.work if shards_to_score is None else plan.work[:shards_to_score]
    results = [score_shard(home, "m1", home.model("m1"), w, run_id, batch_size=2, threads=1) for w in work]
    if load:
        load_scoring_results(home, "m1", RunRecord(run_id, "score").finish("completed"), plan.load_shards)
    return plan, results


def predictions(home):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute("select doc_id, run_id from predictions order by doc_id").fetchall()


def test_a_second_run_scores_nothing_new(lake):
    plan, results = run_once(lake, "run-1")
    assert (plan.documents_seen, plan.documents_to_score) == (5, 5) and sum(r.scored for r in results) == 5
    first = predictions(lake)
    plan, results = run_once(lake, "run-2")
    assert (plan.documents_skipped, plan.work, results) == (5, [], [])
    assert predictions(lake) == first

    add_shard(lake, "a", ["a new review arrives"], name="part-1.parquet")
    plan, results = run_once(lake, "run-3")
    assert plan.documents_to_score == 1 and [r.scored for r in results] == [1]
    assert len(predictions(lake)) == 6


def test_a_killed_run_resumes_without_duplicates(lake):
    plan, results = run_once(lake, "killed", shards_to_score=1, load=False)  # dies after shard 1
    assert len(results) == 1 and PredictionShards(lake, "m1").pending()

    plan, results = run_once(lake, "resumed")
    assert plan.shards_resumed == 1 and len(plan.work) == 1  # the finished shard is not redone
    assert plan.documents_skipped == results[0].skipped + 3
    rows = predictions(lake)
    assert len(rows) == 5 and len({d for d, _ in rows}) == 5
    assert {r for _, r in rows} == {"killed", "resumed"}  # each row names the run that scored it
    assert PredictionShards(lake, "m1").pending() == []


def test_finished_output_without_its_marker_is_still_not_rescored(lake):
    run_once(lake, "killed", shards_to_score=1, load=False)
    shards = PredictionShards(lake, "m1")
    for marker, _ in shards.completions():  # died between the output and its marker
        marker.unlink()
    plan, _ = run_once(lake, "next", load=False)
    assert plan.shards_resumed == 0 and plan.documents_to_score == 2  # doc-level skip held


def test_a_rewritten_lake_shard_invalidates_its_marker(lake):
    run_once(lake, "first", shards_to_score=1, load=False)
    shards = PredictionShards(lake, "m1")
    [(_, completion)] = shards.completions()
    assert shards.is_valid(completion)
    lake_shard = lake.root / completion.lake_shard
    os.utime(lake_shard, ns=(1, 1))
    assert not shards.is_valid(completion)


def test_partly_scored_shard_scores_only_the_rest(lake):
    run_once(lake, "run-1")
    with duckdb.connect(str(lake.warehouse)) as con:  # forget two predictions of source a
        con.execute(
            "delete from predictions where doc_id in (select doc_id from documents"
            " where text in ('dull', 'a great film'))"
        )
    plan, results = run_once(lake, "run-2")
    assert [(len(w.skip_ids), w.documents) for w in plan.work] == [(1, 3)]
    assert [r.scored for r in results] == [2] and len(predictions(lake)) == 5


def test_one_model_load_serves_every_shard(lake):
    model_cache.clear()
    before = model_cache.loads
    run_once(lake, "run-1")
    assert model_cache.loads - before == 1


def test_bad_input_is_a_one_line_user_error(home):
    with pytest.raises(UserError, match="lake .* is empty"):
        plan_scoring(home, "m1")
    add_shard(home, "a", ["x"])
    with pytest.raises(UserError, match="no documents for source.*nope"):
        plan_scoring(home, "m1", ["nope"])
    (home.source_documents("empty")).mkdir(parents=True)  # a source folder with no shards
    with pytest.raises(UserError, match="no documents for source.*empty"):
        plan_scoring(home, "m1", ["empty"])
