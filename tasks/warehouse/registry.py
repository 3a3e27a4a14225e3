"""The model registry: the `models` table, plus `sentiflow.json` next to each model's files.

The JSON file travels with the model folder (so a copied model still describes itself); the
table is what `models list`, promotion and scoring read. `register` writes both.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import write_json
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.warehouse.db import connect_ro, connect_rw

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
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    stage: str = "candidate"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ModelRecord":
        d = dict(d)
        d["created_at"] = datetime.fromisoformat(d["created_at"])
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


def register(home: Home, record: ModelRecord) -> ModelRecord:
    """Write sentiflow.json and upsert the `models` row (stage is kept if already set)."""
    model_dir = home.root / record.path
    if record.size_bytes is None:
        record.size_bytes = folder_size(model_dir)
    write_json(record.to_json(), model_dir / META_FILE)
    with connect_rw(home.warehouse) as con:
        con.execute(
            """
            insert into models (model_id, parent_id, base_model, dataset_version, kind, format,
                                labels, temperature, metrics, size_bytes, path, created_at, stage)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (model_id) do update set
                metrics = excluded.metrics, size_bytes = excluded.size_bytes,
                temperature = excluded.temperature
            """,
            [
                record.model_id, record.parent_id, record.base_model, record.dataset_version,
                record.kind, record.format, record.labels, record.temperature,
                json.dumps(record.metrics, default=str), record.size_bytes, record.path,
                record.created_at, record.stage,
            ],
        )
    return record


def _rows_to_records(rows: list[tuple], columns: list[str]) -> list[ModelRecord]:
    records = []
    for row in rows:
        d = dict(zip(columns, row))
        d["metrics"] = json.loads(d["metrics"]) if d["metrics"] else {}
        d["labels"] = list(d["labels"])
        records.append(ModelRecord(**d))
    return records


_COLUMNS = [
    "model_id", "parent_id", "base_model", "dataset_version", "kind", "format", "labels",
    "temperature", "metrics", "size_bytes", "path", "created_at", "stage",
]


def list_models(home: Home, wait_seconds: float = 30.0) -> list[ModelRecord]:
    """All registered models, newest first (empty when no warehouse exists yet)."""
    if not home.warehouse.exists():
        return []
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "models" not in tables:
            return []
        rows = con.execute(
            f"select {', '.join(_COLUMNS)} from models order by created_at desc, model_id"
        ).fetchall()
    return _rows_to_records(rows, _COLUMNS)


def get_model(home: Home, model_id: str) -> ModelRecord:
    """One model by id, or the production model for 'production'."""
    models = list_models(home)
    if model_id == "production":
        prod = [m for m in models if m.stage == "production"]
        if not prod:
            raise UserError(
                "no production model: promote one with `sentiflow models promote MODEL_ID` "
                "(see `sentiflow models list`)"
            )
        return prod[0]
    for m in models:
        if m.model_id == model_id:
            return m
    known = ", ".join(m.model_id for m in models[:5]) or "none registered yet"
    raise UserError(f"model {model_id!r} not found (known: {known}); see `sentiflow models list`")


def production_model(home: Home) -> ModelRecord | None:
    return next((m for m in list_models(home) if m.stage == "production"), None)


def promote(home: Home, model_id: str) -> ModelRecord:
    """Make `model_id` the production model; the previous one is archived."""
    record = get_model(home, model_id)
    with connect_rw(home.warehouse) as con:
        con.execute("begin transaction")
        con.execute("update models set stage = 'archived' where stage = 'production'")
        con.execute("update models set stage = 'production' where model_id = ?", [model_id])
        con.execute("commit")
    record.stage = "production"
    return record
