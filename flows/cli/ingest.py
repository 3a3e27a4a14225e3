"""`sentiflow ingest`: files, folders and the demo corpus into the Parquet lake."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.ingest.summary import IngestSummary


def _column_option(role: str) -> Any:
    return typer.Option(
        f"--{role}-column",
        help=f"The {role} column: a name, or a 1-based position for a CSV/TSV without a header row.",
        show_default=False,
    )


def _render(summary: IngestSummary) -> None:
    from rich.table import Table

    from sentiflow.tasks.ingest.summary import reasons_text

    table = Table(
        "source", "files", "read", "written", "quarantined", "already ingested", "repaired", "MB/s", title="ingest"
    )
    for name, s in summary.sources.items():
        table.add_row(
            name,
            str(s.files),
            f"{s.read:,}",
            f"{s.written:,}",
            f"{s.quarantined:,}",
            f"{s.already_ingested:,}",
            f"{s.repaired:,}",
            f"{s.mb_per_s:.1f}",
        )
    if summary.sources:
        console.print(table)
    for name, s in summary.sources.items():
        if s.quarantined:
            console.print(
                f"{name}: quarantined {reasons_text(s.quarantined_by_reason)} (see lake/quarantine/source={name}/)",
                highlight=False,
            )
    if summary.ignored_files:
        console.print(
            f"skipped {len(summary.ignored_files)} file(s) with no supported extension, e.g. {summary.ignored_files[0]}",
            highlight=False,
        )


def _fail(errors: list[str], ingested: int) -> None:
    """One line per failed input; exit 1 when others were ingested, else 2 (via the exceptions)."""
    from sentiflow.tasks.core.errors import PartialFailure, UserError

    last = errors if ingested else errors[:-1]
    for error in last:
        console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    if not ingested:
        raise UserError(errors[-1])
    raise PartialFailure(f"{len(errors)} input(s) failed (above); the other inputs were ingested")


@app.command("ingest")
def ingest_command(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders (csv, tsv, jsonl/ndjson, parquet, txt, and .gz of each; a folder of "
            ".txt files is one document per file, labelled by its parent folder), or demo.",
            metavar="INPUT",
            show_default=False,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            help="Source name in the lake (default: from each file or folder name; demo for the demo corpus).",
            show_default=False,
        ),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            help="Tag every row with this split, e.g. test for a benchmark's official test set.", show_default=False
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Override the format from the extension: csv, tsv, jsonl, parquet or txt.",
            show_default=False,
        ),
    ] = None,
    text_column: Annotated[str | None, _column_option("text")] = None,
    label_column: Annotated[str | None, _column_option("label")] = None,
    confidence_column: Annotated[str | None, _column_option("confidence")] = None,
    date_column: Annotated[str | None, _column_option("date")] = None,
    runner: Annotated[str, typer.Option(help="Task runner: threads (this machine) or dask.")] = "threads",
    dask_address: Annotated[
        str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT (default: a local cluster).", show_default=False)
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest files, folders or the `demo` corpus into the lake (idempotent: re-runs add only new rows).

    Columns are detected by name (text/sentence/review/content/tweet; label/sentiment/rating/
    polarity/stars; confidence; date/created_at/timestamp) unless given. Bad rows go to
    lake/quarantine/ with a reason. Exit code 0: all ingested; 1: some inputs failed; 2: none could be
    ingested, or a bad option.
    """
    from sentiflow.tasks.core.errors import UserError
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.core.runners import check_runner
    from sentiflow.tasks.ingest.columns import ColumnSpec
    from sentiflow.tasks.ingest.inputs import plan_inputs

    settings = settings_for(home)
    check_runner(runner, dask_address)
    if split is not None and not split.strip():
        raise UserError("--split must not be empty (e.g. --split test)")
    _ = ColumnSpec(text_column, label_column, confidence_column, date_column).by_position  # no name/position mix
    plan = plan_inputs(inputs, source, fmt)  # bad options raise here, before Prefect starts
    if not plan.units:
        _fail([f["error"] for f in plan.failures], ingested=0)

    from sentiflow.flows.prefect_env import configure_prefect

    root = Home.at(settings.home).root
    root.mkdir(parents=True, exist_ok=True)  # a first ingest creates the home (Prefect's DB lives in it)
    configure_prefect(root)
    from sentiflow.flows.ingest import ingest_flow
    from sentiflow.tasks.ingest.summary import IngestSummary

    with _progress(as_json):
        result = ingest_flow(
            inputs=inputs,
            home=str(root),
            source=source,
            split=split,
            fmt=fmt,
            text_column=text_column,
            label_column=label_column,
            confidence_column=confidence_column,
            date_column=date_column,
            runner=runner,
            dask_address=dask_address,
        )
    summary = IngestSummary.from_json(result)
    emit(result, as_json, lambda _: _render(summary))
    if summary.failures:
        _fail([f.error for f in summary.failures], ingested=len(summary.files))


def _progress(quiet: bool) -> Any:
    """A progress bar per file while the flow runs (threads runner; Dask workers report none)."""
    from contextlib import ExitStack

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

    from sentiflow.tasks.core.progress import Progress as FileProgress
    from sentiflow.tasks.core.progress import listening

    stack = ExitStack()
    if quiet or not console.is_terminal:
        return stack
    bars = stack.enter_context(
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
    )
    ids: dict[str, Any] = {}

    def on_progress(p: FileProgress) -> None:
        if p.label not in ids:
            ids[p.label] = bars.add_task(p.label, total=p.total or None)
        bars.update(ids[p.label], completed=p.done, total=(p.done if p.finished else p.total) or None)

    stack.enter_context(listening(on_progress, FileProgress))
    return stack
