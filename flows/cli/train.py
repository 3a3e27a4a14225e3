"""`sentiflow train`: fine-tune a BERT-family model on a curated dataset, with a progress bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.train.summary import TrainSummary


def _render(summary: TrainSummary) -> None:
    verb = "reused" if summary.reused else "trained"
    console.print(f"[bold]{summary.model_id}[/] {verb} on dataset {summary.dataset_version} from {summary.base_model}")
    table = Table("split", "accuracy", "macro-F1", "ECE (calibrated)")
    for split, m in summary.metrics.items():
        table.add_row(split, f"{m['accuracy']:.4f}", f"{m['macro_f1']:.4f}", f"{m['ece']:.4f}")
    console.print(table)
    t, c = summary.training, summary.calibration
    if t.steps is not None:
        console.print(
            f"training: {t.steps}/{t.total_steps} steps, stop: {t.stop_reason}, "
            f"best step {t.best_step}, {t.samples_per_second:.0f} samples/s, "
            f"{(t.wall_seconds or 0) / 60:.1f} min on {t.hardware}"
        )
    console.print(f"temperature {c['temperature']:.3f} (validation ECE {c['ece_before']:.4f} -> {c['ece_after']:.4f})")
    console.print(("promoted to production: " if summary.promoted else "not promoted: ") + summary.promotion_reason)
    console.print(f"model folder: {summary.model_dir}")


@app.command("train")
def train_command(
    dataset: Annotated[str, typer.Option(help="Dataset version to train on, or 'latest'.")] = "latest",
    base_model: Annotated[
        str | None,
        typer.Option(help="Hugging Face hub id or local folder [default: the bundled all-MiniLM-L6-v2, offline]."),
    ] = None,
    profile: Annotated[
        str, typer.Option(help="quick (a few minutes, for demos) or full (3 epochs, 128 tokens).")
    ] = "quick",
    epochs: Annotated[float | None, typer.Option(help="Passes over the train split (fractions allowed).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Examples per optimizer step.")] = None,
    lr: Annotated[float | None, typer.Option(help="Peak AdamW learning rate.")] = None,
    max_seq_len: Annotated[int | None, typer.Option(help="Tokens per text after truncation.")] = None,
    max_minutes: Annotated[
        float | None, typer.Option(help="Wall-clock budget for training; stops cleanly and keeps the best checkpoint.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed for sampling, shuffling, initialisation and dropout (default: 42).")
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda (bf16 autocast on CUDA).")] = "auto",
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a killed or time-budget-stopped run from its last checkpoint.")
    ] = False,
    promote_if_better: Annotated[
        bool, typer.Option("--promote-if-better", help="Promote to production if it beats production's test macro-F1.")
    ] = False,
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help="A saved training config (HOME/configs/NAME.json, e.g. from `sentiflow tune`): its profile and "
            "hyperparameters replace --profile; options given here override it.",
            show_default=False,
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fine-tune a sentiment classifier on a curated dataset; evaluate, calibrate and register it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.training.named import curation_path, training_config
    from sentiflow.tasks.train.finetune import plan_training

    settings = settings_for(home)
    configure_prefect(settings.home)
    train_config = training_config(
        Home.at(settings.home),
        config,
        profile,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        max_seq_len=max_seq_len,
        max_minutes=max_minutes,
        seed=seed,
        device=device,
    )
    # every user mistake surfaces here as one line, before Prefect starts
    plan = plan_training(Home.at(settings.home), dataset, base_model, train_config, resume, offline=settings.offline)
    if plan.notice() and not plan.reuse:
        console.print(f"[yellow]note:[/] {plan.notice()}", highlight=False)
    if config and not as_json:
        recipe = curation_path(Home.at(settings.home), config)
        console.print(f"config {config!r}: its data recipe applies when curating (`curate --config {recipe}`)")

    from sentiflow.flows.train import train_flow
    from sentiflow.tasks.core.progress import listening
    from sentiflow.tasks.models.training.loop import TrainEvent
    from sentiflow.tasks.train.summary import TrainSummary

    columns = (
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("train", total=None, loss="-")

        def on_event(event: TrainEvent) -> None:
            if event.kind == "step":
                progress.update(bar, completed=event.step, total=event.total_steps, loss=f"{event.data['loss']:.3f}")
            elif event.kind == "header":
                progress.update(bar, completed=event.step, total=event.total_steps)

        with listening(on_event, TrainEvent):
            result = train_flow(
                home=str(Home.at(settings.home).root),
                dataset=dataset,
                base_model=base_model,
                profile=profile,
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                max_seq_len=max_seq_len,
                max_minutes=max_minutes,
                seed=seed,
                device=device,
                resume=resume,
                promote_if_better=promote_if_better,
                config=config,
            )
    summary = TrainSummary.from_json(result)
    emit(result, as_json, lambda _: _render(summary))
