"""The typer application, global options and the one-line error contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from sentiflow.tasks.core.errors import PartialFailure, UserError
from sentiflow.tasks.core.settings import Settings

app = typer.Typer(
    name="sentiflow",
    help="Batch sentiment pipeline: ingest -> curate -> train -> compress -> score -> DuckDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

console = Console(stderr=True)  # progress and human summaries; stdout stays for --json/data
out = Console()

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Home folder for everything a run writes (env: SENTIFLOW_HOME; default ./sentiflow-home).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary on stdout.")]


def settings_for(home: Path | None) -> Settings:
    """Settings from the environment, with --home applied."""
    try:
        return Settings().with_home(home)
    except Exception as exc:  # pydantic ValidationError on a bad SENTIFLOW_* variable
        first = str(exc).splitlines()
        raise UserError(f"bad setting: {' '.join(first[:3])}") from None


def emit(summary: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """Print `summary` as JSON on stdout, or render it for people."""
    if as_json:
        out.print_json(json.dumps(summary, default=str))
    else:
        render(summary)


def main() -> None:
    """Console-script entry point: user mistakes become one line and an exit code, never a traceback.

    typer/click in standalone mode already turn usage errors into exit code 2 and `typer.Exit`
    into its code; what reaches us here is sentiflow's own errors, raised from any depth.
    """
    try:
        app()
    except UserError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except PartialFailure as exc:
        console.print(f"[bold yellow]partial failure:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
