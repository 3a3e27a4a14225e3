"""The `sentiflow` console script as a subprocess, as users run it.

Pointed at one already-running Prefect API (PREFECT_API_URL), so each run costs ~4 s instead of
the ~20 s of starting a temporary API per process, and a SIGKILL leaves no orphaned API behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


@dataclass
class Completed:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def cli_env(api_url: str | None, **extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: offline, quiet telemetry, the shared Prefect API."""
    env = dict(os.environ)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "OMP_NUM_THREADS": "1",
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }
    )
    env.pop("SENTIFLOW_HOME", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120.0, cwd: Path | None = None) -> Completed:
    """Run `sentiflow ARGS...` to completion (killed after `timeout` seconds)."""
    start = time.monotonic()
    proc = subprocess.run(
        [SENTIFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd, errors="replace"
    )
    return Completed(args, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def start_cli(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
    """Start `sentiflow ARGS...` in its own process group (so a kill reaches its children)."""
    return subprocess.Popen(
        [SENTIFLOW, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process and everything it started (threads, Dask workers)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)
