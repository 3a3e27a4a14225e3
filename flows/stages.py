"""Running stage subflows in order, timing each, stopping at the first failure.

A failed stage does not raise through the parent flow: the parent records which stage failed
and why (one line), skips the rest, and still writes its summary and its `runs` row, so a
broken run is visible in the warehouse and the report like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from sentiflow.flows.pipeline_tasks import choose_production_task
from sentiflow.flows.production import serving_lineage
from sentiflow.flows.run_config import IngestJob
from sentiflow.tasks.core.home import Home


class Stages:
    """Summaries of the stages that ran, and the first failure."""

    def __init__(self) -> None:
        self.summaries: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, str] | None = None

    def run(self, name: str, subflow: Callable[..., Any], **parameters: Any) -> dict[str, Any] | None:
        """Run one subflow; its summary (with `_seconds`), or None if it or an earlier stage failed."""
        if self.failed:
            return None
        start = time.monotonic()
        state = subflow(**parameters, return_state=True)
        if not state.is_completed():
            outcome = state.result(raise_on_failure=False)
            message = str(outcome) if isinstance(outcome, BaseException) else (state.message or state.name)
            self.failed = {"stage": name, "error": " ".join(message.split())[:500]}
            return None
        summary = dict(state.result())
        summary["_seconds"] = round(time.monotonic() - start, 1)
        self.summaries[name] = summary
        return summary


def ingest_stage(stages: Stages, jobs: Sequence[IngestJob], home: str, runner: str, dask_address: str | None) -> None:
    """One ingest subflow per source, recorded together as the `ingest` stage."""
    from sentiflow.flows.ingest import ingest_flow

    start, summaries = time.monotonic(), []
    for job in jobs:
        summary = stages.run(
            "ingest",
            ingest_flow,
            inputs=list(job.inputs),
            home=home,
            runner=runner,
            dask_address=dask_address,
            **job.kwargs,
        )
        if summary is None:
            break
        summaries.append(summary)
    stages.summaries["ingest"] = {"summaries": summaries, "seconds": round(time.monotonic() - start, 1)}


def retrain_stages(
    stages: Stages,
    home: str,
    profile: str,
    sources: list[str] | None,
    base_model: str | None = None,
    max_accuracy_drop: float = 1.0,
) -> str | None:
    """Curate, train, compress (auto), then choose production; returns the production model id.

    Promotion happens once, here (see flows/production.py), so train and compress are asked
    not to promote on their own. A reused fine-tune that already serves (itself or its
    compressed model) skips compression: it would only choose the same candidate again.
    """
    from sentiflow.flows.compress import compress_flow
    from sentiflow.flows.curate import curate_flow
    from sentiflow.flows.train import train_flow

    curated = stages.run("curate", curate_flow, home=home, sources=sources)
    trained = curated and stages.run(
        "train",
        train_flow,
        home=home,
        dataset=curated["version"],
        base_model=base_model,
        profile=profile,
        promote_if_better=False,
    )
    if not trained:
        return None
    serving = serving_lineage(Home.at(home), trained["model_id"]) if trained["reused"] else None
    if serving is not None:
        why = f"{trained['model_id']} was reused and {serving} (it or its compressed model) already serves"
        stages.summaries["compress"] = {"skipped": why, "chosen": None, "_seconds": 0.0}
        stages.summaries["production"] = {"production_id": serving, "changed": False, "reason": why}
        return serving
    compressed = stages.run(
        "compress",
        compress_flow,
        home=home,
        model=trained["model_id"],
        method="auto",
        max_accuracy_drop=max_accuracy_drop,
        profile=profile,
        promote=False,
    )
    if not compressed:
        return None
    decision = choose_production_task(home, trained["model_id"], compressed.get("chosen"))
    stages.summaries["production"] = decision
    return decision["production_id"]
