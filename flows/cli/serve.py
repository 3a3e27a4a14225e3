"""`sentiflow serve`: serve every deployment from this process, schedules included."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for

if TYPE_CHECKING:
    from sentiflow.flows.deployments import DeploymentSpec


@app.command("serve")
def serve_command(
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Serve only this deployment (repeat for more; default: all of them).", show_default=False
        ),
    ] = None,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Serve the Prefect deployments locally until interrupted (Ctrl-C).

    nightly runs at 02:00 UTC (never two at once); retrain, rescore and the
    stage flows run when triggered: `sentiflow trigger NAME` or
    `prefect deployment run 'NAME/NAME'`. Without PREFECT_API_URL this starts
    a local Prefect server (SQLite in HOME/prefect) for the schedules.
    """
    import os

    from sentiflow.flows.deployments import DEPLOYMENTS, deployment
    from sentiflow.flows.local_server import start_local_server
    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.flows.run_config import check_home

    settings = settings_for(home)
    root = check_home(settings.home)
    specs = [deployment(name) for name in only] if only else list(DEPLOYMENTS)
    root.mkdir(parents=True, exist_ok=True)
    configure_prefect(root)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        (root / "prefect").mkdir(exist_ok=True)
        console.print("starting a local Prefect server (SQLite in HOME/prefect) ...")
        server = start_local_server(root)
        os.environ["PREFECT_API_URL"] = server.api_url
    try:
        _serve(root, specs, as_json)
    finally:
        if server is not None:
            server.stop(root)


def _serve(root: Path, specs: list[DeploymentSpec], as_json: bool) -> None:
    import os

    from prefect import serve

    deployments = [spec.to_deployment(root) for spec in specs]
    info = {
        "api_url": os.environ["PREFECT_API_URL"],
        "home": str(root),
        "deployments": [
            {
                "name": f"{s.name}/{s.name}",
                "schedule": f"{s.cron} {s.timezone}" if s.cron else "manual",
                "concurrency_limit": s.concurrency_limit,
            }
            for s in specs
        ],
    }

    def render(i: dict) -> None:
        table = Table("deployment", "schedule", "concurrency limit", title=f"serving for {i['home']}")
        for d in i["deployments"]:
            table.add_row(d["name"], d["schedule"], str(d["concurrency_limit"] or "-"))
        console.print(table)
        console.print(
            f"Prefect API: {i['api_url']}  (trigger: sentiflow trigger retrain --home {i['home']}, or "
            f"PREFECT_API_URL={i['api_url']} prefect deployment run 'retrain/retrain')"
        )

    emit(info, as_json, render)
    serve(*deployments, print_starting_message=False)
