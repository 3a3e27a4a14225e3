"""Kill `sentiflow ingest` and `sentiflow score` with SIGKILL at random points, re-run, compare.

Used by benchmarks/chaos.py (many kills, figures printed) and tests/reliability/test_chaos.py
(a few kills, asserted). A `World` holds the inputs, a home with the tiny model registered,
and the reference: the lake and warehouse of one uninterrupted ingest + score.

Kill points are random but placed inside the work: a CLI process spends its first seconds
importing and talking to Prefect, so the kill timer starts when its flow begins (Prefect's
"Beginning flow run" log line) and fires at a uniform random moment of the reference run's
flow duration; some kills wait for an event instead (the first shard written; scoring done;
the load holding the write lock). SIGKILL goes to the whole process group (threads, Dask
workers). While a killed run and its re-run execute, a `LakeReader` (polling_reader.py) reads
the home as a user would. Training kills are in train_kills.py.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.chaoskit.cli import cli_env, kill_group, run_cli, start_cli
from benchmarks.chaoskit.homes import TINY_MODEL_ID, register_tiny_model, write_review_csv
from benchmarks.chaoskit.polling_reader import LakeReader
from benchmarks.chaoskit.snapshots import (
    lake_doc_ids,
    lake_quarantine,
    prediction_rows,
    warehouse_integrity,
    warehouse_tables,
)

FLOW_STARTED = "Beginning flow run"


@dataclass
class Reference:
    doc_ids: list[str]
    quarantine: list[tuple[str, str]]
    predictions: list[tuple]
    documents: list[str]
    ingest_seconds: float  # flow start -> exit, uninterrupted
    score_seconds: float
    lock_held: float


@dataclass
class World:
    root: Path
    inputs: list[Path]
    model_home: Path  # only the registered tiny model
    ingested_home: Path  # model + the ingested lake, not yet scored
    env: dict[str, str]
    reference: Reference | None = None


@dataclass
class KillResult:
    what: str
    kill_at: float  # seconds after the flow began (or the event it waited for)
    killed: bool  # False: the run ended before the kill fired
    state: dict[str, int]  # what the kill left on disk
    differences: list[str] = field(default_factory=list)
    lock_held: float = 0.0  # the re-run's write lock (score)
    reader_wait: float = 0.0  # the longest the polling reader waited for the warehouse


def make_inputs(folder: Path, rows: int) -> list[Path]:
    """Three CSVs and a JSON Lines file with two bad lines: several units, many shards."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [write_review_csv(folder / f"reviews-{i}.csv", rows // 3, seed=i) for i in range(3)]
    jsonl = folder / "tweets.jsonl"
    lines = [json.dumps({"text": f"tweet {i} so good", "label": "positive"}) for i in range(200)]
    lines[50], lines[120] = '{"text": "cut', "not json at all"
    jsonl.write_text("\n".join(lines) + "\n")
    return [*files, jsonl]


def make_world(root: Path, api_url: str, rows: int = 12_000, shard_rows: int = 1_000) -> World:
    from sentiflow.tasks.core.home import Home

    root.mkdir(parents=True, exist_ok=True)
    model_home = Home.at(root / "model-home")
    register_tiny_model(model_home)
    # INFO logs: the kill timer starts at Prefect's "Beginning flow run" line
    env = cli_env(api_url, SENTIFLOW_SHARD_ROWS=str(shard_rows), PREFECT_LOGGING_LEVEL="INFO")
    return World(root, make_inputs(root / "inputs", rows), model_home.root, root / "ingested-home", env)


