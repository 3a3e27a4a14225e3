"""Chaos: SIGKILL `sentiflow ingest`, `sentiflow score` and `sentiflow train` at random points,
re-run each, and check the result equals an uninterrupted run.

For every kill, on a fresh copy of the starting home:
  ingest  kill at a random moment of the ingest flow, or (every third) within 0.5 s of its
          first shard appearing, or (every third) twice in a row; re-run to the end; the lake
          must hold the reference's doc ids and quarantined rows, no duplicates, no temporaries
  score   kill at a random moment of the score flow; or (every fourth) after the last pending
          prediction shard appears, within 1.5x the reference's lock time; or (every fourth)
          while the load holds the write lock: within 1.2x the reference's lock time after
          DuckDB's write-ahead log appears (its transaction, its commit, or the checkpoint
          after it); the warehouse as the kill left it must pass the integrity check, and
          after the re-run its documents and predictions must equal the reference's (run id
          and time aside), and every prediction's run must be in `runs`
  train   kill soon after the first checkpoint, `--resume`, and compare the final weights with
          an uninterrupted run's (the training loop promises bit-identical weights on CPU)
Meanwhile a reader polls the lake (reading every finished shard it can list) and the
warehouse (read-only, bounded wait), as users would.

DuckDB 2.0 has no PRAGMA integrity_check; what is checked instead is in
benchmarks/chaoskit/snapshots.py (WAL replay, CHECKPOINT, every block read, storage info,
primary keys unique and not null, reopened read-only).

The CLI runs against one Prefect server started here (`prefect server start` on 127.0.0.1,
its own PREFECT_HOME in the work folder): each CLI run then costs ~4 s instead of ~20 s for a
temporary API of its own, and a killed CLI leaves no temporary API process behind. The
tiny random BERT of benchmarks/chaoskit/homes.py is the scoring model. The drills themselves
live in benchmarks/chaoskit/, which tests/reliability/test_chaos.py runs with fewer kills.

    .venv/bin/python benchmarks/chaos.py                    # 10 kills each, ~15-25 minutes
    .venv/bin/python benchmarks/chaos.py --kills 3 --train-kills 1 --rows 6000

Printed: each kill (where it landed, what it left behind, any difference), then the totals:
kills survived, differences found, the longest lock wait a reader saw, the longest write lock.
Exit code 1 if any difference was found. --json prints the figures as one JSON object; they
are also written to benchmarks/results/chaos.json (--out).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks.chaoskit, the package the reliability tests share

from benchmarks import results as results_file  # noqa: E402
from benchmarks.chaoskit import kills, train_kills  # noqa: E402
from benchmarks.chaoskit.homes import make_tiny_bert  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402


def start_prefect_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_HOME": str(workdir / "prefect-server"),
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    prefect = str(Path(sys.executable).with_name("prefect"))
    log = open(workdir / "prefect-server.log", "w")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    import urllib.request

    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            time.sleep(0.5)
        if server.poll() is not None:
            break
    raise SystemExit(f"the Prefect server did not start; see {workdir / 'prefect-server.log'}")


def report(result: kills.KillResult) -> str:
    if result.what == "train":
        where = f"after checkpoint {result.state.get('checkpoint_step')}"
    else:
        where = f"{result.kill_at:6.2f}s into the flow" if result.killed else "finished before its kill"
    left = ", ".join(f"{k} {v}" for k, v in result.state.items() if v)
    status = "OK" if not result.differences else "DIFFERENT: " + "; ".join(result.differences)
    waits = f" reader waited {result.reader_wait:.2f}s" if result.reader_wait else ""
    return f"{result.what:14} {where:26} left: {left or 'nothing'};{waits} -> {status}"


def train_chaos(world: kills.World, count: int, rng: random.Random) -> list[kills.KillResult]:
    base = make_tiny_bert(world.root / "train-base", layers=1)
    env = world.env
    reference_home = train_kills.train_home(world.root / "train-reference", base)
    summary, _ = train_kills.resume_train(reference_home, base, env)  # --resume with nothing to resume
    reference = train_kills.model_weights(Path(summary["model_dir"]))
    results = []
    for i in range(count):
        home = train_kills.train_home(world.root / f"train-{i}", base)
        killed, step = train_kills.kill_train_after_checkpoint(home, base, env, rng)
        result = kills.KillResult("train", 0.0, killed, {"checkpoint_step": step})
        try:
            summary, metrics = train_kills.resume_train(home, base, env)
            resumed = metrics["training"].get("resumed_from_step")
            result.state["resumed_from_step"] = resumed or 0
            if resumed != step:
                result.differences.append(f"resumed from step {resumed}, not from checkpoint {step}")
            weights = train_kills.model_weights(Path(summary["model_dir"]))
            import torch

            unequal = [k for k in reference if not torch.equal(reference[k], weights[k])]
            if unequal:
                result.differences.append(f"{len(unequal)} weight tensors differ from the uninterrupted run")
        except AssertionError as exc:
            result.differences.append(str(exc)[:300])
        results.append(result)
        print(report(result), flush=True)
        shutil.rmtree(home, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10, help="kills of ingest, and of score (each), that land mid-run")
    parser.add_argument("--train-kills", type=int, default=3, help="kills of train (0: skip)")
    parser.add_argument("--rows", type=int, default=12_000, help="rows across the input files")
    parser.add_argument("--shard-rows", type=int, default=1_000, help="SENTIFLOW_SHARD_ROWS (small: many shards)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="work folder [a temp folder, deleted at the end]")
    results_file.add_arguments(parser, "chaos")
    args = parser.parse_args(argv)
    with human_output(args.json):
        figures = drill(args)
    figures["command"] = "chaos.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results_file.write("chaos", figures, args)
    raise SystemExit(1 if figures["differences"] else 0)


def drill(args: argparse.Namespace) -> dict:
    """The kills, their report, and the figures for the result file."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below (server, folder)
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "DO_NOT_TRACK": "1"})
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sentiflow-chaos-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    started = time.monotonic()
    server, url = start_prefect_server(workdir)
    print(f"Prefect server at {url} (started in {time.monotonic() - started:.0f}s); work folder {workdir}", flush=True)
    results: list[kills.KillResult] = []
    try:
        world = kills.make_world(workdir / "world", url, rows=args.rows, shard_rows=args.shard_rows)
        ref = kills.build_reference(world)
        print(
            f"reference: {len(ref.doc_ids):,} documents, {len(ref.quarantine)} quarantined, "
            f"{len(ref.predictions):,} predictions; ingest flow {ref.ingest_seconds:.1f}s, "
            f"score flow {ref.score_seconds:.1f}s, write lock {ref.lock_held:.2f}s",
            flush=True,
        )
        # until `kills` runs were really killed (a random kill can fire after the run ended)
        i = 0
        while sum(r.killed for r in results if r.what.startswith("ingest")) < args.kills and i < 3 * args.kills:
            results.append(kills.chaos_ingest(world, i, rng, double=i % 3 == 2, mid_write=i % 3 == 1))
            print(report(results[-1]), flush=True)
            i += 1
        i = 0
        while sum(r.killed for r in results if r.what.startswith("score")) < args.kills and i < 3 * args.kills:
            results.append(kills.chaos_score(world, i, rng, at=("random", "load", "random", "lock")[i % 4]))
            print(report(results[-1]), flush=True)
            i += 1
        if args.train_kills:
            results += train_chaos(world, args.train_kills, rng)
    finally:
        os.killpg(server.pid, 9)
        server.wait()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    killed = [r for r in results if r.killed]
    survived = [r for r in killed if not r.differences]
    differences = [d for r in results for d in r.differences]
    reader_wait = max((r.reader_wait for r in results), default=0.0)
    lock_held = max((r.lock_held for r in results if r.what.startswith("score")), default=0.0)
    print(
        f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; "
        f"{time.monotonic() - started:.0f}s in all"
    )
    for what in ("ingest", "ingest mid-write", "score", "score at load", "score at lock", "train"):
        group = [r for r in results if r.what == what]
        if group:
            print(
                f"  {what:14} {len(group)} runs, {sum(r.killed for r in group)} killed mid-run, "
                f"{sum(1 for r in group if r.killed and not r.differences)} survived"
            )
    print(
        f"kills survived: {len(survived)}/{len(killed)} "
        f"({len(results) - len(killed)} runs finished before their kill fired)"
    )
    print(f"differences found: {len(differences)}")
    for d in differences:
        print(f"  - {d}")
    print(
        f"longest lock wait seen by a reader: {reader_wait:.2f}s; longest write lock held (re-run loads): {lock_held:.2f}s"
    )
    return {
        "kills": len(killed),
        "survived": len(survived),
        "finished_before_kill": len(results) - len(killed),
        "differences": differences,
        "longest_reader_wait_s": round(reader_wait, 2),
        "longest_write_lock_s": round(lock_held, 2),
        "targets": {"no_differences": not differences},
    }


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    return {
        "what": "SIGKILL ingest/score/train at random points, re-run, compare",
        "measured": f"{result['survived']}/{result['kills']} kills survived, {len(result['differences'])} differences; "
        f"longest reader wait {result['longest_reader_wait_s']:.2f} s",
        "target": "0 differences",
    }


if __name__ == "__main__":
    main()
