"""Prediction shards on disk: what scoring workers write and the load step reads.

    predictions/MODEL_ID/pending/source=NAME/STEM.RUN_ID.parquet    scored, not yet loaded
    predictions/MODEL_ID/completions/source=NAME/STEM.json          one marker per finished shard

A worker scores one lake shard, writes its predictions atomically, then its completion marker
(datatrove's completions/). A rerun skips lake shards whose marker is still valid, so a killed
run resumes where it stopped; the doc-level skip (plan.py) is the backstop when a marker is
missing or stale. Output names carry the run id, so a rerun never overwrites unloaded work.
The load step deletes pending shards and markers once their rows are committed to DuckDB.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.atomic import TMP_PREFIX, write_json, write_parquet
from sentiflow.tasks.core.home import Home, safe_name
from sentiflow.tasks.score.predictions import PREDICTION_SCHEMA

LAKE_SHARD_KEY = b"sentiflow.lake_shard"  # Parquet metadata: the lake shard scored (home-relative)


@dataclass(frozen=True)
class Completion:
    """A finished (model, lake shard) unit: the marker's content."""

    lake_shard: str  # relative to the home
    fingerprint: str  # the lake shard's size and mtime when it was scored
    run_id: str
    documents: int
    skipped: int
    scored: int
    output: str | None  # the pending shard, relative to the home; None when nothing was scored
    seconds: float


def fingerprint(path: Path) -> str:
    """Size and modification time: changes if a lake shard is ever rewritten."""
    stat = path.stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


class PredictionShards:
    """The prediction folder of one model in one home."""

    def __init__(self, home: Home, model_id: str) -> None:
        self.home = home
        self.root = home.predictions / safe_name(model_id, "model id")

    def _unit(self, lake_shard: Path) -> tuple[str, str]:
        return lake_shard.parent.name, lake_shard.name.removesuffix(".parquet")

    def output_path(self, lake_shard: Path, run_id: str) -> Path:
        folder, stem = self._unit(lake_shard)
        return self.root / "pending" / folder / f"{stem}.{safe_name(run_id, 'run id')}.parquet"

    def marker_path(self, lake_shard: Path) -> Path:
        folder, stem = self._unit(lake_shard)
        return self.root / "completions" / folder / f"{stem}.json"

    def write_output(self, table: pa.Table, lake_shard: Path, run_id: str) -> Path:
        relative = str(lake_shard.relative_to(self.home.root)).encode()
        table = table.cast(PREDICTION_SCHEMA).replace_schema_metadata({LAKE_SHARD_KEY: relative})
        return write_parquet(table, self.output_path(lake_shard, run_id))

    def write_completion(self, completion: Completion) -> Path:
        return write_json(asdict(completion), self.marker_path(self.home.root / completion.lake_shard))

    def completions(self) -> list[tuple[Path, Completion]]:
        """Every marker on disk, valid or not, with its path."""
        found = []
        for path in sorted((self.root / "completions").glob("source=*/*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append((path, Completion(**data)))
        return found

    def is_valid(self, completion: Completion) -> bool:
        """Valid: the lake shard is unchanged and its output (if any) still awaits loading."""
        lake_shard = self.home.root / completion.lake_shard
        if not lake_shard.is_file() or fingerprint(lake_shard) != completion.fingerprint:
            return False
        return completion.output is None or (self.home.root / completion.output).is_file()

    def valid_completions(self) -> dict[str, Completion]:
        """Lake shard (home-relative) -> its valid completion."""
        return {c.lake_shard: c for _, c in self.completions() if self.is_valid(c)}

    def pending(self) -> list[Path]:
        """Finished prediction shards not yet loaded, in name order."""
        return sorted(
            p for p in (self.root / "pending").glob("source=*/*.parquet") if not p.name.startswith(TMP_PREFIX)
        )


def read_pending(path: Path, columns: list[str] | None = None) -> tuple[pa.Table, str | None]:
    """A pending shard's rows and the lake shard (home-relative) they were scored from."""
    table = pq.read_table(path, columns=columns)
    meta = pq.read_schema(path).metadata or {}
    lake_shard = meta.get(LAKE_SHARD_KEY)
    return table, lake_shard.decode() if lake_shard else None
