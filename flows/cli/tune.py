"""`sentiflow tune`: a budgeted, resumable training-strategy search (Optuna), one line per trial."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.tasks.tune.summary import TuneSummary


def _render(summary: TuneSummary) -> None:
    from rich.table import Table

    counts = ", ".join(f"{n} {state}" for state, n in summary.trials.items() if n)
    console.print(
        f"study [bold]{summary.study}[/] on dataset {summary.dataset_version}: {summary.trials_this_run} trial(s) "
        f"this run in {summary.seconds / 60:.1f} min ({summary.stop_reason}); all trials: {counts or 'none'} "
        f"[{summary.sampler} sampler, {summary.pruner} pruner]",
        highlight=False,
    )
    if summary.failed_on_resume:
        console.print(f"marked failed on resume (their process died): trials {summary.failed_on_resume}")
    if summary.best_config is None:
        console.print("[yellow]no trial completed yet[/]: resume with a larger --max-minutes")
        return
    table = Table("parameter", "best value", title=f"best trial {summary.best_trial}")
    for name, value in sorted(summary.best_params.items()):
        table.add_row(name, f"{value:.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    test = (
        f", test accuracy {summary.test['accuracy']:.4f} macro-F1 {summary.test['macro_f1']:.4f}"
        if summary.test
        else ""
    )
    console.print(f"validation macro-F1 {summary.best_value:.4f}{test}", highlight=False)
    console.print(f"saved as training config {summary.best_config!r}: sentiflow train --config {summary.best_config}")
    console.print(f"study journal: {summary.journal} (optuna-dashboard opens it)", highlight=False)


@app.command("tune")
def tune_command(
    dataset: Annotated[str, typer.Option(help="Dataset version to search on, or 'latest'.")] = "latest",
    study: Annotated[
        str, typer.Option(help="Study name: HOME/tune/NAME.journal, and the name of the training config it saves.")
    ] = "default",
    max_minutes: Annotated[
        float, typer.Option(help="Wall-clock budget of the whole search; no trial trains past it.")
    ] = 60.0,
    trials: Annotated[
        int | None, typer.Option(help="Most trials to run this time (default: until the budget runs out).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue the study: keeps finished trials, marks ones a killed run left as failed."
        ),
    ] = False,
    space: Annotated[
        Path | None,
        typer.Option(help="Search space TOML (default: the packaged tasks/tune/space.toml).", show_default=False),
    ] = None,
    sampler: Annotated[
        str | None, typer.Option(help="tpe, nsga2 (evolutionary), random or cmaes (default: the space file's, tpe).")
    ] = None,
    pruner: Annotated[
        str | None,
        typer.Option(help="hyperband, successive_halving, median or none (default: the space file's, hyperband)."),
    ] = None,
    base_model: Annotated[
        str | None,
        typer.Option(help="Hugging Face hub id or local folder (default: the bundled all-MiniLM-L6-v2, offline)."),
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search the data recipe (near-duplicate, leakage, confidence and quality thresholds) and the
    training hyperparameters together, judged on fixed validation rows by macro-F1.

    Weak trials are pruned from their intermediate scores; the study (HOME/tune/STUDY.journal)
    survives a kill and `--resume` continues it. The best trial is saved as the training config
    STUDY (`sentiflow train --config STUDY`) and its model scored once on the test split. Every
    trial is also a row of the warehouse table `tuning_trials` (view `best_trials`).
    """
    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.train.inputs import resolve_base_model
    from sentiflow.tasks.tune.search import plan_search

    settings = settings_for(home)
    root = Home.at(settings.home)
    space_path = str(space) if space else None
    # every user mistake surfaces here as one line, before Prefect starts
    base = resolve_base_model(base_model, offline=settings.offline)
    plan_search(root, dataset, study, max_minutes, trials, resume, space_path, sampler, pruner, base.source, device)
    configure_prefect(root.root)

    from sentiflow.flows.tune import tune_flow
    from sentiflow.tasks.tune.summary import TuneSummary

    result = tune_flow(
        home=str(root.root),
        dataset=dataset,
        study=study,
        max_minutes=max_minutes,
        trials=trials,
        resume=resume,
        space=space_path,
        sampler=sampler,
        pruner=pruner,
        base_model=base_model,
        device=device,
    )
    summary = TuneSummary.from_json(result)
    emit(result, as_json, lambda _: _render(summary))
