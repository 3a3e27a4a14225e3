"""The scored batches to monitor, read from the warehouse (read-only).

A batch is one source's documents that one run scored with one model: predictions joined with
their documents on (model_id, run_id). Standalone monitoring takes each source's latest run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.warehouse.db import connect_ro


@dataclass(frozen=True)
class BatchKey:
    run_id: str
    model_id: str
    source: str


def scored_sources(home: Home, model_id: str, run_id: str | None = None, wait_seconds: float = 30.0) -> list[str]:
    """The sources with documents the model scored (in run `run_id`, when given)."""
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        rows = con.execute(
            "select distinct d.source from predictions p join documents d using (doc_id) "
            "where p.model_id = ? and (? is null or p.run_id = ?) order by 1",
            [model_id, run_id, run_id],
        ).fetchall()
    return [r[0] for r in rows]


def latest_batches(home: Home, model_id: str, sources: list[str] | None, wait_seconds: float = 30.0) -> list[BatchKey]:
    """Each source's most recent scoring run of the model; an unknown source is a UserError."""
    known = scored_sources(home, model_id, wait_seconds=wait_seconds)
    unknown = sorted(set(sources or []) - set(known))
    if unknown:
        raise UserError(
            f"source {unknown[0]!r} has no documents scored by {model_id} "
            f"(scored sources: {', '.join(known) or 'none'}); run `sentiflow score --source {unknown[0]}` first"
        )
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        rows = con.execute(
            "select d.source, max_by(p.run_id, p.scored_at) from predictions p join documents d using (doc_id) "
            "where p.model_id = ? group by d.source order by d.source",
            [model_id],
        ).fetchall()
    wanted = set(sources) if sources else None
    return [BatchKey(run_id, model_id, source) for source, run_id in rows if wanted is None or source in wanted]


def run_batches(home: Home, model_id: str, run_id: str, wait_seconds: float = 30.0) -> list[BatchKey]:
    """The batches one scoring run loaded: one per source it scored."""
    return [BatchKey(run_id, model_id, source) for source in scored_sources(home, model_id, run_id, wait_seconds)]


def read_batch(home: Home, key: BatchKey, wait_seconds: float = 30.0) -> pd.DataFrame:
    """The batch's texts with their predicted label and confidence."""
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        return con.execute(
            "select d.text, p.label, p.confidence from predictions p join documents d using (doc_id) "
            "where p.model_id = ? and p.run_id = ? and d.source = ? order by p.doc_id",
            [key.model_id, key.run_id, key.source],
        ).df()
