"""Loading a curation report into the warehouse's curation_stats table (sql/tables/curation_stats.sql).

One short read-write transaction per version: delete the version's rows, insert them again.
Reloading is therefore idempotent, and a reader never sees half a version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.warehouse.db import connect_rw

COLUMNS = ("dataset_version", "measure", "step", "reason", "split", "source", "label", "language", "rows", "curated_at")


def stats_rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The report in curation_stats' long form (one tuple per row, COLUMNS order)."""
    version = report["version"]
    curated_at = datetime.fromisoformat(report["created_at"])
    acc = report["accounting"]

    def row(measure: str, rows: int, **keys: str) -> tuple[Any, ...]:
        return (
            version,
            measure,
            keys.get("step", ""),
            keys.get("reason", ""),
            keys.get("split", ""),
            keys.get("source", ""),
            keys.get("label", ""),
            keys.get("language", ""),
            int(rows),
            curated_at,
        )

    out = [row("rows_in", n, source=source) for source, n in acc["rows_in_by_source"].items()]
    for source, per_split in report["balance"]["per_source"].items():
        out += [
            row("kept", n, split=split, source=source, label=label)
            for split, labels in per_split.items()
            for label, n in labels.items()
        ]
    out += [
        row("removed", d["rows"], step=d["step"], reason=d["reason"], source=d["source"]) for d in acc["removed_detail"]
    ]
    out += [row("language", n, language=lang) for lang, n in report["languages"].items()]
    return out


def load_curation_stats(home: Home, report: dict[str, Any]) -> int:
    """Replace the version's rows in curation_stats; returns the number of rows written."""
    rows = stats_rows(report)
    placeholders = ", ".join("?" for _ in COLUMNS)
    with connect_rw(home.warehouse) as con:
        con.execute("begin transaction")
        try:
            con.execute("delete from curation_stats where dataset_version = ?", [report["version"]])
            if rows:
                con.executemany(f"insert into curation_stats ({', '.join(COLUMNS)}) values ({placeholders})", rows)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return len(rows)
