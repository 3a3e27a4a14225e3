"""What a home holds, in forms two runs can be compared by: the lake's files and doc ids, every
warehouse table, the prediction rows without their run-specific columns, and DuckDB's health.

DuckDB 2.0 has no `PRAGMA integrity_check` (it answers "Pragma Function with name
integrity_check does not exist"). `warehouse_integrity` does what comes closest:
  1. open read-write: a WAL left by a killed writer is replayed here, or the open fails;
  2. CHECKPOINT: folds the WAL into the file and rewrites what changed;
  3. read every row of every table (DuckDB verifies each block's checksum as it loads it) and
     `pragma_storage_info` of each table (walks every column segment's metadata);
  4. check each primary key is unique and not null (what a half-applied load would break);
  5. reopen read-only, as `sentiflow query` does, and read a count from every table.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

PRIMARY_KEYS = {
    "documents": ["doc_id"],
    "predictions": ["doc_id", "model_id"],
    "runs": ["run_id"],
    "models": ["model_id"],
}
# prediction columns that legitimately differ between an interrupted and an uninterrupted run
RUN_SPECIFIC = ("run_id", "scored_at")


def lake_files(lake: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every finished file in the lake (locks and temporaries left out)."""
    if not lake.exists():
        return {}
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock") and not p.name.startswith(".tmp-")
    }


def lake_doc_ids(lake: Path) -> list[str]:
    """Every doc_id in lake/documents, sorted, duplicates kept (so they show)."""
    ids: list[str] = []
    for shard in sorted((lake / "documents").glob("source=*/*.parquet")):
        if not shard.name.startswith(".tmp-"):
            ids += pq.read_table(shard, columns=["doc_id"]).column(0).to_pylist()
    return sorted(ids)


def lake_quarantine(lake: Path) -> list[tuple[str, str]]:
    """(origin, reason) of every quarantined row, sorted."""
    rows: list[tuple[str, str]] = []
    for shard in sorted((lake / "quarantine").glob("source=*/*.parquet")):
        table = pq.read_table(shard, columns=["origin", "reason"])
        rows += zip(table.column(0).to_pylist(), table.column(1).to_pylist())
    return sorted(rows)


def warehouse_tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every base table's rows, sorted, read through a plain read-only connection."""
    if not warehouse.exists():
        return {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        return {n: con.execute(f'select * from "{n}" order by all').fetchall() for n in names}
    finally:
        con.close()


def prediction_rows(warehouse: Path, digits: int = 5) -> list[tuple]:
    """Predictions without run id and time, probabilities rounded to `digits` (CPU float noise
    between batch compositions is ~1e-7)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [r[0] for r in con.execute("describe predictions").fetchall() if r[0] not in RUN_SPECIFIC]
        rows = con.execute(f"select {', '.join(columns)} from predictions order by all").fetchall()
    finally:
        con.close()
    return [tuple(round(v, digits) if isinstance(v, float) else v for v in row) for row in rows]


def warehouse_integrity(warehouse: Path) -> dict[str, int]:
    """Run the checks in the module docstring; returns rows per table; raises on any failure."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("checkpoint")
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        counts = {}
        for name in names:
            rows = con.sql(f'select * from "{name}"').to_arrow_table()
            con.execute(f"select count(*) from pragma_storage_info('{name}')").fetchall()
            counts[name] = rows.num_rows
            key = PRIMARY_KEYS.get(name)
            if key:
                cols = ", ".join(key)
                dupes = con.execute(
                    f'select count(*) from (select {cols} from "{name}" group by {cols} having count(*) > 1)'
                ).fetchall()[0][0]
                nulls = con.execute(
                    f'select count(*) from "{name}" where ' + " or ".join(f"{c} is null" for c in key)
                ).fetchall()[0][0]
                if dupes or nulls:
                    raise AssertionError(f"{name}: {dupes} duplicated and {nulls} null keys ({cols})")
    finally:
        con.close()
    ro = duckdb.connect(str(warehouse), read_only=True)
    try:
        for name, n in counts.items():
            if ro.execute(f'select count(*) from "{name}"').fetchall()[0][0] != n:
                raise AssertionError(f"{name}: read-only count differs from the read-write one")
    finally:
        ro.close()
    return counts
