"""The end-of-run summary of `sentiflow run`, from the stages' typed summaries (no Prefect here).

Counts per stage, the production model's metrics next to its parent's, scoring throughput,
where the warehouse is, and three `sentiflow query` commands that work as printed: the home is
absolute and shell-quoted, and the program is `sentiflow` when that is on PATH, else the path
of the console script next to this Python (`.venv/bin/sentiflow` after `make run`).
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord, parent_metrics_beside
from sentiflow.tasks.report.html import plain
from sentiflow.tasks.score.summary import ScoreSummary
from sentiflow.tasks.warehouse.registry import get_model

if TYPE_CHECKING:
    from sentiflow.flows.run_config import RunPlan
    from sentiflow.flows.stages import Stages

EXAMPLE_SQL = (
    "select source, label, count(*) as documents, round(avg(confidence), 3) as mean_confidence "
    "from latest_predictions group by source, label order by source, label"
)
HEADLINE = ("n", "accuracy", "macro_f1", "ece")  # n: documents the metrics were measured on


def sentiflow_program() -> str:
    """How to call this installation's `sentiflow` from the current directory."""
    script = Path(sys.executable).with_name("sentiflow")
    on_path = shutil.which("sentiflow")
    if not script.is_file() or (on_path and Path(on_path).resolve() == script.resolve()):
        return "sentiflow"
    try:
        return shlex.quote(str(script.absolute().relative_to(Path.cwd())))
    except ValueError:  # not below the current directory
        return shlex.quote(str(script.absolute()))


def example_queries(home: Home) -> list[str]:
    """Three commands over this home's warehouse: ad-hoc SQL and two named queries."""
    prefix = f"{sentiflow_program()} query --home {shlex.quote(str(home.root))}"
    return [
        f"{prefix} {shlex.quote(EXAMPLE_SQL)}",
        f"{prefix} --name sentiment_by_source",
        f"{prefix} --name most_negative --param limit=5",
    ]


def model_view(record: ModelRecord | None, measured: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The few facts and numbers a person compares between a model and its parent.

    `measured`: the model's metrics as another evaluation measured them (default: its own record).
    """
    if record is None:
        return None
    measured = measured if measured is not None else record.metrics
    metrics = {
        split: {k: round(measured[split][k], 4) for k in HEADLINE if k in (measured.get(split) or {})}
        for split in ("validation", "test")
        if isinstance(measured.get(split), dict)
    }
    return {
        "model_id": record.model_id,
        "kind": record.kind,
        "format": record.format,
        "stage": record.stage,
        "size_mb": round((record.size_bytes or 0) / 1e6, 1),
        "temperature": record.temperature,
        "metrics": metrics,
    }


def production_and_parent(home: Home, production_id: str | None) -> dict[str, Any]:
    """{'production': ..., 'parent': ...} as model views (None where there is none)."""
    if production_id is None:
        return {"production": None, "parent": None}
    production = get_model(home, production_id)
    parent = get_model(home, production.parent_id) if production.parent_id else None
    beside = parent_metrics_beside(production.metrics, parent.metrics) if parent else None
    return {"production": model_view(production), "parent": model_view(parent, beside)}


def stage_counts(stages: Stages) -> dict[str, dict[str, Any]]:
    """One small dict per stage that ran: what it counted and how long it took."""
    return {name: result.summary.counts(result.seconds) for name, result in stages.results.items()}


def run_fields(home: Home, plan: RunPlan, stages: Stages, production_id: str | None, seconds: float) -> dict[str, Any]:
    """The run's own part of its JSON answer (flows/envelope.py adds status, run_id, report)."""
    score = stages.get("score", ScoreSummary)
    return {
        "profile": plan.profile,
        "sources": list(plan.source_names),
        "home": str(home.root),
        "seconds": round(seconds, 1),
        "stages": stage_counts(stages),
        "models": production_and_parent(home, production_id),
        "throughput_docs_per_second": score.docs_per_second if score else None,
        "warehouse": str(home.warehouse),
        "example_queries": example_queries(home) if score else [],
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    """The summary as Markdown, for the `run-summary` artifact."""
    lines = [f"# sentiflow run: {summary['status']} in {summary['seconds']:.0f} s", ""]
    if summary["failed_stage"]:
        lines += [f"**{summary['failed_stage']['stage']} failed**: {summary['failed_stage']['error']}", ""]
    lines += ["| stage | seconds | counts |", "| --- | ---: | --- |"]
    for stage, counts in summary["stages"].items():
        shown = plain({k: v for k, v in counts.items() if k != "seconds"}).replace("|", "/")
        lines.append(f"| {stage} | {counts.get('seconds') or ''} | {shown} |")
    lines += ["", f"Warehouse: `{summary['warehouse']}`", "", "Try:", ""]
    lines += [f"    {command}" for command in summary["example_queries"]]
    return "\n".join(lines)
