"""The reference a production model's batches are compared with, stored beside its weights.

By default: the model's predictions on its dataset's test split (texts, gold labels, calibrated
probabilities) and those texts' descriptors, computed once, when the model is promoted or, for
a model promoted before monitoring existed, on the first monitoring run. It lives in the model
folder (models/ID/monitor/reference.parquet), so it travels and is deleted with the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.atomic import write_parquet
from sentiflow.tasks.core.datasets import SPLITS, load_split
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.monitor.descriptors import describe, tokenizer_vocabulary

REFERENCE_FILE = "monitor/reference.parquet"
DEFAULT_MAX_ROWS = 5000  # a larger test split is sampled (seeded): enough for every measure


@dataclass(frozen=True)
class ReferenceConfig:
    """Which rows make the reference: a split of a dataset version (None: the model's own)."""

    split: str = "test"
    dataset: str | None = None
    max_rows: int = DEFAULT_MAX_ROWS

    def check(self) -> ReferenceConfig:
        if self.split not in SPLITS:
            raise UserError(f"reference split {self.split!r} is not one of {', '.join(SPLITS)}")
        if self.max_rows < 1:
            raise UserError(f"reference rows must be at least 1, not {self.max_rows}")
        return self


def reference_path(home: Home, record: ModelRecord) -> Path:
    return home.root / record.path / REFERENCE_FILE


def load_reference(home: Home, record: ModelRecord) -> pd.DataFrame | None:
    """The stored reference, or None when the model has none yet."""
    path = reference_path(home, record)
    return pq.read_table(path).to_pandas() if path.is_file() else None


def reference_frame(
    texts: list[str], gold: list[str], probabilities: np.ndarray, labels: list[str], vocabulary: set[str]
) -> pd.DataFrame:
    """The reference rows: text, gold label, predicted label and confidence, and descriptors."""
    names = [label.lower() for label in labels]
    described = describe(texts, vocabulary)
    best = probabilities.argmax(axis=1)
    return pd.DataFrame(
        {
            "text": texts,
            "gold": [str(g).lower() for g in gold],
            "label": [names[i] for i in best],
            "confidence": probabilities[np.arange(len(texts)), best],
            "length": described.length,
            "unknown_word_share": described.unknown_word_share,
            "non_letter_share": described.non_letter_share,
            "language": described.language,
        }
    )


def build_reference(home: Home, record: ModelRecord, config: ReferenceConfig = ReferenceConfig()) -> pd.DataFrame:
    """Score the reference rows with the model and store them (atomically) in its folder."""
    from sentiflow.tasks.models.classifier import predict_proba
    from sentiflow.tasks.models.loading import load_classifier

    config.check()
    version = config.dataset or record.dataset_version
    if not version:
        raise UserError(
            f"model {record.model_id} names no dataset version to build its monitoring reference from: "
            "pass --reference-dataset VERSION"
        )
    rows = load_split(home, version, config.split)
    if rows.empty:
        raise UserError(f"dataset {version} has an empty {config.split} split: no monitoring reference for it")
    if len(rows) > config.max_rows:
        rows = rows.sample(n=config.max_rows, random_state=0)
    # the text as ingested: batches are lake text, and the model applies its own preprocessing
    column = "text_original" if "text_original" in rows.columns else "text"
    texts = rows[column].astype(str).tolist()
    model_dir = home.root / record.path
    probabilities = predict_proba(load_classifier(model_dir), texts)
    frame = reference_frame(
        texts, rows["label"].tolist(), probabilities, record.labels, tokenizer_vocabulary(model_dir)
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    source = {"model_id": record.model_id, "dataset_version": version, "split": config.split, "rows": len(frame)}
    table = table.replace_schema_metadata({b"sentiflow.reference": json.dumps(source).encode()})
    path = reference_path(home, record)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(table, path)
    return frame


def ensure_reference(home: Home, record: ModelRecord, config: ReferenceConfig = ReferenceConfig()) -> pd.DataFrame:
    """The stored reference, built first when missing."""
    stored = load_reference(home, record)
    return stored if stored is not None else build_reference(home, record, config)
