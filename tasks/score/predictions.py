"""The prediction record: one schema for prediction shards and the `predictions` table.

Sentiment models have the classes negative/positive or negative/neutral/positive (in any class
order, any letter case). Each class gets a fixed probability column, so SQL never has to
unpack a list; a column is null where the model lacks the class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pyarrow as pa

from sentiflow.tasks.core.errors import UserError

SENTIMENT_LABELS = ("negative", "neutral", "positive")

PREDICTION_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("model_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("confidence", pa.float64(), nullable=False),
        pa.field("p_negative", pa.float64()),
        pa.field("p_neutral", pa.float64()),
        pa.field("p_positive", pa.float64()),
        pa.field("polarity", pa.float64(), nullable=False),  # p_positive - p_negative
        pa.field("scored_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
PREDICTION_COLUMNS = PREDICTION_SCHEMA.names


def sentiment_labels(labels: Sequence[str], model_id: str) -> list[str]:
    """The model's class names, lower-cased, checked to be a sentiment label set."""
    names = [str(label).strip().lower() for label in labels]
    unknown = [n for n in names if n not in SENTIMENT_LABELS]
    if unknown or len(set(names)) != len(names) or not {"negative", "positive"} <= set(names):
        raise UserError(
            f"model {model_id!r} has classes {list(labels)}; scoring needs sentiment classes "
            "negative and positive (and optionally neutral): retrain with mapped labels"
        )
    return names


def predictions_table(
    doc_ids: Sequence[str],
    probabilities: np.ndarray,
    labels: Sequence[str],
    model_id: str,
    run_id: str,
    scored_at: datetime,
) -> pa.Table:
    """Rows of PREDICTION_SCHEMA from calibrated probabilities (shape: docs x classes)."""
    names = sentiment_labels(labels, model_id)
    n = len(doc_ids)
    if probabilities.shape != (n, len(names)):
        raise ValueError(f"probabilities have shape {probabilities.shape}, want ({n}, {len(names)})")
    # float64 rounding can put a probability a hair outside [0, 1]; the table checks the range
    probs = np.clip(probabilities.astype(np.float64), 0.0, 1.0)
    best = probs.argmax(axis=1) if n else np.zeros(0, dtype=np.int64)
    column = {name: probs[:, i] for i, name in enumerate(names)}
    polarity = np.clip(column["positive"] - column["negative"], -1.0, 1.0)
    null_column = pa.nulls(n, pa.float64())
    return pa.table(
        {
            "doc_id": pa.array(doc_ids, pa.string()),
            "model_id": pa.array([model_id] * n, pa.string()),
            "run_id": pa.array([run_id] * n, pa.string()),
            "label": pa.array([names[i] for i in best], pa.string()),
            "confidence": pa.array(probs[np.arange(n), best] if n else [], pa.float64()),
            **{f"p_{name}": pa.array(column[name]) if name in column else null_column for name in SENTIMENT_LABELS},
            "polarity": pa.array(polarity, pa.float64()),
            "scored_at": pa.array([scored_at] * n, pa.timestamp("us", tz="UTC")),
        },
        schema=PREDICTION_SCHEMA,
    )
