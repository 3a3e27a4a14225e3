"""`sentiflow monitor`: drift and estimated accuracy of each source's latest scored batch."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for


@app.command("monitor")
def monitor_command(
    source: Annotated[
        list[str] | None,
        typer.Option(help="Monitor only this source (repeatable; default: every scored source).", show_default=False),
    ] = None,
    model: Annotated[str, typer.Option(help="Model id, or `production` for the production model.")] = "production",
    min_batch: Annotated[
        int, typer.Option(min=2, help="Fewer documents than this: the batch is marked insufficient, not judged.")
    ] = 50,
    reference_split: Annotated[
        str, typer.Option(help="The split of the model's dataset its reference is built from, if it has none.")
    ] = "test",
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare each source's latest scored batch with the model's reference.

    Measures: predicted-label shares (Jensen-Shannon), confidences (normed Wasserstein), text
    length, words unknown to the tokenizer, non-letter characters, languages, a TF-IDF domain
    classifier (ROC AUC), and the accuracy estimated from calibrated confidences (CBPE). They
    go to the warehouse's drift_metrics table (see the drift_alerts view); a drifted batch
    emits the Prefect event sentiflow.drift.detected. Exit code 0 whether or not it drifted.
    """
    from sentiflow.tasks.core.errors import UserError
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.monitor.batches import latest_batches
    from sentiflow.tasks.monitor.reference import ReferenceConfig
    from sentiflow.tasks.monitor.summary import MonitorSummary
    from sentiflow.tasks.warehouse.registry import get_model

    settings = settings_for(home)
    root = Home.at(settings.home)
    if not root.warehouse.exists():
        raise UserError(f"no warehouse at {root.warehouse}: run `sentiflow score` first, or pass --home")
    ReferenceConfig(reference_split).check()
    record = get_model(root, model)  # unknown model, no production model: one line, before Prefect
    latest_batches(root, record.model_id, source, settings.query_wait_seconds)  # unknown source: one line

    from sentiflow.flows.prefect_env import configure_prefect

    configure_prefect(root.root)
    from sentiflow.flows.monitor import monitor_flow

    result = monitor_flow(
        home=str(root.root), model=record.model_id, sources=source, min_batch=min_batch, reference_split=reference_split
    )
    summary = MonitorSummary.from_json(result)

    def render(_: dict) -> None:
        table = Table(
            "source",
            "run",
            "documents",
            "status",
            "drifted on",
            "estimated accuracy",
            title=f"monitor {summary.model_id}",
        )
        for b in summary.batches:
            colour = {"drifted": "red", "insufficient": "yellow"}.get(b.status, "green")
            accuracy = (
                f"{b.estimated_accuracy:.3f} [{b.accuracy_band[0]:.3f}, {b.accuracy_band[1]:.3f}]"
                if b.estimated_accuracy is not None and b.accuracy_band
                else "-"
            )
            table.add_row(
                escape(b.source),
                b.run_id[:8],
                f"{b.n_current:,}",
                f"[{colour}]{b.status}[/]",
                ", ".join(b.drifted_metrics) or "-",
                accuracy,
            )
        console.print(table)
        console.print('alerts: sentiflow query "select * from drift_alerts"')

    emit(result, as_json, render)
