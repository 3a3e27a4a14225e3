"""The model registry's table side: the `models` table in the warehouse.

Each model folder describes itself in sentiflow.json (tasks/models/record.py); this table is
what `models list`, promotion and scoring read. `register` writes both.
"""

from __future__ import annotations

import json

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord, folder_size, write_meta
from sentiflow.tasks.warehouse.db import connect_ro, connect_rw


def register(home: Home, record: ModelRecord) -> ModelRecord:
    """Write sentiflow.json and upsert the `models` row (stage is kept if already set)."""
    model_dir = home.root / record.path
    if record.size_bytes is None:
        record.size_bytes = folder_size(model_dir)
    write_meta(model_dir, record)
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
                record.model_id,
                record.parent_id,
                record.base_model,
                record.dataset_version,
                record.kind,
                record.format,
                record.labels,
                record.temperature,
                json.dumps(record.metrics, default=str),
                record.size_bytes,
                record.path,
                record.created_at,
                record.stage,
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
    "model_id",
    "parent_id",
    "base_model",
    "dataset_version",
    "kind",
    "format",
    "labels",
    "temperature",
    "metrics",
    "size_bytes",
    "path",
    "created_at",
    "stage",
]


def list_models(home: Home, wait_seconds: float = 30.0) -> list[ModelRecord]:
    """All registered models, newest first (empty when no warehouse exists yet)."""
    if not home.warehouse.exists():
        return []
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "models" not in tables:
            return []
        rows = con.execute(f"select {', '.join(_COLUMNS)} from models order by created_at desc, model_id").fetchall()
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
