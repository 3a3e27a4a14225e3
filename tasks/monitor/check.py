"""Every measure of one batch against the model's reference (pure: frames in, rows out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from sentiflow.tasks.monitor import metrics
from sentiflow.tasks.monitor.descriptors import describe

MIN_BATCH = 50  # fewer documents say too little to judge: the batch is marked insufficient
MAX_TEXTS = 2000  # the text measures read a seeded sample of a larger batch (their cost grows with it)
DESCRIPTOR_METRICS = ("text_length", "unknown_word_share", "non_letter_share")
DRIFT_METRICS = ("label_share", "confidence", *DESCRIPTOR_METRICS, "language_share", "domain_classifier")
ESTIMATED_ACCURACY = "estimated_accuracy"
METRICS = (*DRIFT_METRICS, ESTIMATED_ACCURACY)
_DESCRIPTOR_COLUMN = {"text_length": "length"}


@dataclass(frozen=True)
class MetricRow:
    """One row of the drift_metrics table."""

    run_id: str
    model_id: str
    source: str
    metric: str
    value: float | None
    threshold: float | None
    drifted: bool
    n_current: int
    n_reference: int
    computed_at: datetime
    lower: float | None = None
    upper: float | None = None
    insufficient: bool = False
    sampled: int | None = None


def _sample(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    return frame if len(frame) <= n else frame.sample(n=n, random_state=0)


def measure_batch(
    batch: pd.DataFrame,
    reference: pd.DataFrame,
    vocabulary: set[str],
    key: tuple[str, str, str],
    computed_at: datetime,
    min_batch: int = MIN_BATCH,
    max_texts: int = MAX_TEXTS,
) -> list[MetricRow]:
    """Rows for every metric of `batch` (text, label, confidence) against `reference`
    (tasks/monitor/reference.py). `key`: (run_id, model_id, source)."""
    run_id, model_id, source = key
    n, n_ref = len(batch), len(reference)

    def row(metric: str, m: metrics.Measured | None, sampled: int | None = None) -> MetricRow:
        if m is None:  # insufficient: nothing measured, nothing drifted
            return MetricRow(
                run_id, model_id, source, metric, None, None, False, n, n_ref, computed_at, insufficient=True
            )
        return MetricRow(
            run_id,
            model_id,
            source,
            metric,
            m.value,
            m.threshold,
            m.drifted,
            n,
            n_ref,
            computed_at,
            m.lower,
            m.upper,
            sampled=sampled,
        )

    if n < min_batch or n_ref < min_batch:
        return [row(metric, None) for metric in METRICS]
    texts = _sample(batch, max_texts)
    references = _sample(reference, max_texts)
    described = describe(texts["text"].tolist(), vocabulary)
    current = {
        "length": described.length,
        "unknown_word_share": described.unknown_word_share,
        "non_letter_share": described.non_letter_share,
    }
    rows = [
        row("label_share", metrics.categorical_drift(reference["label"].tolist(), batch["label"].tolist())),
        row("confidence", metrics.numeric_drift(reference["confidence"].to_numpy(), batch["confidence"].to_numpy())),
    ]
    for metric in DESCRIPTOR_METRICS:
        column = _DESCRIPTOR_COLUMN.get(metric, metric)
        rows.append(row(metric, metrics.numeric_drift(reference[column].to_numpy(), current[column]), len(texts)))
    rows.append(
        row("language_share", metrics.categorical_drift(reference["language"].tolist(), described.language), len(texts))
    )
    domain = metrics.domain_classifier_drift(references["text"].tolist(), texts["text"].tolist())
    rows.append(row("domain_classifier", domain, len(texts)))
    rows.append(row(ESTIMATED_ACCURACY, metrics.estimated_accuracy(batch["confidence"].to_numpy())))
    return rows
