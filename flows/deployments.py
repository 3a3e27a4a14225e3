"""Every sentiflow flow, registered once: its deployment and, when it has one, its command.

From `DEPLOYMENTS` the CLI registers its commands (flows/cli/__init__.py imports
flows/cli/NAME.py for each flow with a command, and the `TOOLS`), and `sentiflow serve` builds
the Prefect deployments it serves (`DeploymentSpec.to_deployment`). deploy/prefect.yaml, the
file `prefect deploy` reads, and the table in deploy/README.md say the same again for people
and for Prefect's CLI; tests/flows/test_deployments.py checks both against this list.

Flow NAME is `NAME_flow` in flows/NAME.py, its deployment is NAME too, so it runs as
'NAME/NAME' (the manual trigger for retraining is `prefect deployment run 'retrain/retrain'`).
A new stage is its package tasks/NAME/ (the pure modules, prefect_tasks.py and summary.py),
flows/NAME.py, flows/cli/NAME.py and one line below; then its entry in deploy/prefect.yaml and
its row in deploy/README.md, which the tests name until they agree, and its package in
pyproject.toml (setuptools' package list, import-linter's layers).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NIGHTLY_CRON = "0 2 * * *"  # 02:00 every day
NIGHTLY_TIMEZONE = "UTC"  # schedules are evaluated in this zone (daylight saving included)
TUNE_CRON = "0 3 * * 0"  # 03:00 every Sunday, after that night's nightly run

# Commands that are not a flow of their own: flows/cli/NAME.py for each.
TOOLS = ("config", "models", "query", "serve", "trigger")


@dataclass(frozen=True)
class DeploymentSpec:
    """One flow: its deployment (when it runs, how many runs may overlap) and its command."""

    name: str  # the flow's name, its deployment's and its command's
    description: str
    command: bool = True  # flows/cli/NAME.py holds `sentiflow NAME`; False: run it with `sentiflow trigger`
    cron: str | None = None  # None = manual only
    timezone: str | None = None
    concurrency_limit: int | None = None  # None = unlimited
    parameters: dict[str, Any] = field(default_factory=dict)  # defaults besides `home`

    @property
    def entrypoint(self) -> str:
        """'flows/NAME.py:NAME_flow', relative to the project root, as `prefect deploy` reads it."""
        return f"flows/{self.name}.py:{self.name}_flow"

    @property
    def module(self) -> str:
        """The importable module of the entrypoint (flows/ installs as sentiflow.flows)."""
        return f"sentiflow.flows.{self.name}"

    @property
    def function(self) -> str:
        return f"{self.name}_flow"

    def load_flow(self) -> Any:
        """The Prefect Flow object the entrypoint names."""
        return getattr(importlib.import_module(self.module), self.function)

    def to_deployment(self, home: Path) -> Any:
        """The deployment `sentiflow serve` serves for `home` (a Prefect RunnerDeployment)."""
        from prefect.flows import EntrypointType
        from prefect.schedules import Cron

        return self.load_flow().to_deployment(
            name=self.name,
            description=self.description,
            tags=["sentiflow"],
            schedules=[Cron(self.cron, timezone=self.timezone)] if self.cron else None,
            concurrency_limit=self.concurrency_limit,
            parameters={"home": str(home), **self.parameters},
            entrypoint_type=EntrypointType.MODULE_PATH,  # runs from any directory: sentiflow is installed
        )


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        "nightly",
        "Ingest new files from the configured inbox folders, score them with the production model, update the report.",
        command=False,
        cron=NIGHTLY_CRON,
        timezone=NIGHTLY_TIMEZONE,
        concurrency_limit=1,
    ),
    DeploymentSpec(
        "retrain",
        "Curate, train, compress, evaluate; promote the new model if it beats production.",
        command=False,
        concurrency_limit=1,
        parameters={"config": None},  # a named training config (HOME/configs/NAME.json)
    ),
    DeploymentSpec(
        "rescore",
        "Backfill: score a source (or everything) with a given model.",
        command=False,
        parameters={"model": "production", "sources": None},
    ),
    DeploymentSpec(
        "run", "The whole pipeline: ingest, curate, train, compress, score, load, report.", concurrency_limit=1
    ),
    DeploymentSpec("report", "Write HOME/reports/report.html from what the home holds now."),
    DeploymentSpec("ingest", "Files or the demo corpus -> the lake.", parameters={"inputs": ["demo"]}),
    DeploymentSpec("curate", "The lake -> a versioned dataset."),
    DeploymentSpec("train", "A dataset -> a fine-tuned model.", concurrency_limit=1),
    DeploymentSpec("compress", "A model -> smaller, faster models."),
    DeploymentSpec("score", "Documents -> predictions in the warehouse."),
    DeploymentSpec(
        "tune",
        "Search the data recipe and training hyperparameters; save the best as a training config.",
        cron=TUNE_CRON,
        timezone=NIGHTLY_TIMEZONE,
        concurrency_limit=1,
        parameters={"study": None, "max_minutes": 120.0},  # study tune-VERSION, resumed if it exists
    ),
    DeploymentSpec("monitor", "Drift and estimated accuracy of scored batches -> drift_metrics; events on drift."),
)


def deployment(name: str) -> DeploymentSpec:
    """The deployment called `name` (a one-line UserError listing the others if unknown)."""
    from sentiflow.tasks.core.errors import UserError

    for spec in DEPLOYMENTS:
        if spec.name == name:
            return spec
    raise UserError(f"unknown deployment {name!r}: use one of {', '.join(s.name for s in DEPLOYMENTS)}")


def command_modules() -> list[str]:
    """The flows/cli modules that hold commands, in name order (the order `--help` lists them)."""
    return sorted([s.name for s in DEPLOYMENTS if s.command] + list(TOOLS))
