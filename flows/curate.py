"""The curate flow: lake documents -> a versioned dataset with splits, removals and a report."""

from __future__ import annotations

from typing import Any

from prefect import flow

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.curate.config import load_config
from sentiflow.tasks.curate.prefect_tasks import (
    artifact_task,
    curate_task,
    plan_task,
    read_lake_task,
    reuse_task,
    warehouse_task,
)
from sentiflow.tasks.curate.service import check_request
from sentiflow.tasks.curate.summary import CurationSummary


def _run_name() -> str:
    """'curate-NAME', 'curate-demo_sst2' (sources), or 'curate-all'."""
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"curate-{params.get('name') or '_'.join(params.get('sources') or []) or 'all'}"


@flow(name="curate", flow_run_name=_run_name)
def curate_flow(
    home: str,
    sources: list[str] | None = None,
    name: str | None = None,
    config_path: str | None = None,
) -> dict[str, Any]:
    """Curate the lake's documents (all sources by default) into datasets/VERSION; returns the
    summary (a CurationSummary's JSON form).

    VERSION hashes the inputs and the configuration: a rerun on the same inputs reuses the
    finished version instead of recomputing it (`reused: true`).
    """
    config = load_config(config_path)
    chosen = check_request(Home.at(home), sources, name)
    table = read_lake_task(home, chosen)
    plan = plan_task(home, table, chosen, name, config)
    report = reuse_task(plan) if plan.reuse else curate_task(plan, table)
    warehouse_rows = warehouse_task(home, report)
    artifact_task(report)
    return CurationSummary.of(report, plan.reuse, warehouse_rows).to_json()
