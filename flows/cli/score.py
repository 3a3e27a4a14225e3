"""`sentiflow score`: score new lake documents with a model into the DuckDB warehouse."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.ingest.summary import InputFailure
    from sentiflow.tasks.score.summary import ScoreSummary

_SHOWN = (
    ("model", "model_id"),
    ("status", "status"),
    ("documents seen", "documents_seen"),
    ("skipped (already scored)", "documents_skipped"),
    ("scored", "documents_scored"),
    ("in failed shards", "documents_failed"),
    ("predictions loaded", "predictions_loaded"),
    ("documents loaded", "documents_loaded"),
    ("docs/s", "docs_per_second"),
    ("seconds", "seconds"),
    ("write lock held (s)", "lock_held_seconds"),
)


def _render(summary: ScoreSummary) -> None:
    from rich.table import Table

    table = Table("", "", title=f"score run {summary.run_id}", show_header=False)
    for label, name in _SHOWN:
        value = getattr(summary, name)
        table.add_row(label, f"{value:,}" if isinstance(value, (int, float)) else str(value))
    console.print(table)
    if summary.documents_scored:
        console.print('see them: sentiflow query "select * from latest_predictions limit 10"')


def _progress(quiet: bool) -> ExitStack:
    """A bar per shard while it is scored (threads runner; Dask workers report none)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sentiflow.tasks.core.progress import Progress as ShardProgress
    from sentiflow.tasks.core.progress import listening

    stack = ExitStack()
    if quiet or not console.is_terminal:
        return stack
    bars = stack.enter_context(
        Progress(
            TextColumn("scoring {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
    )
    ids: dict[str, Any] = {}

    def on_progress(p: ShardProgress) -> None:
        if p.label not in ids:
            ids[p.label] = bars.add_task(p.label, total=p.total)
        bars.update(ids[p.label], completed=p.done)

    stack.enter_context(listening(on_progress, ShardProgress))
    return stack


def _ingest_first(
    files: list[str], source: str | None, home: str, runner: str, dask_address: str | None
) -> tuple[list[str], list[InputFailure]]:
    """Ingest FILE... with the ingest flow; returns (sources ingested, failures)."""
    from sentiflow.flows.ingest import ingest_flow
    from sentiflow.tasks.core.errors import UserError
    from sentiflow.tasks.ingest.summary import IngestSummary

    summary = IngestSummary.from_json(
        ingest_flow(inputs=files, home=home, source=source, runner=runner, dask_address=dask_address)
    )
    sources = sorted(summary.sources)
    if not sources:
        errors = "; ".join(f.error for f in summary.failures) or "no documents"
        raise UserError(f"nothing to score: ingesting {', '.join(files)} failed ({errors})")
    return sources, summary.failures


@app.command("score")
def score_command(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files or folders to ingest first (as `sentiflow ingest` does), then score.", show_default=False
        ),
    ] = None,
    model: Annotated[str, typer.Option(help="Model id, or `production` for the production model.")] = "production",
    source: Annotated[
        list[str] | None,
        typer.Option(
            help="Score only this source (repeatable). With FILE...: the source name to ingest them as.",
            show_default=False,
        ),
    ] = None,
    all_sources: Annotated[bool, typer.Option("--all", help="Score every source in the lake (the default).")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=4096, help="Texts per model forward pass.")] = 64,
    runner: Annotated[str, typer.Option(help="Task runner: threads (this machine) or dask.")] = "threads",
    dask_address: Annotated[
        str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT (default: a local cluster).", show_default=False)
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score documents not yet scored by the model, and load the predictions into DuckDB.

    Incremental: documents the model already scored are skipped, and a killed run resumes
    where it stopped. Exit code 0: all scored; 1: some shards failed (the rest are loaded).
    """
    from sentiflow.tasks.core.errors import UserError
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.core.lake import document_shards
    from sentiflow.tasks.core.runners import check_runner
    from sentiflow.tasks.models.loading import check_model_files
    from sentiflow.tasks.score.predictions import sentiment_labels
    from sentiflow.tasks.warehouse.registry import get_model

    settings = settings_for(home)
    root = Home.at(settings.home)
    check_runner(runner, dask_address)
    if all_sources and source:
        raise UserError("give --source NAME or --all, not both")
    if files and source and len(source) > 1:
        raise UserError("with FILE... give at most one --source: the name to ingest the files as")
    record = get_model(root, model)  # unknown model, no production model: one line, before Prefect
    sentiment_labels(record.labels, record.model_id)
    check_model_files(root.root / record.path)  # weights missing, or pickled only
    if not files:
        document_shards(root, None if all_sources else source)  # empty lake, unknown source

    from sentiflow.flows.prefect_env import configure_prefect

    configure_prefect(root.root)
    from sentiflow.flows.score import score_flow
    from sentiflow.tasks.score.summary import ScoreSummary

    failures: list[InputFailure] = []
    sources = None if all_sources else source
    if files:
        ingested, failures = _ingest_first(files, source[0] if source else None, str(root.root), runner, dask_address)
        sources = None if all_sources else ingested
    with _progress(as_json):
        result = score_flow(
            home=str(root.root),
            model=record.model_id,
            sources=sources,
            batch_size=batch_size,
            runner=runner,
            dask_address=dask_address,
        )
    summary = ScoreSummary.from_json(result)
    shown = {**result, "ingest_failures": [asdict(f) for f in failures]}
    emit(shown if files else result, as_json, lambda _: _render(summary))
    for failure in summary.failures:  # error texts are data: '[...]' in them is not markup
        console.print(
            f"[bold red]error:[/] {escape(failure.lake_shard)}: {escape(failure.error)}",
            highlight=False,
            soft_wrap=True,
        )
    for failure in failures:
        console.print(f"[bold red]error:[/] {escape(failure.error)}", highlight=False, soft_wrap=True)
    if summary.failures or failures:
        raise typer.Exit(1)
