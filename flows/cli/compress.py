"""`sentiflow compress`: make a fine-tuned model smaller and faster, and measure what it costs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.compress.summary import CompressSummary


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e6:.1f} MB"


def _render(summary: CompressSummary) -> None:
    parent = summary.parent
    console.print(
        f"compressing [bold]{parent.model_id}[/] ({summary.method}, profile {summary.profile}, "
        f"dataset {summary.dataset_version}, budget {summary.max_accuracy_drop:g} points)"
    )
    table = Table(
        "kind",
        "size",
        "p50 ms",
        "texts/s",
        "val acc",
        "test acc",
        "agreement",
        "drop (pts)",
        "",
        title="against the parent (ratios in brackets); model ids below",
    )
    table.add_row(
        "parent",
        _mb(parent.size_bytes),
        f"{parent.latency_ms_p50:.1f}",
        f"{parent.throughput:.0f}",
        f"{parent.validation_accuracy:.4f}",
        f"{parent.test_accuracy:.4f}",
        "1.0000",
        "-",
        "",
    )
    for row in summary.candidates:
        if row["error"]:
            table.add_row(row["kind"], f"[red]failed: {row['error']}[/]", *[""] * 7)
            continue
        mark = (
            "[bold green]chosen[/]"
            if row["model_id"] == summary.chosen
            else ("" if row["within_budget"] else "over budget")
        )
        table.add_row(
            row["kind"],
            f"{_mb(row['size_bytes'])} ({row['size_ratio']}x)",
            f"{row['latency_ms_p50']:.1f}",
            f"{row['throughput']:.0f} ({row['throughput_ratio']}x)",
            f"{row['validation_accuracy']:.4f}",
            f"{row['test_accuracy']:.4f}",
            f"{row['agreement']:.4f}",
            f"{row['accuracy_drop_points']:.2f}",
            mark,
        )
    console.print(table)
    for row in summary.candidates:
        console.print(f"  {row['kind']}: {row['model_id']}", highlight=False)
    console.print(summary.reason)
    if summary.student_id:
        rows = summary.transfer_rows or {}
        console.print(
            f"student {summary.student_id} of teachers {', '.join(summary.teachers or [])}; transfer set: "
            + ", ".join(f"{n} {part}" for part, n in rows.items())
        )
    console.print(summary.promotion_note)


@app.command("compress")
def compress_command(
    model: Annotated[str, typer.Option(help="Model id to compress, or 'production'.")] = "production",
    method: Annotated[
        str,
        typer.Option(
            help="quantize (int8 ONNX), prune (layers + FFN neurons), distill (shallower student; with "
            "--student-base, a separate student taught by --model and every --teacher), or auto "
            "(try them, then quantize; keep the fastest within the budget)."
        ),
    ] = "auto",
    max_accuracy_drop: Annotated[
        float, typer.Option(help="Largest validation accuracy drop allowed, in percentage points.")
    ] = 1.0,
    target_layers: Annotated[
        int | None,
        typer.Option(
            help="Encoder layers of the student (distill) or kept by pruning (default: half / two thirds of the parent's)."
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="quick (auto quantizes only; about a minute for MiniLM) or full (whole splits, every method)."
        ),
    ] = "quick",
    max_minutes: Annotated[
        float | None, typer.Option(help="Training time budget shared by the candidates that train (distill, prune).")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="Dataset version to train and evaluate on (default: the parent's).")
    ] = None,
    promote: Annotated[
        bool, typer.Option(help="Promote the chosen model when its parent is the production model.")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed for sampling, student training and shuffling.")] = 42,
    teacher: Annotated[
        list[str] | None,
        typer.Option(
            help="With --student-base: another teacher (repeatable); the ensemble (--model and every --teacher) "
            "averages their calibrated probabilities."
        ),
    ] = None,
    student_base: Annotated[
        str | None,
        typer.Option(
            help="Distil --model (and --teacher) into this student: 'bundled' (all-MiniLM-L6-v2) or a model folder. "
            "Needs --method distill; teacher and student may differ in layers, width and tokenizer."
        ),
    ] = None,
    transfer: Annotated[
        list[str] | None,
        typer.Option(
            help="Lake source whose documents (unlabelled, labelled by the teachers) join the transfer set "
            "(repeatable; 'all' = every source). Validation/test texts are always kept out."
        ),
    ] = None,
    transfer_max: Annotated[
        int | None, typer.Option(help="Most lake documents in the transfer set (a seeded sample).")
    ] = None,
    augment: Annotated[
        int, typer.Option(help="Augmented variants per training text (vocabulary-neighbour word swaps).")
    ] = 0,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compress a fine-tuned model (int8 quantization, pruning, distillation) and measure it against its parent."""
    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.tasks.compress.job import CompressRequest, prepare_job
    from sentiflow.tasks.core.home import Home

    settings = settings_for(home)
    configure_prefect(settings.home)
    request = CompressRequest(
        model=model,
        method=method,
        max_accuracy_drop=max_accuracy_drop,
        target_layers=target_layers,
        seed=seed,
        max_minutes=max_minutes,
        profile=profile,
        dataset=dataset,
        promote=promote,
        teachers=tuple(teacher or ()),
        student_base=student_base,
        transfer=tuple(transfer or ()),
        transfer_max=transfer_max,
        augment=augment,
    )
    prepare_job(Home.at(settings.home), request)  # every user mistake as one line, before Prefect starts

    from rich.markup import escape

    from sentiflow.flows.compress import compress_flow
    from sentiflow.tasks.compress.summary import CompressSummary
    from sentiflow.tasks.core.progress import Note, listening

    with (
        console.status("compressing (see the Prefect log for progress)") as status,
        listening(lambda note: status.update(f"compressing: {escape(note.message)}"), Note),
    ):
        result = compress_flow(home=str(settings.home), **request.flow_parameters())
    summary = CompressSummary.from_json(result)
    emit(result, as_json, lambda _: _render(summary))
    if summary.chosen is None:
        from sentiflow.tasks.core.errors import UserError

        raise UserError(summary.reason)
