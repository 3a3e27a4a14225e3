"""`sentiflow report`: the self-contained HTML report for the latest run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for


@app.command("report")
def report_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Where to write the HTML file (default: HOME/reports/report.html).",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a self-contained HTML report (plots inline) from the home.

    Plots: the curation funnel, class balance per split, the confusion
    matrix, reliability before and after calibration, sentiment over time
    by source, and model size against accuracy per compressed candidate.
    Reads the home only (the warehouse read-only), so it works after any
    run; sections whose data does not exist yet say what is missing.
    """
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.report.build import build_report
    from sentiflow.tasks.report.summary import ReportSummary

    settings = settings_for(home)
    root = Home.at(settings.home)
    if not root.root.is_dir():
        from sentiflow.tasks.core.errors import UserError

        raise UserError(f"no home folder at {root.root}: run `sentiflow run` first, or pass --home")
    result = build_report(root, out, wait_seconds=settings.query_wait_seconds)
    summary = ReportSummary.from_json(result)

    def render(_: dict) -> None:
        table = Table("plot", "status", title=f"report: {summary.report}")
        for key in ("funnel", "balance", "confusion", "reliability", "sentiment", "models", "drift"):
            table.add_row(
                key, "drawn" if key in summary.plots else f"[yellow]not available[/]: {summary.missing.get(key, '')}"
            )
        console.print(table)
        console.print(f"open it with: xdg-open {summary.report}  ({summary.bytes:,} bytes, self-contained)")

    emit(result, as_json, render)
