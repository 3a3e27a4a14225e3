"""The typer application, global options and the one-line error contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextvars import ContextVar
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

HOME_HELP = "Home folder for everything a run writes (env: SENTIFLOW_HOME; default ./sentiflow-home)."
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help=HOME_HELP[:-1] + "; also accepted before the command, and this one wins if both are given.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary on stdout.")]


# `sentiflow --home DIR COMMAND`: set while that command runs (reset when the root context closes)
_home_before_command: ContextVar[Path | None] = ContextVar("sentiflow_home_before_command", default=None)


@app.callback()
def global_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help=HOME_HELP[:-1] + "; as `sentiflow --home DIR COMMAND` (like `git -C`): a --home given after "
            "the command wins over this one.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Options for every command, given before it."""
    token = _home_before_command.set(home)
    ctx.call_on_close(lambda: _home_before_command.reset(token))


def home_flag(home: Path | None) -> Path | None:
    """The home given as a flag: the command's own --home, else the one before the command."""
    return home if home is not None else _home_before_command.get()


def settings_for(home: Path | None) -> Settings:
    """Settings from the environment, with --home applied (after the command, else before it)."""
    try:
        return Settings().with_home(home_flag(home))
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
