"""The rescore flow (manual, for backfills): score a source, or everything, with a given model."""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from sentiflow.flows.pipeline_tasks import record_run_task
from sentiflow.flows.stages import Stages
from sentiflow.tasks.core.runners import check_runner
from sentiflow.tasks.report.prefect_tasks import write_report_task
from sentiflow.tasks.score.summary import ScoreSummary
from sentiflow.tasks.warehouse.runs import utc_now


@flow(name="rescore", flow_run_name="rescore-{model}")
def rescore_flow(
    home: str,
    model: str = "production",
    sources: list[str] | None = None,
    batch_size: int = 64,
    runner: Literal["threads", "dask"] = "threads",
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Score every document of `sources` (default: all) that `model` has not scored yet, load
    the predictions, and update the report. A new model scores everything; rerunning adds nothing."""
    from sentiflow.flows.score import score_flow

    check_runner(runner, dask_address)
    started = utc_now()
    stages = Stages()
    scored = stages.run(
        "score",
        score_flow,
        ScoreSummary,
        home=home,
        model=model,
        sources=sources,
        batch_size=batch_size,
        runner=runner,
        dask_address=dask_address,
    )
    status = "failed" if stages.failed else scored.status
    seconds = stages.results["score"].seconds if scored else None
    score = {**scored.to_json(), "_seconds": seconds} if scored else None
    summary = {"status": status, "failed_stage": stages.failed, "score": score}
    parameters = {"model": model, "sources": sources, "batch_size": batch_size, "runner": runner}
    counts = scored.documents() if scored else {}
    summary["run_id"] = record_run_task(home, "rescore", parameters, started, status, counts)
    summary["report"] = write_report_task(home).report
    return summary
