"""A full local Prefect server for `sentiflow serve`, and how `sentiflow trigger` finds it.

Schedules need Prefect's scheduler service, which only a full server runs: the temporary API
a plain flow run starts has none ("Cannot schedule flows on an ephemeral server"). So when no
PREFECT_API_URL is set, `serve` starts `prefect server start` on 127.0.0.1 with its SQLite
database in HOME/prefect, and writes HOME/prefect/serve.json (address and process id) so
`sentiflow trigger --home HOME` reaches the same server. With PREFECT_API_URL set (a shared,
PostgreSQL-backed server) neither happens: both commands use that server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sentiflow.flows.prefect_env import prefect_home_for
from sentiflow.tasks.core.atomic import write_json
from sentiflow.tasks.core.errors import UserError

SERVE_FILE = "serve.json"
PORT_ATTEMPTS = 3  # ports tried when another process takes the chosen one first


@dataclass
class LocalServer:
    api_url: str
    process: subprocess.Popen | None  # None when found, not started, by this process

    def stop(self, home: Path) -> None:
        """Stop the server this process started and forget it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        (prefect_home_for(home) / SERVE_FILE).unlink(missing_ok=True)


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(home: Path, port: int, log: IO[bytes]) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:`port`, its output appended to `log`."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ui",
            "--analytics-off",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PREFECT_HOME": str(prefect_home_for(home))},
        # its own session: Ctrl-C in the terminal reaches `serve` only, which pauses its
        # deployments through this server before stopping it (both at once hangs the runner)
        start_new_session=True,
    )


def start_local_server(home: Path, wait_seconds: float = 120.0, log_file: Path | None = None) -> LocalServer:
    """Start `prefect server start` for this home and wait until it answers."""
    existing = find_local_server(home)
    if existing is not None:
        raise UserError(
            f"a sentiflow server for {home} already runs at {existing}; stop it first "
            "(or use `sentiflow trigger` against it)"
        )
    log = open(log_file or (prefect_home_for(home) / "server.log"), "ab")  # noqa: SIM115 (kept open)
    deadline = time.monotonic() + wait_seconds
    # The port is free when chosen, but another process may bind it before the server does;
    # the server then exits at once, and a new port is tried (a few times at most).
    for _attempt in range(PORT_ATTEMPTS):
        port = _free_port()
        api_url = f"http://127.0.0.1:{port}/api"
        process = _launch(home, port, log)
        while process.poll() is None and not healthy(api_url):
            if time.monotonic() > deadline:
                process.terminate()
                raise UserError(f"the Prefect server did not answer within {wait_seconds:.0f}s; see {log.name}")
            time.sleep(0.5)
        if process.poll() is None:  # healthy, and the answer came from our own server
            break
    else:
        raise UserError(f"the Prefect server exited with code {process.returncode}; see {log.name}")
    write_json({"api_url": api_url, "pid": process.pid}, prefect_home_for(home) / SERVE_FILE)
    return LocalServer(api_url, process)


def find_local_server(home: Path) -> str | None:
    """The API URL of a running `sentiflow serve` for this home, or None."""
    path = prefect_home_for(home) / SERVE_FILE
    try:
        api_url = json.loads(path.read_text(encoding="utf-8"))["api_url"]
    except (OSError, ValueError, KeyError):
        return None
    return api_url if healthy(api_url) else None
