"""The `sentiflow` command line.

Each command lives in its own module here, flows/cli/NAME.py, and registers on `app` when
imported. Which modules those are comes from the one list in flows/deployments.py (a flow's
command, or a tool such as `query`), so a new stage's command needs no line here.
Heavy imports (Prefect, torch, transformers) happen inside commands, so `--help`, `query` and
`models list` answer in about a second without starting a Prefect server.
"""

from __future__ import annotations

import importlib

from sentiflow.flows.cli.app import app, main
from sentiflow.flows.deployments import command_modules

for _module in command_modules():
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["app", "main"]