def _copy_home(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def ingest_args(world: World, home: Path) -> list[str]:
    return ["ingest", *map(str, world.inputs), "--source", "chaos", "--home", str(home), "--json"]


def score_args(home: Path) -> list[str]:
    return ["score", "--home", str(home), "--json", "--batch-size", "256"]


def _timed_run(args: list[str], env: dict[str, str]) -> tuple[float, dict]:
    """Run to the end; (seconds from flow start to exit, JSON summary)."""
    proc = start_cli(args, env)
    started = _wait_for_flow(proc)
    out = proc.stdout.read()  # type: ignore[union-attr]
    proc.wait(timeout=600)
    proc._chaos_pump.join(timeout=10)  # type: ignore[attr-defined]
    err = "".join(proc._chaos_stderr)  # type: ignore[attr-defined]
    if proc.returncode != 0:
        raise AssertionError(f"`sentiflow {' '.join(args[:2])}` failed ({proc.returncode}):\n{err[-3000:]}")
    return time.monotonic() - (started or time.monotonic()), json.loads(out)


def _wait_for_flow(proc: subprocess.Popen, timeout: float = 180.0) -> float | None:
    """Block until the CLI's flow has begun (its log line on stderr); the time it did."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if FLOW_STARTED in line:
                found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    while not found.is_set() and proc.poll() is None and time.monotonic() < deadline:
        found.wait(0.02)
    proc._chaos_stderr = lines  # type: ignore[attr-defined]  # keeps what was read
    proc._chaos_pump = reader  # type: ignore[attr-defined]
    return time.monotonic() if found.is_set() else None


def build_reference(world: World) -> Reference:
    """One uninterrupted ingest and score: what every interrupted run must end up equal to."""
    home = _copy_home(world.model_home, world.root / "reference-home")
    ingest_seconds, _ = _timed_run(ingest_args(world, home), world.env)
    _copy_home(home, world.ingested_home)
    score_seconds, summary = _timed_run(score_args(home), world.env)
    warehouse_integrity(home / "warehouse.duckdb")
    tables = warehouse_tables(home / "warehouse.duckdb")
    world.reference = Reference(
        doc_ids=lake_doc_ids(home / "lake"),
        quarantine=lake_quarantine(home / "lake"),
        predictions=prediction_rows(home / "warehouse.duckdb"),
        documents=sorted(r[0] for r in tables["documents"]),
        ingest_seconds=ingest_seconds,
        score_seconds=score_seconds,
        lock_held=summary["lock_held_seconds"],
    )
    return world.reference


def _kill_after(proc: subprocess.Popen, delay: float, trigger=None, timeout: float = 300.0) -> tuple[bool, float]:
    """SIGKILL `proc`'s group `delay` s after its flow begins (or after `trigger()` is true)."""
    begun = _wait_for_flow(proc)
    if begun is None:  # it ended (or never logged its flow start): nothing left to kill
        killed = proc.poll() is None
        kill_group(proc)
        return killed, 0.0
    mark = begun
    if trigger is not None:
        deadline = time.monotonic() + timeout
        while not trigger() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        mark = time.monotonic()
    while proc.poll() is None and time.monotonic() < mark + delay:
        time.sleep(0.005)
    killed = proc.poll() is None
    at = time.monotonic() - begun
    kill_group(proc)
    return killed, at


def leftover_state(home: Path) -> dict[str, int]:
    """What a killed run left: temporaries, shards no manifest lists, pending predictions, a WAL."""
    lake = home / "lake"
    listed: set[str] = set()
    for manifest in (lake / "_manifests").glob("source=*/*.json"):
        entry = json.loads(manifest.read_text())
        listed |= set(entry.get("shards", [])) | set(entry.get("quarantine_shards", []))
    shards = [p for p in (lake / "documents").glob("source=*/*.parquet")] if lake.exists() else []
    return {
        "temporaries": len(list(home.rglob(".tmp-*"))),
        "orphan_shards": sum(1 for p in shards if p.name not in listed),
        "pending_predictions": len(list((home / "predictions").glob("*/pending/source=*/*.parquet"))),
        "wal": int((home / "warehouse.duckdb.wal").exists()),
    }


def compare_lake(world: World, home: Path) -> list[str]:
    ref = world.reference
    assert ref is not None
    ids = lake_doc_ids(home / "lake")
    diffs = []
    if len(ids) != len(set(ids)):
        diffs.append(f"lake: {len(ids) - len(set(ids))} duplicated doc ids")
    if sorted(set(ids)) != sorted(set(ref.doc_ids)):
        missing, extra = set(ref.doc_ids) - set(ids), set(ids) - set(ref.doc_ids)
        diffs.append(f"lake: {len(missing)} doc ids missing, {len(extra)} extra")
    if lake_quarantine(home / "lake") != ref.quarantine:
        diffs.append("lake: quarantined rows differ")
    if list(home.rglob(".tmp-*")):
        diffs.append(f"{len(list(home.rglob('.tmp-*')))} temporary files left after the re-run")
    return diffs


def compare_warehouse(world: World, home: Path) -> list[str]:
    ref = world.reference
    assert ref is not None
    warehouse = home / "warehouse.duckdb"
    try:
        warehouse_integrity(warehouse)
    except Exception as exc:  # noqa: BLE001
        return [f"warehouse integrity: {exc!r}"[:300]]
    diffs = []
    tables = warehouse_tables(warehouse)
    documents = sorted(r[0] for r in tables["documents"])
    if documents != ref.documents:
        diffs.append(f"documents: {len(documents)} rows vs {len(ref.documents)} in the reference")
    predictions = prediction_rows(warehouse)
    if predictions != ref.predictions:
        keys = [(r[0], r[1]) for r in predictions]
        diffs.append(
            f"predictions: {len(predictions)} rows ({len(keys) - len(set(keys))} duplicated keys) "
            f"vs {len(ref.predictions)} in the reference; "
            f"{len(set(predictions) ^ set(ref.predictions))} rows differ"
        )
    runs = {r[0] for r in tables["runs"]}
    orphans = {r[2] for r in tables["predictions"]} - runs
    if orphans:
        diffs.append(f"predictions name {len(orphans)} run id(s) missing from runs")
    return diffs


def chaos_ingest(
    world: World, index: int, rng: random.Random, double: bool = False, mid_write: bool = False
) -> KillResult:
    """Kill an ingest at a random point (twice with `double`; with `mid_write`, soon after its
    first shard appears), re-run it, compare the lake."""
    ref = world.reference
    assert ref is not None
    home = _copy_home(world.model_home, world.root / f"ingest-{index}")
    documents = home / "lake" / "documents"

    def first_shard() -> bool:
        return any(documents.glob("source=*/part-*.parquet"))

    with LakeReader(home) as reader:
        at, killed, state = 0.0, False, {}
        for _ in range(2 if double else 1):
            proc = start_cli(ingest_args(world, home), world.env)
            if mid_write:
                killed, at = _kill_after(proc, rng.uniform(0, 0.5), trigger=first_shard)
            else:
                killed, at = _kill_after(proc, rng.uniform(0, ref.ingest_seconds))
            state = leftover_state(home)
        rerun = run_cli(ingest_args(world, home), world.env, timeout=300)
    result = KillResult("ingest mid-write" if mid_write else "ingest", at, killed, state)
    if rerun.returncode != 0:
        result.differences.append(f"re-run exited {rerun.returncode}: {rerun.stderr[-500:]}")
    result.differences += compare_lake(world, home)
    result.differences += [f"reader: {u}" for u in reader.unreadable]
    result.reader_wait = reader.longest_wait
    shutil.rmtree(home, ignore_errors=True)
    return result


def chaos_score(world: World, index: int, rng: random.Random, at: str = "random") -> KillResult:
    """Kill a score run, re-run it, compare the warehouse. `at`: "random" (any moment of the
    flow), "load" (within 1.5x the reference lock time after the last pending prediction shard
    appears) or "lock" (within 1.2x the reference lock time after DuckDB's write-ahead log
    appears: the writer holds the lock then, so the kill lands in the load's transaction, its
    commit or the checkpoint that follows)."""
    ref = world.reference
    assert ref is not None
    home = _copy_home(world.ingested_home, world.root / f"score-{index}")
    lake_shards = len(list((home / "lake" / "documents").glob("source=*/*.parquet")))
    pending = home / "predictions" / TINY_MODEL_ID / "pending"
    wal = home / "warehouse.duckdb.wal"

    def scoring_done() -> bool:
        return len(list(pending.glob("source=*/*.parquet"))) >= lake_shards

    with LakeReader(home) as reader:
        proc = start_cli(score_args(home), world.env)
        if at == "load":
            killed, when = _kill_after(proc, rng.uniform(0, max(ref.lock_held, 0.05) * 1.5), trigger=scoring_done)
        elif at == "lock":
            killed, when = _kill_after(
                proc, rng.uniform(0, max(ref.lock_held, 0.05) * 1.2), trigger=lambda: scoring_done() and wal.exists()
            )
        else:
            killed, when = _kill_after(proc, rng.uniform(0, 0.8 * ref.score_seconds))
        state = leftover_state(home)
        state["survived_kill"] = int(_survives(home / "warehouse.duckdb"))
        rerun = run_cli(score_args(home), world.env, timeout=300)
    result = KillResult("score" if at == "random" else f"score at {at}", when, killed, state)
    if rerun.returncode != 0:
        result.differences.append(f"re-run exited {rerun.returncode}: {rerun.stderr[-500:]}")
    else:
        result.lock_held = json.loads(rerun.stdout)["lock_held_seconds"]
    if not state["survived_kill"]:
        result.differences.append("the warehouse as the kill left it failed its integrity check")
    result.differences += compare_warehouse(world, home)
    result.differences += compare_lake(world, home)
    result.differences += [f"reader: {u}" for u in reader.unreadable]
    result.reader_wait = reader.longest_wait
    shutil.rmtree(home, ignore_errors=True)
    return result


def _survives(warehouse: Path) -> bool:
    """Integrity of a copy of the warehouse exactly as the kill left it (WAL included)."""
    if not warehouse.exists():
        return True
    scratch = warehouse.parent / "killed-copy"
    scratch.mkdir(exist_ok=True)
    for suffix in ("", ".wal"):
        if Path(f"{warehouse}{suffix}").exists():
            shutil.copy2(f"{warehouse}{suffix}", scratch / f"warehouse.duckdb{suffix}")
    try:
        warehouse_integrity(scratch / "warehouse.duckdb")
        return True
    except Exception:  # noqa: BLE001
        return False
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
