"""Exit codes are what scripts and schedulers see: a failure must never exit 0.

`main()` runs the typer app with standalone_mode=False, in which click *returns* the code of a
command's `typer.Exit(N)` instead of raising it; and typer vendors click, so usage errors are
not `click.ClickException`. Both once turned failures into exit 0 or into a traceback.
"""

from __future__ import annotations

import subprocess
import sys

from benchmarks.chaoskit.cli import SENTIFLOW
from tests.reliability.helpers import has_traceback

_EXITING_COMMAND = r"""
import sys, typer
from sentiflow.flows.cli import app, main

@app.command("exit-with")
def exit_with(code: int) -> None:
    raise typer.Exit(code)

sys.argv = ["sentiflow", "exit-with", sys.argv[1]]
main()
"""


def test_a_command_that_exits_non_zero_makes_the_process_exit_non_zero():
    for code in (0, 1, 2):
        proc = subprocess.run([sys.executable, "-c", _EXITING_COMMAND, str(code)], capture_output=True, text=True)
        assert proc.returncode == code, f"typer.Exit({code}) -> process exit {proc.returncode}\n{proc.stderr[-1500:]}"


def test_usage_errors_exit_2_without_a_traceback():
    for args in (["no-such-command"], ["query", "--no-such-option"], ["score", "--batch-size", "many"], ["ingest"]):
        proc = subprocess.run([SENTIFLOW, *args], capture_output=True, text=True)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr[-800:])
        assert not has_traceback(proc.stderr) and "Error" in proc.stderr, (args, proc.stderr[-800:])
