"""The rescore flow (manual, for backfills): score a source, or everything, with a given model."""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from sentiflow.flows.envelope import Envelope
from sentiflow.tasks.core.runners import check_runner
from sentiflow.tasks.score.summary import ScoreSummary


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
    from sentiflow.flows.monitor import monitor_stage
    from sentiflow.flows.score import score_flow

    check_runner(runner, dask_address)
    envelope = Envelope("rescore", {"model": model, "sources": sources, "batch_size": batch_size, "runner": runner})
    scored = envelope.stages.run(
        "score",
        score_flow,
        ScoreSummary,
        home=home,
        model=model,
        sources=sources,
        batch_size=batch_size,
        runner=runner,
        dask_address=dask_address,
        monitor=False,  # the monitor stage below, recorded by the envelope
    )
    monitor_stage(envelope.stages, home, scored)
    fields = {"score": envelope.stages.returned("score"), "monitor": envelope.stages.returned("monitor")}
    return envelope.close(home, fields, scored.documents() if scored else {})
