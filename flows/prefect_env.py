"""Prefect settings sentiflow applies before any flow runs (CLI commands, `sentiflow serve`).

Call `configure_prefect(home)` before Prefect is imported: Prefect reads its settings once, at
import. Explicit user settings always win (every value here is a default, set only if unset).

Without PREFECT_API_URL, a flow run starts a temporary local API backed by SQLite. We keep its
database inside the sentiflow home, so two homes never share one and deleting a home deletes its
run history. These settings are changed because they measurably fix problems on that SQLite
API (3 runs of a flow mapping 400 tasks, prefect 3.9.1, this 2-core machine):

- Telemetry off (PREFECT_SERVER_ANALYTICS_ENABLED). Its heartbeat reads then writes the
  `configuration` table at start-up while the flow run is being created; SQLite refuses that
  read-to-write upgrade at once, whatever the busy timeout, so every default run logged an
  `sqlite3.OperationalError: database is locked` traceback. With it off: none in any run.
- Task-run recorder batching. By default the API writes each task-run event in its own
  transaction (batch size 1); it falls behind the flow, and when the flow ends and the API
  stops, the queue is cancelled mid-write: a traceback ("Error flushing 1 events") and lost
  history (812 of 1,209 task runs recorded, 25 left "Running"). With batches of up to 100
  flushed every second: no error, all 1,209 recorded, and the flow ran ~15% faster.
- A longer start-up wait for that API (90 s instead of 20). It took 8-10 s on an idle machine
  and 69 s while the machine ran five other jobs; Prefect would have given up at 20 s.

What is *not* set, and why: the database timeouts (PREFECT_SERVER_DATABASE_TIMEOUT only sets
sqlite3's connect timeout, which Prefect overrides right after with `PRAGMA busy_timeout = 60000`;
the connection timeout applies to PostgreSQL only) and the late-runs, foreman, scheduler,
repossessor, pause-expiration and cancellation-cleanup services (the temporary API never starts
them; only a full `prefect server start` does, and `sentiflow serve` needs its scheduler).

With PREFECT_API_URL set (a real server, e.g. PostgreSQL-backed) only telemetry and where task
results are stored (HOME/prefect/storage) are set.
"""

from __future__ import annotations

import os
from pathlib import Path

_ALWAYS = {
    "DO_NOT_TRACK": "1",  # client-side telemetry
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # server-side telemetry heartbeat
}

# Applied only when sentiflow starts its own local API (no PREFECT_API_URL).
LOCAL_API_DEFAULTS = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",  # task-run events per write
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",  # seconds
    # The temporary API took 8-10 s to start here while other work ran; Prefect gives up
    # after 20 s ("Timed out while attempting to connect to ephemeral Prefect API server").
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def prefect_home_for(home: Path) -> Path:
    """Where the local Prefect API keeps its SQLite database for a sentiflow home."""
    return Path(home).expanduser().resolve() / "prefect"


def configure_prefect(home: Path) -> dict[str, str]:
    """Set Prefect environment defaults for a sentiflow home; returns what it set.

    Explicit user settings win: a variable that is already set is left alone.
    """
    wanted = dict(_ALWAYS)
    # Task results (the report's cached plots) belong to the home, whichever API records runs.
    wanted["PREFECT_LOCAL_STORAGE_PATH"] = str(prefect_home_for(home) / "storage")
    if not os.environ.get("PREFECT_API_URL"):
        # Prefect creates PREFECT_HOME without parents; on a fresh sentiflow home its SQLite
        # database could then not be opened and the temporary API never came up.
        prefect_home_for(home).mkdir(parents=True, exist_ok=True)
        wanted["PREFECT_HOME"] = str(prefect_home_for(home))
        wanted.update(LOCAL_API_DEFAULTS)
    applied = {}
    for key, value in wanted.items():
        if key not in os.environ:
            os.environ[key] = value
            applied[key] = value
    return applied
