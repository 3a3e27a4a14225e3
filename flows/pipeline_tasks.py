"""Prefect tasks the orchestration flows (run, nightly, retrain, rescore) share.

Small wrappers: I/O in, a pure call, a summary back. Warehouse writes are retried (DuckDB
allows one writer; a concurrent load can hold the lock past connect_rw's own wait).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from sentiflow.flows.production import ProductionDecision, choose_production
from sentiflow.flows.run_config import RunPlan, plan_run
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES


@task(name="plan-run", cache_policy=NONE)
def plan_run_task(
    home: str, profile: str, sources: list[str] | None, sources_file: str | None, runner: str, dask_address: str | None
) -> RunPlan:
    """Validate the parameters and list what will be ingested."""
    plan = plan_run(home, profile, sources, sources_file, runner, dask_address)
    Home.at(plan.home).root.mkdir(parents=True, exist_ok=True)
    get_run_logger().info(f"sources {', '.join(plan.source_names)}; {len(plan.ingest_jobs)} ingest job(s)")
    return plan


@task(name="choose-production", cache_policy=NONE, **IO_RETRIES)
def choose_production_task(home: str, finetuned_id: str, compressed_id: str | None) -> ProductionDecision:
    """Which model serves: the compressed choice or the fine-tune, if it beats production."""
    decision = choose_production(Home.at(home), finetuned_id, compressed_id)
    get_run_logger().info(
        ("promoted " if decision.changed else "production unchanged: ") + f"{decision.production_id}: {decision.reason}"
    )
    return decision


@task(name="record-run", cache_policy=NONE, **IO_RETRIES)
def record_run_task(
    home: str, flow: str, parameters: dict[str, Any], started_at: datetime, status: str, counts: dict[str, Any]
) -> str:
    """One row in the warehouse's `runs` table for this orchestration run; returns its id."""
    from prefect.runtime import flow_run

    from sentiflow.tasks.warehouse.runs import RunRecord, new_run_id, record_run

    run_id = str(flow_run.id) if flow_run.id else new_run_id(flow)
    run = RunRecord(run_id=run_id, flow=flow, parameters=parameters, started_at=started_at)
    record_run(Home.at(home), run.finish(status, counts))
    return run_id


@task(name="summary-artifact", cache_policy=NONE)
def summary_artifact_task(key: str, markdown: str, description: str) -> None:
    """A markdown artifact; its `key` keeps one history across runs."""
    create_markdown_artifact(key=key, markdown=markdown, description=description)
