"""The monitoring run's summary: each batch's verdict (`MonitorSummary`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.summary import Summary


@dataclass(frozen=True)
class BatchVerdict:
    """One batch: whether it drifted (and on what), or was too small to judge."""

    run_id: str
    model_id: str
    source: str
    n_current: int
    status: str  # drifted | ok | insufficient
    drifted_metrics: list[str]
    estimated_accuracy: float | None
    accuracy_band: list[float] | None  # [lower, upper]


@dataclass(frozen=True)
class MonitorSummary(Summary):
    """What `sentiflow monitor` prints and the monitor flow returns (as JSON)."""

    model_id: str
    reference_rows: int
    reference_built: bool  # True when this run built the model's reference (it had none)
    not_monitored: str | None  # why nothing was measured (no reference could be built), else None
    batches: list[BatchVerdict]
    rows_written: int
    events_emitted: int
    seconds: float

    @property
    def drifted(self) -> list[BatchVerdict]:
        return [b for b in self.batches if b.status == "drifted"]

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "batches": len(self.batches),
            "drifted": [b.source for b in self.drifted],
            "insufficient": [b.source for b in self.batches if b.status == "insufficient"],
            "not_monitored": self.not_monitored,
            "seconds": seconds,
        }
