"""The run flow, README's main job: ingest -> curate -> train -> compress -> score -> report.

Each stage is its own subflow, so its runs, logs and artifacts appear under this one in
Prefect. Every stage is incremental, so a second run on the same inputs reuses the dataset
version and the model and scores only new documents.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from sentiflow.flows.envelope import Envelope
from sentiflow.flows.monitor import store_reference_on_promotion
from sentiflow.flows.pipeline_tasks import plan_run_task, summary_artifact_task
from sentiflow.flows.run_summary import run_fields, summary_markdown
from sentiflow.flows.stages import ingest_stage, retrain_stages
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.score.summary import ScoreSummary


@flow(name="run", flow_run_name="run-{profile}")
def run_flow(
    home: str,
    profile: Literal["quick", "full"] = "quick",
    sources: list[str] | None = None,
    runner: Literal["threads", "dask"] = "threads",
    dask_address: str | None = None,
    sources_file: str | None = None,
    base_model: str | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    """The whole pipeline on the demo corpus, or on configured `sources` (["all"]: every one);
    `base_model` (a hub id or folder) replaces the bundled MiniLM as the model to fine-tune;
    `config` (a saved training config, e.g. from `sentiflow tune`) gives curation its data recipe
    and training its hyperparameters."""
    from sentiflow.flows.monitor import monitor_stage
    from sentiflow.flows.score import score_flow

    parameters = {
        "profile": profile,
        "sources": sources,
        "runner": runner,
        "dask_address": dask_address,
        "base_model": base_model,
        "config": config,
    }
    envelope = Envelope("run", parameters)
    plan = plan_run_task(home, profile, sources, sources_file, runner, dask_address)
    stages = envelope.stages
    ingest_stage(stages, plan.ingest_jobs, plan.home, runner, dask_address)
    production_id = retrain_stages(stages, plan.home, profile, list(plan.source_names), base_model, config=config)
    store_reference_on_promotion(stages, plan.home)  # the new production model's drift reference
    scored = stages.run(
        "score",
        score_flow,
        ScoreSummary,
        home=plan.home,
        model="production",
        runner=runner,
        dask_address=dask_address,
        monitor=False,  # the monitor stage below, recorded by the envelope
    )
    monitor_stage(stages, plan.home, scored)
    fields = run_fields(Home.at(plan.home), plan, stages, production_id, envelope.seconds())
    summary = envelope.close(plan.home, fields, fields["stages"])
    summary_artifact_task("run-summary", summary_markdown(summary), f"sentiflow run ({profile})")
    return summary
