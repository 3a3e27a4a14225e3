"""Every sentiflow deployment, once: `sentiflow serve` builds them from this list, and a test
checks that deploy/prefect.yaml (what `prefect deploy` reads) says the same.

A deployment is run by '<flow name>/<deployment name>'; they are equal here, so the manual
trigger for retraining is `prefect deployment run 'retrain/retrain'`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

NIGHTLY_CRON = "0 2 * * *"  # 02:00 every day
NIGHTLY_TIMEZONE = "UTC"  # schedules are evaluated in this zone (daylight saving included)


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: which flow, when it runs, how many runs may overlap."""

    name: str  # deployment name, equal to the flow's name
    entrypoint: str  # "flows/FILE.py:FUNCTION", relative to the project root
    description: str
    cron: str | None = None  # None = manual only
    timezone: str | None = None
    concurrency_limit: int | None = None  # None = unlimited
    parameters: dict[str, Any] = field(default_factory=dict)  # defaults besides `home`

    @property
    def module(self) -> str:
        """The importable module of the entrypoint (flows/ installs as sentiflow.flows)."""
        path = self.entrypoint.split(":", 1)[0]
        return "sentiflow." + path.removesuffix(".py").replace("/", ".")

    @property
    def function(self) -> str:
        return self.entrypoint.split(":", 1)[1]

    def load_flow(self) -> Any:
        """The Prefect Flow object the entrypoint names."""
        return getattr(importlib.import_module(self.module), self.function)


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "nightly",
        "flows/nightly.py:nightly_flow",
        "Ingest new files from the configured inbox folders, score them with the production model, update the report.",
        cron=NIGHTLY_CRON,
        timezone=NIGHTLY_TIMEZONE,
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "retrain",
        "flows/retrain.py:retrain_flow",
        "Curate, train, compress, evaluate; promote the new model if it beats production.",
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "rescore",
        "flows/rescore.py:rescore_flow",
        "Backfill: score a source (or everything) with a given model.",
        parameters={"model": "production", "sources": None},
    ),
    DeploymentSpec(
        "run",
        "flows/run.py:run_flow",
        "The whole pipeline: ingest, curate, train, compress, score, load, report.",
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "report", "flows/report.py:report_flow", "Write HOME/reports/report.html from what the home holds now."
    ),
    DeploymentSpec(
        "ingest",
        "flows/ingest.py:ingest_flow",
        "Files or the demo corpus -> the lake.",
        parameters={"inputs": ["demo"]},
    ),
    DeploymentSpec("curate", "flows/curate.py:curate_flow", "The lake -> a versioned dataset."),
    DeploymentSpec("train", "flows/train.py:train_flow", "A dataset -> a fine-tuned model.", concurrency_limit=1),
    DeploymentSpec("compress", "flows/compress.py:compress_flow", "A model -> smaller, faster models."),
    DeploymentSpec("score", "flows/score.py:score_flow", "Documents -> predictions in the warehouse."),
)


def deployment(name: str) -> DeploymentSpec:
    """The deployment called `name` (a one-line UserError listing the others if unknown)."""
    from sentiflow.tasks.core.errors import UserError

    for spec in DEPLOYMENTS:
        if spec.name == name:
            return spec
    raise UserError(f"unknown deployment {name!r}: use one of {', '.join(s.name for s in DEPLOYMENTS)}")
