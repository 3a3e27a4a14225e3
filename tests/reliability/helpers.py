"""Helpers for the reliability tests: the console script's main() many times in one
interpreter, test homes built without Prefect, pending predictions as a killed run leaves them.

The CLI as a subprocess, the tiny registered model and review CSVs come from
benchmarks/chaoskit/ (shared with the chaos benchmark) and are imported from there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.chaoskit.cli import Completed

REPO = Path(__file__).resolve().parents[2]
# Lines that only a Python crash prints; a user mistake must never show one.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "╭─ Traceback", "Traceback")


def has_traceback(text: str) -> bool:
    return any(marker in text for marker in TRACEBACK_MARKERS)


_MANY_DRIVER = r"""
import io, json, sys, traceback
from contextlib import redirect_stderr, redirect_stdout
from sentiflow.flows.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = ["sentiflow", *argv]
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = -1
    results.append({"argv": argv, "returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(results))
"""


def run_main_many(
    argvs: list[list[str]], env: dict[str, str], timeout: float = 180.0, cwd: Path | None = None
) -> list[Completed]:
    """Run the console script's `main()` once per argv, in one fresh interpreter.

    For commands that fail validation before any flow starts: one interpreter start for
    many checks instead of one each. Output is captured per call; a crash shows as
    returncode -1 with its traceback in stderr.
    """
    import json

    proc = subprocess.run(
        [sys.executable, "-c", _MANY_DRIVER, json.dumps(argvs)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        errors="replace",
    )
    if proc.returncode != 0:
        raise AssertionError(f"driver failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return [
        Completed(r["argv"], r["returncode"], r["stdout"], r["stderr"], 0.0)
        for r in json.loads(proc.stdout.strip().splitlines()[-1])
    ]


def ingest_in_process(home, paths: list[Path], shard_rows: int = 200_000) -> list[dict]:
    """Ingest files through the pure ingest service (no Prefect): for building test homes fast."""
    from sentiflow.tasks.ingest.inputs import plan_inputs
    from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit

    plan = plan_inputs([str(p) for p in paths])
    assert not plan.failures, plan.failures
    options = IngestOptions(shard_rows=shard_rows)
    return [ingest_unit(unit, home, options).to_dict() for unit in plan.units]


def pending_predictions_for_lake(home, model_id: str, run_id: str, seed: int = 0) -> int:
    """Prediction shards awaiting load for every lake document, as a run killed after scoring
    leaves them (real schema and writer; probabilities drawn at random). Returns the row count."""
    import numpy as np
    import pyarrow.parquet as pq

    from sentiflow.tasks.core.lake import document_shards
    from sentiflow.tasks.score.predictions import predictions_table
    from sentiflow.tasks.score.shards import PredictionShards
    from sentiflow.tasks.warehouse.runs import utc_now

    rng = np.random.default_rng(seed)
    shards, total = PredictionShards(home, model_id), 0
    for lake_shard in document_shards(home):
        ids = pq.read_table(lake_shard, columns=["doc_id"]).column(0).to_pylist()
        p = rng.random(len(ids))
        table = predictions_table(
            ids, np.stack([1 - p, p], axis=1), ["negative", "positive"], model_id, run_id, utc_now()
        )
        shards.write_output(table, lake_shard, run_id)
        total += len(ids)
    return total
