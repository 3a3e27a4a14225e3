"""The model record: what a model folder says about itself, in `sentiflow.json` beside its files.

The file travels with the folder (a copied model still describes itself); the warehouse's
`models` table (tasks/warehouse/registry.py) mirrors it for listing, promotion and scoring.

What a model needs to score correctly lives in this file, beside its weights: its labels, its
calibration temperature and the text preprocessing it was trained with. The table does not hold
the preprocessing, so a record read from the table has none: load models from their folders.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import write_json
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.preprocessing import Preprocessing

META_FILE = "sentiflow.json"
PARENT_ON_SAME_ROWS = "parent"  # metrics key: a compressed model's parent, measured on its rows
STAGES = ("candidate", "production", "archived")


@dataclass
class ModelRecord:
    """What the registry knows about one model."""

    model_id: str
    base_model: str
    kind: str  # finetuned | quantized | pruned | distilled | ...
    format: str  # torch | onnx
    labels: list[str]
    path: str  # relative to the home folder
    parent_id: str | None = None
    dataset_version: str | None = None
    temperature: float = 1.0
    metrics: dict[str, Any] = field(default_factory=dict)
    size_bytes: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    stage: str = "candidate"
    # applied to every text the model scores, like the temperature to its logits; None = raw
    # text (a model trained on raw text, or a folder written before preprocessing was recorded)
    preprocessing: Preprocessing | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["preprocessing"] = self.preprocessing.to_json() if self.preprocessing else None
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ModelRecord:
        d = dict(d)
        d["created_at"] = datetime.fromisoformat(d["created_at"])
        if d.get("preprocessing") is not None:
            d["preprocessing"] = Preprocessing.from_json(d["preprocessing"])
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def parent_metrics_beside(child_metrics: dict[str, Any], parent_metrics: dict[str, Any]) -> dict[str, Any]:
    """The parent's metrics to show beside a child model's.

    A compressed model stores its parent measured on its own rows (PARENT_ON_SAME_ROWS); those
    compare like with like, so they replace the parent's own split figures where present.
    """
    same_rows = child_metrics.get(PARENT_ON_SAME_ROWS) if isinstance(child_metrics, dict) else None
    return {**parent_metrics, **same_rows} if isinstance(same_rows, dict) else parent_metrics


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def read_meta(model_dir: Path) -> ModelRecord:
    """The record stored beside a model's files."""
    meta = model_dir / META_FILE
    if not meta.is_file():
        raise UserError(f"{model_dir} is not a sentiflow model folder (no {META_FILE})")
    return ModelRecord.from_json(json.loads(meta.read_text(encoding="utf-8")))


def write_meta(model_dir: Path, record: ModelRecord) -> None:
    """Write the record beside the model's files (atomically)."""
    write_json(record.to_json(), model_dir / META_FILE)
