"""One envelope for the orchestration flows (run, nightly, retrain, rescore).

Each of them runs stages (flows/stages.py) and then closes the same way, here:
- its status, by one rule for all four (`Stages.status`): `failed` when a stage failed (or
  ran and every one of its shards failed), `partial` when some inputs or shards failed (ingest
  failures, score shard failures) and the rest went through, else `completed`;
- its row in the warehouse's `runs` table (status, the flow's parameters, its counts);
- then the HTML report, written after the row so it shows this run;
- its JSON answer: `status` and `failed_stage` first, then the flow's own fields, then
  `run_id` and `report`.
Keeping this in one place is what keeps the four from drifting apart again (nightly once
recorded `completed` while score shards had failed: it only looked at ingest).
"""

from __future__ import annotations

import time
from typing import Any

from sentiflow.flows.pipeline_tasks import record_run_task
from sentiflow.flows.stages import Stages
from sentiflow.tasks.report.prefect_tasks import write_report_task
from sentiflow.tasks.warehouse.runs import utc_now


class Envelope:
    """An orchestration run from its start: the stages it runs, its clock, and how it closes."""

    def __init__(self, flow: str, parameters: dict[str, Any]) -> None:
        self.flow = flow
        self.parameters = parameters  # what its `runs` row records
        self.started_at = utc_now()
        self._clock = time.monotonic()
        self.stages = Stages()

    def seconds(self) -> float:
        """Wall-clock seconds since the run started, to one decimal."""
        return round(time.monotonic() - self._clock, 1)

    def close(self, home: str, fields: dict[str, Any], counts: dict[str, Any]) -> dict[str, Any]:
        """Record the run, write the report, and return the flow's JSON answer."""
        status = self.stages.status()
        summary = {"status": status, "failed_stage": self.stages.failed, **fields}
        summary["run_id"] = record_run_task(home, self.flow, self.parameters, self.started_at, status, counts)
        summary["report"] = write_report_task(home).report
        return summary
