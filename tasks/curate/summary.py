"""The curate flow's answer (`CurationSummary`): which dataset version, and what became of the rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.summary import Summary


@dataclass(frozen=True)
class CurationSummary(Summary):
    """What `sentiflow curate` prints and the curate flow returns (as JSON)."""

    version: str
    reused: bool  # an identical earlier curation was reused, nothing recomputed
    sources: list[str]
    rows_in: int
    kept: dict[str, int]  # rows per split
    removed: dict[str, int]  # rows per removal reason
    labels: list[str]
    languages: dict[str, int]
    warnings: list[str]
    warehouse_rows: int | None  # rows loaded into curation_stats; None: no warehouse

    @classmethod
    def of(cls, report: dict[str, Any], reused: bool, warehouse_rows: int | None) -> CurationSummary:
        """From the version's report.json content."""
        acc = report["accounting"]
        return cls(
            version=report["version"],
            reused=reused,
            sources=report["sources"],
            rows_in=acc["rows_in"],
            kept=acc["kept"],
            removed=acc["removed"],
            labels=report["labels"],
            languages=report["languages"],
            warnings=report["warnings"],
            warehouse_rows=warehouse_rows,
        )

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {
            "version": self.version,
            "reused": self.reused,
            "rows_in": self.rows_in,
            "kept": self.kept,
            "removed": self.removed,
            "seconds": seconds,
        }
