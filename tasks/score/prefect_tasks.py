"""Prefect tasks around the pure scoring modules: inputs in, pure call, summary back.

Shard scoring fans out over the task runner the flow picked (threads here, Dask on a cluster);
the plan (read-only) and the load (the one writer) run once, in the flow's process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE
from prefect.runtime import flow_run

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.core.settings import Settings
from sentiflow.tasks.models.loading import check_model_files
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.score.load import LoadSummary, load_scoring_results
from sentiflow.tasks.score.plan import ScoringPlan, ShardFailure, ShardWork, plan_scoring
from sentiflow.tasks.score.predictions import sentiment_labels
from sentiflow.tasks.score.scorer import ShardResult, score_shard
from sentiflow.tasks.score.summary import ScoreSummary, worker_layout
from sentiflow.tasks.warehouse.registry import get_model
from sentiflow.tasks.warehouse.runs import RunRecord, new_run_id, record_run


def current_run(flow: str, parameters: dict[str, Any]) -> RunRecord:
    """This flow run as a RunRecord: Prefect's flow run id, or a fresh id outside Prefect."""
    return RunRecord(run_id=flow_run.id or new_run_id(flow), flow=flow, parameters=parameters)


@task(name="resolve-model", cache_policy=NONE, **IO_RETRIES)
def resolve_model_task(home: str, model: str) -> ModelRecord:
    """The registry record for a model id or 'production', checked to be a sentiment model."""
    record = get_model(Home.at(home), model)
    sentiment_labels(record.labels, record.model_id)
    check_model_files(Home.at(home).root / record.path)
    return record


@task(name="plan-scoring", cache_policy=NONE, **IO_RETRIES)
def plan_scoring_task(home: str, model_id: str, sources: list[str] | None) -> ScoringPlan:
    """Which lake shards (and documents) the model has not scored yet."""
    plan = plan_scoring(Home.at(home), model_id, sources, Settings().query_wait_seconds)
    get_run_logger().info(
        f"{plan.documents_seen:,} documents in {plan.shards_seen} shards: "
        f"{plan.documents_skipped:,} already scored, {plan.documents_to_score:,} to score "
        f"in {len(plan.work)} shards"
    )
    return plan


@task(
    name="score-shard",
    task_run_name="score-{work.name}",
    cache_policy=NONE,
    **IO_RETRIES,
)
def score_shard_task(
    home: str,
    model_id: str,
    model_dir: str,
    work: ShardWork,
    run_id: str,
    batch_size: int,
    threads: int | None,
) -> ShardResult:
    """Score one lake shard's new documents into a pending prediction shard."""
    result = score_shard(Home.at(home), model_id, Path(model_dir), work, run_id, batch_size, threads)
    rate = result.scored / result.seconds if result.seconds > 0 else 0.0
    get_run_logger().info(
        f"{work.name}: scored {result.scored:,}, skipped {result.skipped:,} "
        f"in {result.seconds:.1f}s ({rate:,.0f} docs/s)"
    )
    return result


def score_all_shards(
    home: str,
    record: ModelRecord,
    plan: ScoringPlan,
    run_id: str,
    batch_size: int,
    runner: str,
    dask_address: str | None,
) -> tuple[list[ShardResult], list[ShardFailure]]:
    """Map score_shard_task over the plan's shards on the chosen task runner.

    The runner is entered here, not fixed on the flow, so `runner` can stay a flow parameter
    (deployments choose it per run). A failed shard is returned as data, with those the plan
    could not read; the rest still load.
    """
    from sentiflow.tasks.core.runners import make_task_runner

    if not plan.work:
        return [], list(plan.failures)
    workers, threads = worker_layout(len(plan.work), threads_setting=Settings().score_threads)
    remote = runner == "dask" and dask_address is not None
    model_dir = str(Home.at(home).root / record.path)
    with make_task_runner(runner, dask_address, workers) as task_runner:
        futures = [
            task_runner.submit(
                score_shard_task,
                {
                    "home": home,
                    "model_id": record.model_id,
                    "model_dir": model_dir,
                    "work": work,
                    "run_id": run_id,
                    "batch_size": batch_size,
                    "threads": None if remote else threads,
                },
            )
            for work in plan.work
        ]
        for future in futures:
            future.wait()
    results, failures = [], list(plan.failures)
    for work, future in zip(plan.work, futures):
        if future.state.is_completed():
            results.append(future.result())
        else:
            message = " ".join(str(future.state.message or future.state.name).split())
            failures.append(ShardFailure(work.lake_shard, message))
    return results, failures


@task(name="load-warehouse", cache_policy=NONE, **IO_RETRIES)
def load_task(home: str, model_id: str, run: RunRecord, document_shards: list[str]) -> LoadSummary:
    """The one write: pending predictions and new documents into DuckDB, and the run."""
    load = load_scoring_results(Home.at(home), model_id, run, document_shards)
    get_run_logger().info(
        f"loaded {load.predictions_inserted:,} new predictions and {load.documents_inserted:,} "
        f"documents; write lock held {load.lock_held_seconds:.2f}s"
    )
    return load


@task(name="scoring-summary", cache_policy=NONE)
def summary_artifact_task(summary: ScoreSummary) -> None:
    """The run's summary as a Prefect table artifact (key: scoring-summary)."""
    rows = [{"metric": k, "value": str(v)} for k, v in summary.to_json().items() if k != "failures"]
    rows += [{"metric": f"failed {f.lake_shard}", "value": f.error} for f in summary.failures]
    create_table_artifact(key="scoring-summary", table=rows, description="sentiflow score")


def record_failed_run(flow, flow_run_obj, state) -> None:
    """on_failure hook: a score run that crashed still gets its row in `runs`."""
    home = Home.at(flow_run_obj.parameters["home"])
    if not home.warehouse.parent.exists():
        return
    run = RunRecord(run_id=str(flow_run_obj.id), flow="score", parameters=dict(flow_run_obj.parameters))
    run.started_at = flow_run_obj.start_time or run.started_at
    record_run(home, run.finish("failed", {"error": " ".join(str(state.message).split())[:500]}))
