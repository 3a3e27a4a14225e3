"""The ingest flow: files, folders and the demo corpus -> the Parquet lake, one task per file."""

from __future__ import annotations

import time
from typing import Any

from prefect import flow

from sentiflow.tasks.core.settings import Settings
from sentiflow.tasks.ingest.columns import ColumnSpec
from sentiflow.tasks.ingest.prefect_tasks import ingest_units, plan_inputs_task, summary_artifact_task
from sentiflow.tasks.ingest.service import IngestOptions
from sentiflow.tasks.ingest.summary import build_summary


def _run_name() -> str:
    """'ingest-demo', 'ingest-reviews.csv', 'ingest-3-inputs', or 'ingest-SOURCE' with --source."""
    from prefect.runtime import flow_run

    params = flow_run.parameters
    inputs = params.get("inputs") or []
    what = params.get("source") or (
        inputs[0].rstrip("/").rsplit("/", 1)[-1] if len(inputs) == 1 else f"{len(inputs)}-inputs"
    )
    return f"ingest-{what}"


@flow(name="ingest", flow_run_name=_run_name)
def ingest_flow(
    inputs: list[str],
    home: str,
    source: str | None = None,
    split: str | None = None,
    fmt: str | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    confidence_column: str | None = None,
    date_column: str | None = None,
    runner: str = "threads",
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Ingest each input (a file, a folder, or `demo`) into HOME's lake; returns the summary
    (an IngestSummary's JSON form).

    Idempotent: a file ingested before adds nothing, a grown file only its new rows. Inputs
    that cannot be ingested are listed under `failures`; the others are still ingested.
    """
    start = time.monotonic()
    columns = ColumnSpec(text_column, label_column, confidence_column, date_column)
    options = IngestOptions.from_settings(Settings(), columns, split)
    plan = plan_inputs_task(inputs, source, fmt)
    results = ingest_units(plan.units, home, options, runner, dask_address)
    summary = build_summary(results, plan.failures, plan.ignored, time.monotonic() - start)
    summary_artifact_task(summary)
    return summary.to_json()
