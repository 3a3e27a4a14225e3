"""Prefect tasks around the pure monitoring modules, and the drift event.

A drifted batch emits `sentiflow.drift.detected` (DRIFT_EVENT) with the source and the model as
its resource; deploy/automations.yaml turns that event into a run of the retrain deployment.
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.monitor import batches, service, store
from sentiflow.tasks.monitor.check import MIN_BATCH, MetricRow
from sentiflow.tasks.monitor.reference import ReferenceConfig, build_reference, load_reference
from sentiflow.tasks.monitor.summary import BatchVerdict
from sentiflow.tasks.warehouse.registry import get_model

DRIFT_EVENT = "sentiflow.drift.detected"


@task(name="resolve-monitored-model", cache_policy=NONE, **IO_RETRIES)
def resolve_model_task(home: str, model: str) -> ModelRecord:
    return get_model(Home.at(home), model)


@task(name="monitor-reference", cache_policy=NONE)
def reference_task(home: str, record: ModelRecord, config: ReferenceConfig) -> tuple[object, bool, str | None]:
    """(reference frame, built now, why there is none). The stored reference, else built and
    stored first; a model without a dataset to build one from is not monitored (the reason
    says why) rather than failing the scoring run around it."""
    stored = load_reference(Home.at(home), record)
    if stored is not None:
        return stored, False, None
    logger = get_run_logger()
    logger.info(f"{record.model_id} has no monitoring reference yet: building it from its {config.split} split")
    try:
        return build_reference(Home.at(home), record, config), True, None
    except UserError as exc:
        logger.warning(f"not monitored: {exc}")
        return None, False, str(exc)


@task(name="monitored-batches", cache_policy=NONE, **IO_RETRIES)
def batches_task(home: str, model_id: str, run_id: str | None, sources: list[str] | None) -> list[batches.BatchKey]:
    """The batches one scoring run loaded (`run_id`), or each source's latest."""
    if run_id:
        keys = batches.run_batches(Home.at(home), model_id, run_id)
        return [k for k in keys if not sources or k.source in sources]
    return batches.latest_batches(Home.at(home), model_id, sources)


@task(name="measure-batches", cache_policy=NONE)
def measure_task(
    home: str, record: ModelRecord, keys: list[batches.BatchKey], reference: object, min_batch: int = MIN_BATCH
) -> list[MetricRow]:
    return service.measure_batches(Home.at(home), record, keys, reference, min_batch)


@task(name="store-drift-metrics", cache_policy=NONE, **IO_RETRIES)
def store_task(home: str, rows: list[MetricRow]) -> int:
    return store.store_rows(Home.at(home), rows)


@task(name="emit-drift-events", cache_policy=NONE)
def emit_drift_events_task(found: list[BatchVerdict]) -> int:
    """One `sentiflow.drift.detected` event per drifted batch; returns how many were emitted."""
    from prefect.events import emit_event

    logger, emitted = get_run_logger(), 0
    for batch in found:
        if batch.status != "drifted":
            continue
        logger.warning(
            f"drift in {batch.source} (run {batch.run_id}, model {batch.model_id}): {', '.join(batch.drifted_metrics)}"
        )
        event = emit_event(
            event=DRIFT_EVENT,
            resource={
                "prefect.resource.id": f"sentiflow.source.{batch.source}",
                "prefect.resource.name": batch.source,
                "sentiflow.source": batch.source,
                "sentiflow.model": batch.model_id,
            },
            related=[
                {"prefect.resource.id": f"sentiflow.model.{batch.model_id}", "prefect.resource.role": "model"},
            ],
            payload={
                "run_id": batch.run_id,
                "metrics": batch.drifted_metrics,
                "n_current": batch.n_current,
                "estimated_accuracy": batch.estimated_accuracy,
            },
        )
        emitted += event is not None
    return emitted


@task(name="store-monitor-reference", cache_policy=NONE)
def store_reference_task(home: str, model_id: str) -> int | None:
    """Build and store a newly promoted model's reference; rows stored, or None (logged) when
    its dataset cannot give one: the promotion stands, monitoring will say why it has none."""
    record = get_model(Home.at(home), model_id)
    try:
        return len(build_reference(Home.at(home), record, ReferenceConfig()))
    except UserError as exc:
        get_run_logger().warning(f"no monitoring reference for {model_id}: {exc}")
        return None
