"""The one writer: load a model's pending prediction shards, and their documents, into DuckDB.

Everything happens in one transaction on one short read-write connection: documents are
inserted when new (anti-join on doc_id), predictions are upserted on (doc_id, model_id), and
the run is recorded. Re-running it adds no rows. Only after the commit are the pending shards
and completion markers removed; a crash in between leaves files whose reload is a no-op.
Readers (`sentiflow query`) wait while the lock is held, so the held time is measured.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.score.predictions import PREDICTION_COLUMNS
from sentiflow.tasks.score.shards import PredictionShards, read_pending
from sentiflow.tasks.warehouse.db import LockTimer, connect_rw
from sentiflow.tasks.warehouse.runs import RunRecord, record_interrupted_runs, record_run, utc_now

_DOCUMENT_COLUMNS = "doc_id, text, label, label_confidence, source, split, created_at, ingested_at, origin"


@dataclass
class LoadSummary:
    prediction_shards: int = 0
    predictions_staged: int = 0
    predictions_inserted: int = 0  # new (doc_id, model_id) rows
    predictions_replaced: int = 0  # rows that were already there (a reload): updated in place
    documents_inserted: int = 0
    interrupted_runs: int = 0  # earlier killed runs whose predictions this load picked up
    lock_held_seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


def _stage(con: duckdb.DuckDBPyConnection, name: str, paths: list[Path], columns: str) -> None:
    """A temporary view `name` over Parquet files, read inside the transaction by DuckDB."""
    con.read_parquet([str(p) for p in paths]).select(columns).create_view(name, replace=True)


def _insert_documents(con: duckdb.DuckDBPyConnection, loaded_at) -> int:
    before = _count(con, "select count(*) from documents")
    con.execute(
        f"""
        insert into documents ({_DOCUMENT_COLUMNS}, loaded_at)
        select {_DOCUMENT_COLUMNS}, ?
        from staged_documents
        where doc_id not in (select doc_id from documents)
        qualify row_number() over (partition by doc_id order by ingested_at) = 1
        """,
        [loaded_at],
    )
    return _count(con, "select count(*) from documents") - before


def _upsert_predictions(con: duckdb.DuckDBPyConnection, model_id: str) -> int:
    """Upsert staged rows; returns how many (doc_id, model_id) keys are new."""
    columns = ", ".join(PREDICTION_COLUMNS)
    count_sql = "select count(*) from predictions where model_id = ?"
    before = _count(con, count_sql, [model_id])
    # a document in two shards (or two runs' shards) is staged twice: keep its newest score,
    # because ON CONFLICT cannot touch one key twice in a statement
    con.execute(
        f"""
        insert or replace into predictions ({columns})
        select {columns}
        from staged_predictions
        qualify row_number() over (partition by doc_id, model_id order by scored_at desc) = 1
        """
    )
    return _count(con, count_sql, [model_id]) - before


def load_scoring_results(
    home: Home, model_id: str, run: RunRecord, document_shards: list[str] | None = None
) -> LoadSummary:
    """Load every pending shard of `model_id` (and new documents), then record `run`.

    `document_shards`: home-relative lake shards that may hold documents not yet loaded; the
    lake shards named in the pending shards' metadata are added to them.
    """
    shards = PredictionShards(home, model_id)
    pending = shards.pending()
    markers = [path for path, _ in shards.completions()]
    lake_shards = set(document_shards or [])
    for path in pending:
        lake_shards.add(read_pending(path, ["doc_id"])[1] or "")
    lake_paths = [home.root / s for s in sorted(lake_shards) if s and (home.root / s).is_file()]

    summary = LoadSummary(prediction_shards=len(pending))
    timer = LockTimer()
    with connect_rw(home.warehouse, lock_timer=timer) as con:
        con.execute("begin transaction")
        if lake_paths:
            _stage(con, "staged_documents", lake_paths, _DOCUMENT_COLUMNS)
            summary.documents_inserted = _insert_documents(con, utc_now())
        if pending:
            _stage(con, "staged_predictions", pending, ", ".join(PREDICTION_COLUMNS))
            summary.predictions_staged = _count(con, "select count(*) from staged_predictions")
            keys = _count(con, "select count(*) from (select distinct doc_id from staged_predictions)")
            summary.predictions_inserted = _upsert_predictions(con, model_id)
            summary.predictions_replaced = keys - summary.predictions_inserted
            summary.interrupted_runs = record_interrupted_runs(con, "staged_predictions", run.flow, exclude=run.run_id)
        summary.lock_held_seconds = round(timer.held_seconds, 3)  # up to the commit
        run.counts.update({f"load_{k}": v for k, v in summary.to_dict().items()})
        record_run(con, run)
        con.execute("commit")
    summary.lock_held_seconds = round(timer.held_seconds, 3)

    for path in pending + markers:  # committed: these are now in the warehouse
        path.unlink(missing_ok=True)
    return summary
