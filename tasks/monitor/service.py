"""Monitoring as plain Python: the batches of a run (or each source's latest), their measures
against the model's reference, and one verdict per batch. The Prefect tasks wrap these."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.monitor.batches import BatchKey, read_batch
from sentiflow.tasks.monitor.check import ESTIMATED_ACCURACY, MIN_BATCH, MetricRow, measure_batch
from sentiflow.tasks.monitor.descriptors import tokenizer_vocabulary
from sentiflow.tasks.monitor.summary import BatchVerdict


def verdict(rows: list[MetricRow]) -> BatchVerdict:
    """A batch's verdict from its rows: insufficient, drifted (naming the measures) or ok."""
    first = rows[0]
    accuracy = next((r for r in rows if r.metric == ESTIMATED_ACCURACY), None)
    drifted = [r.metric for r in rows if r.drifted]
    status = "insufficient" if first.insufficient else "drifted" if drifted else "ok"
    band = [accuracy.lower, accuracy.upper] if accuracy and accuracy.lower is not None else None
    return BatchVerdict(
        run_id=first.run_id,
        model_id=first.model_id,
        source=first.source,
        n_current=first.n_current,
        status=status,
        drifted_metrics=drifted,
        estimated_accuracy=accuracy.value if accuracy else None,
        accuracy_band=band,
    )


def measure_batches(
    home: Home, record: ModelRecord, keys: list[BatchKey], reference: pd.DataFrame, min_batch: int = MIN_BATCH
) -> list[MetricRow]:
    """Every measure of every batch in `keys`, computed at one time stamp."""
    vocabulary = tokenizer_vocabulary(home.root / record.path)
    now = datetime.now(UTC)
    rows: list[MetricRow] = []
    for key in keys:
        batch = read_batch(home, key)
        rows += measure_batch(batch, reference, vocabulary, (key.run_id, key.model_id, key.source), now, min_batch)
    return rows


def verdicts(rows: list[MetricRow]) -> list[BatchVerdict]:
    """One verdict per batch, in the order the rows name them."""
    batches: dict[tuple[str, str, str], list[MetricRow]] = {}
    for r in rows:
        batches.setdefault((r.run_id, r.model_id, r.source), []).append(r)
    return [verdict(group) for group in batches.values()]
