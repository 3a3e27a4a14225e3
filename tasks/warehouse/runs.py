"""The `runs` table: one row per flow run, written by every flow.

A flow records its run once, at the end (completed / partial / failed), ideally in the same
transaction as the rows it loads, so a reader never sees rows whose run is missing. Runs that
were killed before recording themselves are filled in by the load that picks up their work
(status 'interrupted'), so every prediction's run_id names a row here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.warehouse.db import connect_rw

STATUSES = ("running", "completed", "partial", "failed", "interrupted")


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_run_id(flow: str) -> str:
    """A readable unique id for runs outside Prefect: 'score-20250101T120000-1a2b3c4d'."""
    return f"{flow}-{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunRecord:
    """One flow run, as the `runs` table stores it."""

    run_id: str
    flow: str
    parameters: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    status: str = "running"
    counts: dict[str, Any] = field(default_factory=dict)

    def finish(self, status: str, counts: dict[str, Any] | None = None) -> RunRecord:
        """Mark the run finished now with `status`, merging in `counts`."""
        if status not in STATUSES:
            raise ValueError(f"unknown run status {status!r}: use one of {', '.join(STATUSES)}")
        self.status, self.finished_at = status, utc_now()
        self.counts.update(counts or {})
        return self


_UPSERT = """
insert into runs (run_id, flow, parameters, started_at, finished_at, status, counts)
values (?, ?, ?, ?, ?, ?, ?)
on conflict (run_id) do update set
    parameters = excluded.parameters, finished_at = excluded.finished_at,
    status = excluded.status, counts = excluded.counts
"""


def record_run(target: Home | duckdb.DuckDBPyConnection, run: RunRecord) -> RunRecord:
    """Insert or update `run` in the `runs` table.

    `target` is a Home (opens one short read-write connection) or a connection that is already
    inside the caller's transaction (so the run lands atomically with the caller's rows).
    """
    values = [
        run.run_id,
        run.flow,
        json.dumps(run.parameters, default=str, sort_keys=True),
        run.started_at,
        run.finished_at,
        run.status,
        json.dumps(run.counts, default=str, sort_keys=True),
    ]
    if isinstance(target, Home):
        with connect_rw(target.warehouse) as con:
            con.execute(_UPSERT, values)
    else:
        target.execute(_UPSERT, values)
    return run


def record_interrupted_runs(
    con: duckdb.DuckDBPyConnection, relation: str, flow: str, exclude: str | None = None
) -> int:
    """Add an 'interrupted' row for each run_id in `relation` (but `exclude`) not in `runs`.

    `relation` is a table or view with run_id and scored_at columns (rows a killed run left).
    Their start time is unknown; the earliest row they wrote stands in for it.
    """
    before = con.execute("select count(*) from runs").fetchall()[0][0]
    con.execute(
        f"""
        insert into runs (run_id, flow, parameters, started_at, finished_at, status, counts)
        select run_id, ?, null, min(scored_at), null, 'interrupted', null
        from {relation}
        where run_id not in (select run_id from runs) and run_id is distinct from ?
        group by run_id
        """,
        [flow, exclude],
    )
    return con.execute("select count(*) from runs").fetchall()[0][0] - before
