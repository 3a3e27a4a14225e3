"""The monitor flow: drift and estimated accuracy of scored batches against the model's reference.

Runs after every scoring load (score, nightly, run, rescore pass the run they scored) and on
its own (`sentiflow monitor`: each source's latest batch). Measures go to the warehouse's
`drift_metrics` table; each drifted batch emits a `sentiflow.drift.detected` event.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import flow

from sentiflow.tasks.monitor.check import MIN_BATCH
from sentiflow.tasks.monitor.prefect_tasks import (
    batches_task,
    emit_drift_events_task,
    measure_task,
    reference_task,
    resolve_model_task,
    store_reference_task,
    store_task,
)
from sentiflow.tasks.monitor.reference import DEFAULT_MAX_ROWS, ReferenceConfig
from sentiflow.tasks.monitor.service import verdicts
from sentiflow.tasks.monitor.summary import MonitorSummary


@flow(name="monitor", flow_run_name="monitor-{model}")
def monitor_flow(
    home: str,
    model: str = "production",
    run_id: str | None = None,
    sources: list[str] | None = None,
    min_batch: int = MIN_BATCH,
    reference_split: str = "test",
    reference_dataset: str | None = None,
    reference_rows: int = DEFAULT_MAX_ROWS,
) -> dict[str, Any]:
    """Measure the batches scoring run `run_id` loaded (default: each source's latest batch)
    against `model`'s reference, store the measures and emit an event per drifted batch.
    Returns a MonitorSummary's JSON form."""
    start = time.monotonic()
    config = ReferenceConfig(reference_split, reference_dataset, reference_rows).check()
    record = resolve_model_task(home, model)
    keys = batches_task(home, record.model_id, run_id, sources)
    reference, built, missing = reference_task(home, record, config) if keys else (None, False, None)
    rows = measure_task(home, record, keys, reference, min_batch) if reference is not None else []
    written = store_task(home, rows)
    found = verdicts(rows)
    summary = MonitorSummary(
        model_id=record.model_id,
        reference_rows=0 if reference is None else len(reference),
        reference_built=built,
        not_monitored=missing,
        batches=found,
        rows_written=written,
        events_emitted=emit_drift_events_task(found),
        seconds=round(time.monotonic() - start, 2),
    )
    return summary.to_json()


def monitor_stage(stages: Any, home: str, scored: Any) -> MonitorSummary | None:
    """The `monitor` stage of an orchestration flow (flows/stages.py's Stages): the batches its
    score stage loaded. Skipped when scoring failed or loaded nothing new."""
    if scored is None or not scored.predictions_loaded and not scored.documents_scored:
        return None
    return stages.run("monitor", monitor_flow, MonitorSummary, home=home, model=scored.model_id, run_id=scored.run_id)


def store_reference_on_promotion(stages: Any, home: str) -> None:
    """After a retrain stage promoted a model (its `production` decision changed), store that
    model's monitoring reference now, while its dataset is at hand."""
    from sentiflow.flows.production import ProductionDecision

    decision = stages.get("production", ProductionDecision)
    if decision is not None and decision.changed and decision.production_id:
        store_reference_task(home, decision.production_id)
