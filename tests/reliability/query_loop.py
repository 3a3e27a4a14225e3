"""A reader that runs `sentiflow query` in a loop until told to stop, recording every answer.

    python -m tests.reliability.query_loop HOME STOP_FILE OUT_JSON [PAUSE_SECONDS] [SQL]

Each iteration calls the console script's `main()` in this process (the real command, its
option parsing, bounded wait and error handling), so a query costs milliseconds rather than
an interpreter start and the loop samples the warehouse often enough to land inside a load.
SENTIFLOW_QUERY_WAIT_SECONDS in the environment sets how long each query waits for the lock.
Writes [{start, end, returncode, stdout, stderr}] to OUT_JSON when STOP_FILE appears.
"""

from __future__ import annotations

import io
import json
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

DEFAULT_SQL = "select count(*) as n from predictions"


def query_once(home: str, sql: str) -> dict:
    from sentiflow.flows.cli import main

    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = ["sentiflow", "query", sql, "--home", home, "--format", "csv"]
    start = time.time()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # a crash: recorded, the loop goes on
            code, _ = -1, err.write(f"Traceback: {exc!r}")
    return {"start": start, "end": time.time(), "returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main_loop(home: str, stop_file: Path, out_json: Path, pause: float, sql: str) -> None:
    results = []
    while not stop_file.exists():
        results.append(query_once(home, sql))
        time.sleep(pause)
    out_json.write_text(json.dumps(results))


if __name__ == "__main__":
    args = sys.argv[1:]
    main_loop(
        args[0],
        Path(args[1]),
        Path(args[2]),
        float(args[3]) if len(args) > 3 else 0.05,
        args[4] if len(args) > 4 else DEFAULT_SQL,
    )
