"""Prefect tasks for ingest: plan the inputs, ingest each unit on the chosen runner, summarise.

Input problems (missing file, unknown format, text column not found...) come back as
failures in the data, never as task failures, so Prefect prints no traceback for a user
mistake and the other inputs still go ahead. Unexpected I/O errors are retried (the ingest
is idempotent and resumable) and, if they persist, reported as that unit's failure.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.ingest.inputs import IngestUnit, InputPlan, plan_inputs
from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit
from sentiflow.tasks.ingest.summary import IngestSummary, artifact_rows


@task(name="plan-ingest-inputs", cache_policy=NONE)
def plan_inputs_task(inputs: list[str], source: str | None, fmt: str | None) -> InputPlan:
    """Expand files, folders and `demo` into units; unusable inputs become failures."""
    plan = plan_inputs(inputs, source, fmt)
    if plan.ignored:
        get_run_logger().warning(
            f"skipped {len(plan.ignored)} file(s) with no supported extension, e.g. {plan.ignored[0]}"
        )
    return plan


@task(name="ingest-file", task_run_name="ingest-{unit.source}-{unit.name}", cache_policy=NONE, **IO_RETRIES)
def ingest_unit_task(unit: IngestUnit, home: str, options: IngestOptions) -> dict[str, Any]:
    """Ingest one file (or folder of .txt files); a user-fixable problem is returned as data."""
    try:
        result = ingest_unit(unit, Home.at(home), options).to_dict()
    except UserError as exc:
        get_run_logger().error(str(exc))
        return {"input": unit.input, "source": unit.source, "name": unit.name, "error": str(exc)}
    get_run_logger().info(
        f"{unit.name} -> source {unit.source}: {result['status']}, read {result['read']:,}, "
        f"written {result['written']:,}, quarantined {result['quarantined']:,}, "
        f"already ingested {result['already_ingested']:,} ({result['mb_per_s']} MB/s)"
    )
    return result


def ingest_units(
    units: list[IngestUnit], home: str, options: IngestOptions, runner: str, dask_address: str | None
) -> list[dict[str, Any]]:
    """Run ingest_unit_task for every unit on the chosen task runner; failures come back as data.

    The runner is entered here rather than fixed on the flow, so `runner` stays a flow
    parameter that each run (or deployment) chooses.
    """
    from sentiflow.tasks.core.runners import make_task_runner

    if not units:
        return []
    workers = max(1, min(len(units), 2))
    with make_task_runner(runner, dask_address, workers) as task_runner:
        futures = [task_runner.submit(ingest_unit_task, {"unit": u, "home": home, "options": options}) for u in units]
        for future in futures:
            future.wait()
    results = []
    for unit, future in zip(units, futures):
        if future.state.is_completed():
            results.append(future.result())
        else:
            message = " ".join(str(future.state.message or future.state.name).split())
            results.append({"input": unit.input, "source": unit.source, "name": unit.name, "error": message})
    return results


@task(name="ingest-summary-artifact", cache_policy=NONE)
def summary_artifact_task(summary: IngestSummary) -> None:
    """The per-source table as a Prefect artifact (key: ingest-summary)."""
    create_table_artifact(key="ingest-summary", table=artifact_rows(summary), description="sentiflow ingest")
