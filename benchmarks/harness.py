"""Running a baseline as its user would: in its own process, with none of our settings.

sentiflow sets process-wide knobs for its own runs (OMP_WAIT_POLICY=PASSIVE at import of the
train and model packages, thread counts). A baseline measured inside a process that carries
them is measured slower (or faster) than its user would see it, so every baseline runs in a
child process started with `clean_env()`, and reports its own timing as one JSON line.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

# what sentiflow or a benchmark may set for its own process, never for a baseline's
OUR_KNOBS = (
    "OMP_WAIT_POLICY",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TOKENIZERS_PARALLELISM",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
)


def clean_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a user's own script would get: ours minus every knob sentiflow sets."""
    env = dict(os.environ if base is None else base)
    for knob in OUR_KNOBS:
        env.pop(knob, None)
    env.pop("SENTIFLOW_THREADS", None)
    return env


def run_child(command: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a measurement in a fresh process (clean env unless given); its last stdout line as JSON,
    plus `wall` (seconds), `cpu` (user + system seconds, imports included) and `rss_mb` (peak RSS).
    Output goes through files, not pipes: waiting with wait4 (for the child's own rusage) on a
    child blocked on a full pipe would never return."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(command), stdout=out, stderr=err, text=True, env=clean_env() if env is None else env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command[:4]))} failed (exit {proc.returncode}):\n{stderr[-3000:]}")
    lines = stdout.strip().splitlines()
    report: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    report["wall"] = wall
    report["cpu"] = usage.ru_utime + usage.ru_stime
    report["rss_mb"] = max(report.get("rss_mb", 0), usage.ru_maxrss / 1024)
    return report


def python_child(script: str | Path, *args: str) -> list[str]:
    """The command running a Python file (or `-c CODE`) with this interpreter."""
    if Path(str(script)).suffix == ".py":
        return [sys.executable, str(script), *args]
    return [sys.executable, "-c", str(script), *args]


@contextlib.contextmanager
def human_output(json_mode: bool) -> Iterator[None]:
    """Under --json, everything the benchmark prints for people goes to stderr, so stdout holds
    only the one JSON object."""
    if not json_mode:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield
