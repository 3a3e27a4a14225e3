"""Prefect settings sentiflow applies before any flow runs (CLI, tests, deployments).

Without PREFECT_API_URL, a flow run starts a temporary local API backed by SQLite. We keep its
database inside the sentiflow home (two homes never share one), switch telemetry off, and give
SQLite writes more time and fewer writers: the ephemeral API's background services (late-run
marking, triggers, foreman...) compete with the flow for SQLite's single write lock and are the
usual source of "database is locked" (PrefectHQ/prefect#15170, #18934). With a real server
(PREFECT_API_URL set, e.g. PostgreSQL-backed) none of this applies and nothing is changed.
"""

from __future__ import annotations

import os
from pathlib import Path

_EPHEMERAL_DEFAULTS = {
    "PREFECT_SERVER_DATABASE_TIMEOUT": "60",
    "PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT": "30",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
}


def configure_prefect(home: Path) -> None:
    """Set Prefect environment defaults for a sentiflow home; explicit user settings win."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    if os.environ.get("PREFECT_API_URL"):
        return
    os.environ.setdefault("PREFECT_HOME", str(Path(home).resolve() / "prefect"))
    for key, value in _EPHEMERAL_DEFAULTS.items():
        os.environ.setdefault(key, value)
