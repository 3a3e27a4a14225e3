"""`sentiflow trigger`: start a run of a served deployment, the CLI twin of `prefect deployment run`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, settings_for
from sentiflow.flows.deployments import DEPLOYMENTS

_NAMES = [spec.name for spec in DEPLOYMENTS]


def parse_parameters(pairs: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs; a VALUE that is JSON (a number, a list, null...) is parsed as JSON."""
    from sentiflow.tasks.core.errors import UserError

    parameters: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UserError(f"--param {pair!r}: write it as NAME=VALUE, e.g. --param model=production")
        try:
            parameters[name.strip()] = json.loads(value)
        except ValueError:
            parameters[name.strip()] = value
    return parameters


@app.command("trigger")
def trigger_command(
    name: Annotated[
        str,
        typer.Argument(help=f"Deployment to run: {', '.join(_NAMES[:-1])} or {_NAMES[-1]}."),
    ],
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="A flow parameter as NAME=VALUE (JSON values allowed, e.g. sources='[\"demo\"]'); repeat.",
            show_default=False,
        ),
    ] = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the run to finish.")] = False,
    timeout: Annotated[float, typer.Option(help="With --wait: give up waiting after this many seconds.")] = 3600,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a served deployment now (what `prefect deployment run 'NAME/NAME'` does).

    Finds the server of `sentiflow serve --home HOME`, or uses PREFECT_API_URL.
    The run's `home` parameter is this home unless --param home=... says otherwise.
    """
    import os

    from sentiflow.flows.deployments import deployment
    from sentiflow.flows.local_server import find_local_server
    from sentiflow.flows.prefect_env import configure_prefect
    from sentiflow.tasks.core.errors import UserError

    settings = settings_for(home)
    spec = deployment(name)
    parameters = {"home": str(settings.home.expanduser().resolve()), **parse_parameters(param or [])}
    if not os.environ.get("PREFECT_API_URL"):
        api_url = find_local_server(settings.home)
        if api_url is None:
            raise UserError(
                f"no Prefect server for home {settings.home}: start `sentiflow serve --home "
                f"{settings.home}` first, or set PREFECT_API_URL to a server that serves sentiflow"
            )
        os.environ["PREFECT_API_URL"] = api_url
    configure_prefect(settings.home)

    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    try:
        flow_run = run_deployment(
            f"{spec.name}/{spec.name}",
            parameters=parameters,
            timeout=timeout if wait else 0,
            poll_interval=1,
            as_subflow=False,
        )
    except ObjectNotFound:
        raise UserError(
            f"deployment '{spec.name}/{spec.name}' is not on the server at "
            f"{os.environ['PREFECT_API_URL']}: is `sentiflow serve` serving it?"
        ) from None
    summary = {
        "deployment": f"{spec.name}/{spec.name}",
        "flow_run_id": str(flow_run.id),
        "flow_run": flow_run.name,
        "state": flow_run.state.name if flow_run.state else None,
        "parameters": parameters,
        "api_url": os.environ["PREFECT_API_URL"],
    }

    def render(s: dict) -> None:
        table = Table("", "value", title="triggered")
        for key in ("deployment", "flow_run", "flow_run_id", "state"):
            table.add_row(key, str(s[key]))
        console.print(table)

    emit(summary, as_json, render)
    if wait and flow_run.state and flow_run.state.is_final() and not flow_run.state.is_completed():
        raise typer.Exit(1)
