"""The score flow: lake documents -> predictions of one model -> DuckDB, incrementally."""

from __future__ import annotations

import time
from typing import Any

from prefect import flow

from sentiflow.tasks.score.prefect_tasks import (
    current_run,
    load_task,
    plan_scoring_task,
    record_failed_run,
    resolve_model_task,
    score_all_shards,
    summary_artifact_task,
)
from sentiflow.tasks.score.summary import build_summary, run_status, scoring_counts


@flow(name="score", flow_run_name="score-{model}", on_failure=[record_failed_run])
def score_flow(
    home: str,
    model: str = "production",
    sources: list[str] | None = None,
    batch_size: int = 64,
    runner: str = "threads",
    dask_address: str | None = None,
    monitor: bool = True,
) -> dict[str, Any]:
    """Score the documents `model` has not scored yet (all sources, or `sources`), write the
    predictions as Parquet shards, then load them into DuckDB in one short transaction; then
    monitor the loaded batches for drift (`monitor`; the orchestration flows run that as a stage
    of their own instead). Returns a ScoreSummary's JSON form."""
    start = time.monotonic()
    run = current_run(
        "score",
        {"model": model, "sources": sources, "batch_size": batch_size, "runner": runner, "dask_address": dask_address},
    )
    record = resolve_model_task(home, model)
    plan = plan_scoring_task(home, record.model_id, sources)
    results, failures = score_all_shards(home, record, plan, run.run_id, batch_size, runner, dask_address)
    counts = scoring_counts(plan, results, failures)
    run.finish(run_status(results, failures), counts)
    load = load_task(home, record.model_id, run, plan.loadable_shards(failures))
    summary = build_summary(run.run_id, run.status, record.model_id, counts, failures, load, time.monotonic() - start)
    summary_artifact_task(summary)
    if monitor and load.predictions_staged:
        monitor_after_load(home, record.model_id, run.run_id)
    return summary.to_json()


def monitor_after_load(home: str, model_id: str, run_id: str) -> None:
    """The monitor flow on this run's batches; its failure is logged, never the scoring run's."""
    from prefect import get_run_logger

    from sentiflow.flows.monitor import monitor_flow

    state = monitor_flow(home=home, model=model_id, run_id=run_id, return_state=True)
    if not state.is_completed():
        get_run_logger().warning(f"monitoring run {run_id} failed: {' '.join(str(state.message).split())[:300]}")
