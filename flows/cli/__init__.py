"""The `sentiflow` command line.

Each stage's commands live in their own module here and register on `app`. Heavy imports
(Prefect, torch, transformers) happen inside commands, so `--help`, `query` and `models list`
answer in about a second without starting a Prefect server.
"""

from __future__ import annotations

from sentiflow.flows.cli import compress as _compress  # noqa: F401,E402

# Importing a command module registers its commands on `app`.
from sentiflow.flows.cli import config as _config  # noqa: F401,E402
from sentiflow.flows.cli import curate as _curate  # noqa: F401,E402
from sentiflow.flows.cli import ingest as _ingest  # noqa: F401,E402
from sentiflow.flows.cli import models as _models  # noqa: F401,E402
from sentiflow.flows.cli import query as _query  # noqa: F401,E402
from sentiflow.flows.cli import report as _report  # noqa: F401,E402
from sentiflow.flows.cli import run as _run  # noqa: F401,E402
from sentiflow.flows.cli import score as _score  # noqa: F401,E402
from sentiflow.flows.cli import serve as _serve  # noqa: F401,E402
from sentiflow.flows.cli import train as _train  # noqa: F401,E402
from sentiflow.flows.cli import trigger as _trigger  # noqa: F401,E402
from sentiflow.flows.cli.app import app, main

__all__ = ["app", "main"]
