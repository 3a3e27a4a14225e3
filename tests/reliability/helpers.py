"""Shared helpers for the reliability tests and the chaos script: real CLI subprocesses, a
registered tiny BERT, a snapshot of the lake and the warehouse to compare runs with.

The CLI runs as a subprocess of `.venv/bin/sentiflow` (the entry point users run), pointed at
one already-running Prefect API (PREFECT_API_URL) so each run costs ~4 s instead of the ~20 s
of starting a temporary API per process (and a SIGKILL leaves no orphaned API behind).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))
TINY_MODEL_ID = "tiny-bert"

# Lines that only a Python crash prints; a user mistake must never show one.
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "╭─ Traceback", "Traceback")


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


def has_traceback(text: str) -> bool:
    return any(marker in text for marker in TRACEBACK_MARKERS)


def register_tiny_model(home, model_id: str = TINY_MODEL_ID, production: bool = True):
    """A tiny random BERT saved in HOME/models/ID and registered (stage production)."""
    from sentiflow.tasks.models.record import ModelRecord
    from sentiflow.tasks.warehouse.registry import register
    from tests.tinybert import make_tiny_bert

    folder = home.model(model_id)
    make_tiny_bert(folder, num_labels=2, layers=1)
    _set_labels(folder, ["negative", "positive"])
    record = ModelRecord(
        model_id=model_id,
        base_model="tiny-random-bert",
        kind="finetuned",
        format="torch",
        labels=["negative", "positive"],
        path=str(folder.relative_to(home.root)),
        stage="production" if production else "candidate",
    )
    return register(home, record)


def _set_labels(folder: Path, labels: list[str]) -> None:
    import json

    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["id2label"] = {str(i): name for i, name in enumerate(labels)}
    config["label2id"] = {name: i for i, name in enumerate(labels)}
    config_path.write_text(json.dumps(config, indent=2))


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


def write_review_csv(path: Path, rows: int, seed: int = 0) -> Path:
    """A CSV of `rows` short, distinct reviews with labels."""
    import random

    rng = random.Random(seed)
    words = ["good", "bad", "film", "plot", "great", "awful", "cast", "dull", "fun", "long", "score", "twist"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("text,label\n")
        for i in range(rows):
            label = "positive" if rng.random() < 0.5 else "negative"
            fh.write(f"review {i} {' '.join(rng.choices(words, k=8))},{label}\n")
    return path


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
