"""`sentiflow run`: the whole pipeline, end to end, with a summary at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, out, settings_for
from sentiflow.tasks.report.html import plain


def _metrics_cell(view: dict[str, Any] | None, split: str, metric: str) -> str:
    value = ((view or {}).get("metrics", {}).get(split) or {}).get(metric)
    if value is None:
        return "-"
    return f"{value:,}" if metric == "n" else f"{value:.4f}"


def _render(summary: dict[str, Any]) -> None:
    colour = {"completed": "green", "partial": "yellow"}.get(summary["status"], "red")
    console.print(
        f"[bold {colour}]run {summary['status']}[/] in {summary['seconds'] / 60:.1f} min "
        f"(profile {summary['profile']}, sources {', '.join(summary['sources'])})"
    )
    if summary["failed_stage"]:
        console.print(
            f"[red]{summary['failed_stage']['stage']} failed:[/] {summary['failed_stage']['error']}", highlight=False
        )
    stages = Table("stage", "seconds", "what happened", title="stages")
    for stage, counts in summary["stages"].items():
        shown = plain({k: v for k, v in counts.items() if k != "seconds"})
        stages.add_row(stage, plain(counts["seconds"]) if counts.get("seconds") is not None else "", shown)
    console.print(stages)
    production, parent = summary["models"]["production"], summary["models"]["parent"]
    if production:
        models = Table(
            "",
            f"production: {production['model_id']}",
            f"parent: {parent['model_id']}" if parent else "parent",
            title="models",
        )
        models.add_row(
            "kind / format",
            f"{production['kind']} / {production['format']}",
            f"{parent['kind']} / {parent['format']}" if parent else "-",
        )
        models.add_row("size (MB)", str(production["size_mb"]), str(parent["size_mb"]) if parent else "-")
        for split in ("validation", "test"):
            for metric in ("n", "accuracy", "macro_f1", "ece"):
                models.add_row(
                    f"{split} {metric}", _metrics_cell(production, split, metric), _metrics_cell(parent, split, metric)
                )
        console.print(models)
    if summary["throughput_docs_per_second"] is not None:
        console.print(f"scoring throughput: {summary['throughput_docs_per_second']:,} documents/s")
    console.print(f"warehouse: {summary['warehouse']}")
    if summary.get("report"):
        console.print(f"report:    {summary['report']}")
    if summary["example_queries"]:
        console.print("try:")
        for command in summary["example_queries"]:
            out.print(f"  {command}", highlight=False, soft_wrap=True, markup=False)


@app.command("run")
def run_command(
    profile: Annotated[
        str, typer.Option(help="Training budget: quick (minutes, for the demo) or full (a real fine-tune).")
    ] = "quick",
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--sources",
            help="Configured source to use instead of the demo (repeat for more; 'all' for every "
            "one); sources are read from HOME/sentiflow.toml or --sources-file.",
            show_default=False,
        ),
    ] = None,
    sources_file: Annotated[
        Path | None,
        typer.Option(
            help="The sources file, TOML with one sources table per source "
            "(default: SENTIFLOW_SOURCES_FILE, else HOME/sentiflow.toml).",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    base_model: Annotated[
        str | None,
        typer.Option(
            help="Model to fine-tune: a hub id or a local folder (default: the bundled all-MiniLM-L6-v2).",
            show_default=False,
        ),
    ] = None,
    runner: Annotated[
        str, typer.Option(help="Task runner for ingest and scoring shards: threads or dask.")
    ] = "threads",
    dask_address: Annotated[
        str | None,
        typer.Option(
            help="Dask scheduler tcp://HOST:PORT (with --runner dask; default: a local cluster).", show_default=False
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="A saved training config (HOME/configs/NAME.json, e.g. from `sentiflow tune`): curation uses "
            "its data recipe, training its hyperparameters.",
            show_default=False,
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the whole pipeline: ingest, curate, train, compress, score, load, report.

    With no options it works on the embedded demo corpus in a fresh home. Each stage is
    incremental, so a second run reuses the dataset and the model and scores only new
    documents. Ends with counts per stage, the model next to its parent, the scoring
    throughput, where the warehouse is, and three `sentiflow query` commands to try.
    """
    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.flows.run_config import plan_run

    settings = settings_for(home)
    # every parameter mistake surfaces here as one line, before Prefect starts
    plan = plan_run(
        str(settings.home), profile, sources, str(sources_file) if sources_file else None, runner, dask_address
    )
    if base_model:
        _check_base_model(base_model, settings.offline)
    if config:
        _check_config(plan.home, config)
    configure_prefect(Path(plan.home))

    from sentiflow.flows.run import run_flow

    summary = run_flow(
        home=plan.home,
        profile=profile,
        sources=sources or None,
        sources_file=str(sources_file) if sources_file else None,
        runner=runner,
        dask_address=dask_address,
        base_model=base_model,
        config=config,
    )
    emit(summary, as_json, _render)
    if summary["status"] == "failed":
        raise typer.Exit(1)


def _check_base_model(base_model: str, offline: bool) -> None:
    """A local folder must hold weights; a hub id needs the network."""
    from sentiflow.tasks.train.inputs import resolve_base_model

    resolve_base_model(base_model, offline=offline)


def _check_config(home: str, name: str) -> None:
    """The named training config exists and reads."""
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.training.named import load_named_config

    load_named_config(Home.at(home), name)
