"""Running stage subflows in order, timing each, stopping at the first failure.

A failed stage does not raise through the parent flow: the parent records which stage failed
and why (one line), skips the rest, and still writes its summary and its `runs` row, so a
broken run is visible in the warehouse and the report like any other.

Each stage that ran leaves its typed summary (tasks/STAGE/summary.py), parsed from what its
subflow returned, and its wall-clock seconds. Anything recorded here says what a run reports
of it (`counts`) and whether some of its inputs failed (`partial`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sentiflow.flows.pipeline_tasks import choose_production_task
from sentiflow.flows.production import serving_lineage
from sentiflow.flows.run_config import IngestJob
from sentiflow.tasks.compress.summary import CompressSummary
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.summary import Summary
from sentiflow.tasks.curate.summary import CurationSummary
from sentiflow.tasks.ingest.summary import IngestSummary, IngestTotals
from sentiflow.tasks.models.training.named import curation_path
from sentiflow.tasks.train.summary import TrainSummary

S = TypeVar("S", bound=Summary)


@dataclass(frozen=True)
class StageResult:
    """A stage that ran: its summary and how long it took (None: not timed)."""

    summary: Summary
    seconds: float | None


@dataclass(frozen=True)
class CompressionSkipped(Summary):
    """Compress did not run: the reused fine-tune (or its compressed model) already serves."""

    reason: str

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {"chosen": None, "skipped": self.reason, "seconds": seconds, "candidates": 0}


@dataclass(frozen=True)
class ProductionKept(Summary):
    """No production choice was made, for the same reason: what serves stays."""

    production_id: str
    reason: str

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {"production_id": self.production_id, "changed": False, "reason": self.reason}


class Stages:
    """Results of the stages that ran, in order, and the first failure."""

    def __init__(self) -> None:
        self.results: dict[str, StageResult] = {}
        self.failed: dict[str, str] | None = None

    def run(self, name: str, subflow: Callable[..., Any], summary: type[S], **parameters: Any) -> S | None:
        """Run one subflow; its summary, or None if it or an earlier stage failed."""
        if self.failed:
            return None
        start = time.monotonic()
        state = subflow(**parameters, return_state=True)
        if not state.is_completed():
            outcome = state.result(raise_on_failure=False)
            message = str(outcome) if isinstance(outcome, BaseException) else (state.message or state.name)
            self.failed = {"stage": name, "error": " ".join(message.split())[:500]}
            return None
        parsed = summary.from_json(state.result())
        self.record(name, parsed, round(time.monotonic() - start, 1))
        return parsed

    def record(self, name: str, summary: Summary, seconds: float | None = None) -> None:
        """Record a stage's result that no subflow of its own returned (ingest totals, skips)."""
        self.results[name] = StageResult(summary, seconds)

    def status(self) -> str:
        """failed (a stage failed, or ran and nothing went through), partial (some inputs or
        shards failed) or completed."""
        if self.failed or any(r.summary.failed for r in self.results.values()):
            return "failed"
        return "partial" if any(r.summary.partial for r in self.results.values()) else "completed"

    def returned(self, name: str) -> dict[str, Any] | None:
        """Stage `name`'s summary as its subflow returned it, its seconds added as `_seconds`."""
        result = self.results.get(name)
        return None if result is None else {**result.summary.to_json(), "_seconds": result.seconds}

    def get(self, name: str, summary: type[S]) -> S | None:
        """The summary of stage `name` if it ran and is of that type, else None."""
        result = self.results.get(name)
        return result.summary if result is not None and isinstance(result.summary, summary) else None


def ingest_stage(
    stages: Stages, jobs: Sequence[IngestJob], home: str, runner: str, dask_address: str | None
) -> IngestTotals:
    """One ingest subflow per source, recorded together as the `ingest` stage."""
    from sentiflow.flows.ingest import ingest_flow

    start, summaries = time.monotonic(), []
    for job in jobs:
        summary = stages.run(
            "ingest",
            ingest_flow,
            IngestSummary,
            inputs=list(job.inputs),
            home=home,
            runner=runner,
            dask_address=dask_address,
            **job.kwargs,
        )
        if summary is None:
            break
        summaries.append(summary)
    totals = IngestTotals.of(summaries)
    stages.record("ingest", totals, round(time.monotonic() - start, 1))
    return totals


def retrain_stages(
    stages: Stages,
    home: str,
    profile: str,
    sources: list[str] | None,
    base_model: str | None = None,
    max_accuracy_drop: float = 1.0,
    config: str | None = None,
) -> str | None:
    """Curate, train, compress (auto), then choose production; returns the production model id.

    `config` names a saved training config (HOME/configs/NAME.json): curation runs with its data
    recipe (NAME.curate.toml beside it) and training with its hyperparameters.

    Promotion happens once, here (see flows/production.py), so train and compress are asked
    not to promote on their own. A reused fine-tune that already serves (itself or its
    compressed model) skips compression: it would only choose the same candidate again.
    """
    from sentiflow.flows.compress import compress_flow
    from sentiflow.flows.curate import curate_flow
    from sentiflow.flows.train import train_flow

    recipe = str(curation_path(Home.at(home), config)) if config else None
    curated = stages.run("curate", curate_flow, CurationSummary, home=home, sources=sources, config_path=recipe)
    trained = curated and stages.run(
        "train",
        train_flow,
        TrainSummary,
        home=home,
        dataset=curated.version,
        base_model=base_model,
        profile=profile,
        promote_if_better=False,
        config=config,
    )
    if not trained:
        return None
    serving = serving_lineage(Home.at(home), trained.model_id) if trained.reused else None
    if serving is not None:
        why = f"{trained.model_id} was reused and {serving} (it or its compressed model) already serves"
        stages.record("compress", CompressionSkipped(why), 0.0)
        stages.record("production", ProductionKept(serving, why))
        return serving
    compressed = stages.run(
        "compress",
        compress_flow,
        CompressSummary,
        home=home,
        model=trained.model_id,
        method="auto",
        max_accuracy_drop=max_accuracy_drop,
        profile=profile,
        promote=False,
    )
    if not compressed:
        return None
    decision = choose_production_task(home, trained.model_id, compressed.chosen)
    stages.record("production", decision)
    return decision.production_id
