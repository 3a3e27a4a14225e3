"""Tiny lakes, models and warehouses for the score and warehouse tests."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from sentiflow.tasks.core import lake
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA, make_doc_id
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse import registry

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def docs_table(
    source: str, texts: list[str], created_at: list[datetime | None] | None = None, origin: str = "f.txt"
) -> pa.Table:
    created_at = created_at or [None] * len(texts)
    rows = [
        {
            "doc_id": make_doc_id(source, f"{origin}:{i}", t),
            "text": t,
            "label": None,
            "label_confidence": None,
            "source": source,
            "split": None,
            "created_at": c,
            "ingested_at": NOW,
            "origin": f"{origin}:{i}",
        }
        for i, (t, c) in enumerate(zip(texts, created_at), start=1)
    ]
    return pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def add_shard(home: Home, source: str, texts: list[str], name: str = "part-0.parquet", **kw) -> Path:
    """One lake shard of `texts` (origins unique per shard name)."""
    return lake.write_documents_shard(home, docs_table(source, texts, origin=name, **kw), name)


def register_model(
    home: Home,
    model_id: str,
    template: Path | None = None,
    labels: tuple[str, ...] = ("negative", "positive"),
    temperature: float = 1.0,
    stage: str | None = None,
) -> ModelRecord:
    """Register a model; its files are a copy of `template` (a tiny BERT) when given."""
    folder = home.model(model_id)
    if template is not None:
        shutil.copytree(template, folder)
    else:
        folder.mkdir(parents=True)
        (folder / "weights.bin").write_bytes(b"x")
    record = registry.register(
        home,
        ModelRecord(
            model_id=model_id,
            base_model="tiny-bert",
            kind="finetuned",
            format="torch",
            labels=list(labels),
            path=f"models/{model_id}",
            temperature=temperature,
        ),
    )
    if stage == "production":
        registry.promote(home, model_id)
    return record
