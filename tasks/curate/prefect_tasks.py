"""Prefect tasks for curation: read the lake, plan the version, curate or reuse, write, load, report.

I/O tasks retry (`IO_RETRIES`, tasks/core/retry.py); writing a version is idempotent, so a
retry rewrites the same files. The pure curation runs once: a failure there is a bug, not a
flaky disk.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.curate import service
from sentiflow.tasks.curate.config import CurationConfig
from sentiflow.tasks.curate.report import render_markdown
from sentiflow.tasks.curate.warehouse import load_curation_stats


@task(name="read-lake", cache_policy=NONE, **IO_RETRIES)
def read_lake_task(home: str, sources: list[str]) -> pa.Table:
    """The chosen sources' documents from the lake."""
    table = service.read_inputs(Home.at(home), sources)
    get_run_logger().info(f"read {table.num_rows:,} documents from {', '.join(sources)}")
    return table


@task(name="plan-curation", cache_policy=NONE)
def plan_task(
    home: str, table: pa.Table, sources: list[str], name: str | None, config: CurationConfig
) -> service.CurationPlan:
    """Name the version from the inputs and config; decide whether a finished one is reused."""
    plan = service.plan_curation(Home.at(home), table, sources, name, config)
    get_run_logger().info(f"dataset {plan.version}: " + ("finished earlier, reusing it" if plan.reuse else "curating"))
    return plan


@task(name="curate-and-write", cache_policy=NONE, **IO_RETRIES)
def curate_task(plan: service.CurationPlan, table: pa.Table) -> dict[str, Any]:
    """Run every step, write the splits, removals and report; returns the report."""
    report = service.run_curation(plan, table)
    logger = get_run_logger()
    for step in report["steps"]:
        removed = ", ".join(f"{r} {n:,}" for r, n in step["removed"].items()) or "nothing"
        logger.info(f"{step['name']}: {step['rows_in']:,} in, {step['kept']:,} kept, removed {removed}")
    return report


@task(name="reuse-dataset", cache_policy=NONE, **IO_RETRIES)
def reuse_task(plan: service.CurationPlan) -> dict[str, Any]:
    """The finished version's report."""
    return service.reuse_curation(plan)


@task(name="load-curation-stats", cache_policy=NONE, **IO_RETRIES)
def warehouse_task(home: str, report: dict[str, Any]) -> int | None:
    """Load the report into curation_stats when the home has a warehouse (rows, or None)."""
    h = Home.at(home)
    if not h.warehouse.exists():
        get_run_logger().info("no warehouse yet: curation_stats is loaded once one exists")
        return None
    rows = load_curation_stats(h, report)
    get_run_logger().info(f"curation_stats: {rows} rows for {report['version']}")
    return rows


@task(name="curation-report-artifact", cache_policy=NONE)
def artifact_task(report: dict[str, Any]) -> None:
    """The report as a Markdown artifact keyed `curation-report`."""
    create_markdown_artifact(
        key="curation-report",
        markdown=render_markdown(report),
        description=f"Curation report of dataset {report['version']}",
    )
