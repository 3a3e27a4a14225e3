"""`sentiflow models list|promote`: the model registry. Reads DuckDB only (no Prefect, no torch),
so it answers in about a second."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

models_app = typer.Typer(help="List registered models; promote one to production.", no_args_is_help=True)
app.add_typer(models_app, name="models")


def _test_metric(metrics: dict[str, Any], name: str) -> float | None:
    test = metrics.get("test") if isinstance(metrics, dict) else None
    value = (
        test.get(name) if isinstance(test, dict) else metrics.get(f"test_{name}") if isinstance(metrics, dict) else None
    )
    return float(value) if value is not None else None


def _row(record: Any) -> dict[str, Any]:
    return {
        "model_id": record.model_id,
        "kind": record.kind,
        "format": record.format,
        "parent_id": record.parent_id,
        "base_model": record.base_model,
        "dataset_version": record.dataset_version,
        "stage": record.stage,
        "test_accuracy": _test_metric(record.metrics, "accuracy"),
        "test_macro_f1": _test_metric(record.metrics, "macro_f1"),
        "size_bytes": record.size_bytes,
        "temperature": record.temperature,
        "created_at": record.created_at.isoformat(timespec="seconds"),
        "path": record.path,
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _render_list(summary: dict[str, Any]) -> None:
    if not summary["models"]:
        console.print("no models registered yet: train one with `sentiflow train`")
        return
    table = Table()
    # ids are what people copy into `models promote`: never shorten them, squeeze the rest
    table.add_column("model id", no_wrap=True, min_width=max(len(m["model_id"]) for m in summary["models"]))
    for name in ("kind", "parent", "dataset", "stage", "test acc", "test macro-F1", "size"):
        table.add_column(name)
    for m in summary["models"]:
        stage = f"[bold green]{m['stage']}[/]" if m["stage"] == "production" else m["stage"]
        size = "-" if m["size_bytes"] is None else f"{m['size_bytes'] / 1e6:.1f} MB"
        table.add_row(
            m["model_id"],
            m["kind"],
            m["parent_id"] or "-",
            m["dataset_version"] or "-",
            stage,
            _fmt(m["test_accuracy"]),
            _fmt(m["test_macro_f1"]),
            size,
        )
    console.print(table)


@models_app.command("list")
def list_command(home: HomeOption = None, as_json: JsonOption = False) -> None:
    """List registered models, newest first, with their stage and test metrics."""
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.registry import list_models

    settings = settings_for(home)
    records = list_models(Home.at(settings.home), wait_seconds=settings.query_wait_seconds)
    emit({"models": [_row(r) for r in records]}, as_json, _render_list)


@models_app.command("promote")
def promote_command(
    model_id: Annotated[str, typer.Argument(help="The model to make production (see `sentiflow models list`).")],
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make MODEL_ID the production model; the previous production model is archived."""
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.registry import production_model, promote

    settings = settings_for(home)
    root = Home.at(settings.home)
    previous = production_model(root)
    record = promote(root, model_id)
    summary = {
        "model_id": record.model_id,
        "stage": record.stage,
        "previous_production": previous.model_id if previous and previous.model_id != model_id else None,
    }

    def render(s: dict[str, Any]) -> None:
        archived = f"; archived {s['previous_production']}" if s["previous_production"] else ""
        console.print(f"[bold]{s['model_id']}[/] is now the production model{archived}")

    emit(summary, as_json, render)
