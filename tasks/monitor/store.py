"""Writing a batch's measures to the drift_metrics table, and reading them back.

One short transaction per monitoring run on the one read-write connection (the warehouse's
single-writer rule, tasks/warehouse/db.py): each batch's old rows are deleted, then its new
ones inserted, so monitoring the same batch again replaces it.
"""

from __future__ import annotations

from dataclasses import astuple, fields

import pandas as pd

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.monitor.check import MetricRow
from sentiflow.tasks.warehouse.db import connect_ro, connect_rw

COLUMNS = [f.name for f in fields(MetricRow)]


def store_rows(home: Home, rows: list[MetricRow]) -> int:
    """Replace the rows of every batch in `rows`; returns how many rows were written."""
    if not rows:
        return 0
    batches = sorted({(r.run_id, r.model_id, r.source) for r in rows})
    placeholders = ", ".join("?" for _ in COLUMNS)
    with connect_rw(home.warehouse) as con:
        con.execute("begin transaction")
        con.executemany("delete from drift_metrics where run_id = ? and model_id = ? and source = ?", batches)
        con.executemany(
            f"insert into drift_metrics ({', '.join(COLUMNS)}) values ({placeholders})", [astuple(r) for r in rows]
        )
        con.execute("commit")
    return len(rows)


def metric_history(home: Home, wait_seconds: float = 30.0) -> pd.DataFrame:
    """Every stored row, oldest first (empty when nothing was monitored yet)."""
    if not home.warehouse.exists():
        return pd.DataFrame(columns=COLUMNS)
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "drift_metrics" not in tables:
            return pd.DataFrame(columns=COLUMNS)
        return con.execute(f"select {', '.join(COLUMNS)} from drift_metrics order by computed_at, run_id").df()
