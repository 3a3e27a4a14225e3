"""The retrain flow (manual trigger): curate, train, compress, evaluate, promote if better."""

from __future__ import annotations

import time
from typing import Any, Literal

from prefect import flow

from sentiflow.flows.pipeline_tasks import record_run_task
from sentiflow.flows.run_summary import production_and_parent, stage_counts
from sentiflow.flows.stages import Stages, retrain_stages
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.report.prefect_tasks import write_report_task
from sentiflow.tasks.warehouse.runs import utc_now


@flow(name="retrain", flow_run_name="retrain-{profile}")
def retrain_flow(
    home: str,
    profile: Literal["quick", "full"] = "quick",
    sources: list[str] | None = None,
    base_model: str | None = None,
    max_accuracy_drop: float = 1.0,
) -> dict[str, Any]:
    """Curate the lake (all sources, or `sources`), fine-tune, compress, and promote the model
    that would serve if it beats production's test macro-F1 on the same test split."""
    started, clock = utc_now(), time.monotonic()
    stages = Stages()
    production_id = retrain_stages(stages, home, profile, sources, base_model, max_accuracy_drop)
    summary = {
        "status": "failed" if stages.failed else "completed",
        "failed_stage": stages.failed,
        "seconds": round(time.monotonic() - clock, 1),
        "stages": stage_counts(stages),
        "models": production_and_parent(Home.at(home), production_id),
    }
    parameters = {
        "profile": profile,
        "sources": sources,
        "base_model": base_model,
        "max_accuracy_drop": max_accuracy_drop,
    }
    summary["run_id"] = record_run_task(home, "retrain", parameters, started, summary["status"], summary["stages"])
    summary["report"] = write_report_task(home).report
    return summary
