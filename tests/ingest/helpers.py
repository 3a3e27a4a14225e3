"""Helpers for ingest tests: write tiny inputs, ingest them through the pure service, read back."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import shard_paths
from sentiflow.tasks.core.schema import QUARANTINE_SCHEMA
from sentiflow.tasks.ingest.columns import ColumnSpec
from sentiflow.tasks.ingest.inputs import plan_inputs
from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit


def write(path: Path, content: str | bytes, gz: bool = False) -> Path:
    """Write `content` (str as UTF-8) to `path`, gzip-compressed when `gz`."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def ingest(
    home: Home,
    *inputs: Path | str,
    source: str | None = None,
    fmt: str | None = None,
    split: str | None = None,
    max_text_chars: int = 100_000,
    shard_rows: int = 200_000,
    **columns: str,
) -> dict[str, Any]:
    """Ingest like the flow does, without Prefect: {'files': [...], 'failures': [...]}."""
    plan = plan_inputs([str(i) for i in inputs], source, fmt)
    options = IngestOptions(ColumnSpec(**columns), split, max_text_chars, shard_rows)
    files, failures = [], list(plan.failures)
    for unit in plan.units:
        try:
            files.append(ingest_unit(unit, home, options).to_dict())
        except Exception as exc:  # UserError: what the Prefect task turns into a failure
            if type(exc).__name__ != "UserError":
                raise
            failures.append({"input": unit.input, "error": str(exc)})
    return {"files": files, "failures": failures}


def only(result: dict[str, Any]) -> dict[str, Any]:
    """The single file result of an ingest that must have succeeded."""
    assert not result["failures"], result["failures"]
    assert len(result["files"]) == 1, result["files"]
    return result["files"][0]


def documents(home: Home, source: str) -> list[dict[str, Any]]:
    """All documents of a source, ordered by origin line (then origin)."""
    paths = shard_paths(home.source_documents(source))
    rows = ds.dataset([str(p) for p in paths], format="parquet").to_table().to_pylist() if paths else []
    return sorted(rows, key=lambda r: (_line(r["origin"]), r["origin"]))


def quarantined(home: Home, source: str) -> list[dict[str, Any]]:
    paths = shard_paths(home.source_quarantine(source))
    if not paths:
        return []
    rows = ds.dataset([str(p) for p in paths], schema=QUARANTINE_SCHEMA, format="parquet").to_table().to_pylist()
    return sorted(rows, key=lambda r: (_line(r["origin"]), r["origin"]))


def _line(origin: str) -> int:
    tail = origin.rsplit(":", 1)[-1].rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 0
