"""SST-2: what compression saves and costs, against the fp32 parent, measured in the same run.

    .venv/bin/python benchmarks/bench_compress.py [--max-minutes 40] [--profile full]

1. The parent: the SST-2 model `bench_train_sst2.py` trained in its home (bench-out/sst2-home;
   its bench_train_sst2.json names the model), or `--parent MODEL_ID`; when there is none, that
   script is run first (`--skip-throughput`) to curate SST-2 and train one. The parent and its
   dataset are copied into this benchmark's own home (bench-out/compress-home), so a rerun of
   the training benchmark never shares a warehouse or Prefect database with this one.
2. `compress_flow(method="auto", profile="full")`: the parent quantized, a distilled student and
   a pruned model, each also quantized; auto returns the fastest within --max-accuracy-drop
   points on the curated validation split (carved out of SST-2 train).
3. Every model, parent included, is then measured on all rows of SST-2 dev.tsv through
   `load_classifier` with the same threads: size on disk, batch throughput (texts/s over dev in
   length-sorted batches of 64, median of --repeats passes, models interleaved so machine load
   hits them alike), latency at batch size 1 (p50/p95 over --latency-texts dev sentences) and
   accuracy. Ratios are against the parent.

Targets for auto's choice: >= 4x smaller on disk, >= 3x batch throughput, accuracy drop <= 1.0
point on SST-2 dev (stretch 0.5). Results also go to HOME/bench_compress.json and to
benchmarks/results/compress.json (--out; --json prints them). SST-2 is GLUE's
(https://gluebenchmark.com/tasks): pass its folder as --data. Every model measured is
sentiflow's (the fp32 parent and its compressed children), all under the same settings, so no
baseline process is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402

NAME = "compress"
REPO = Path(__file__).resolve().parents[1]
BINARY = {"0": "negative", "1": "positive"}
TARGETS = {"size_ratio": 4.0, "throughput_ratio": 3.0, "accuracy_drop_points": 1.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--parent-home",
        type=Path,
        default=REPO / "bench-out" / "sst2-home",
        help="bench_train_sst2.py's home, where the parent is",
    )
    p.add_argument("--home", type=Path, default=REPO / "bench-out" / "compress-home", help="this benchmark's home")
    p.add_argument("--parent", default=None, help="model id of the parent (default: the one bench_train_sst2 trained)")
    p.add_argument("--train-minutes", type=float, default=30.0, help="budget when the parent must be trained first")
    p.add_argument("--profile", default="full", choices=("quick", "full"))
    p.add_argument("--max-minutes", type=float, default=40.0, help="training budget shared by distill and prune")
    p.add_argument("--max-accuracy-drop", type=float, default=1.0)
    p.add_argument("--target-layers", type=int, default=None)
    p.add_argument("--repeats", type=int, default=3, help="throughput passes over dev per model")
    p.add_argument("--latency-texts", type=int, default=200)
    p.add_argument("--threads", type=int, default=None, help="CPU threads for every model [default: physical cores]")
    p.add_argument("--skip-compress", action="store_true", help="measure the candidates an earlier run registered")
    results.add_arguments(p, NAME, sst2=True)
    return p.parse_args(argv)


def find_parent(home: Path, args: argparse.Namespace) -> str:
    """The SST-2 parent's model id in `home`, training it with bench_train_sst2.py when there is none."""
    if args.parent:
        return args.parent
    results = home / "bench_train_sst2.json"
    if not results.is_file():
        print(f"no SST-2 model in {home}: running bench_train_sst2.py ({args.train_minutes:g} min budget)", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "bench_train_sst2.py"),
                "--skip-throughput",
                "--home",
                str(home),
                "--minutes",
                str(args.train_minutes),
                "--data",
                str(args.data),
                "--out",  # not benchmarks/results/train_sst2.json: that is the training benchmark's own run
                str(home / "train_sst2-result.json"),
            ],
            check=True,
        )
    return json.loads(results.read_text())["training"]["model_id"]


def stage_parent(parent_home: Path, home: Path, parent: str) -> None:
    """Copy the parent model and its dataset version into `home` and register it there."""
    import shutil

    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.record import read_meta
    from sentiflow.tasks.warehouse.registry import register

    source, target = Home.at(parent_home), Home.at(home)
    if target.model(parent).is_dir():
        return
    record = read_meta(source.model(parent))
    shutil.copytree(source.dataset(record.dataset_version), target.dataset(record.dataset_version))
    shutil.copytree(source.model(parent), target.model(parent))
    record.stage = "candidate"
    register(target, record)


def compress(home: Path, parent: str, args: argparse.Namespace) -> dict[str, Any]:
    from sentiflow.flows.compress import compress_flow

    started = time.monotonic()
    summary = compress_flow(
        home=str(home),
        model=parent,
        method="auto",
        profile=args.profile,
        max_accuracy_drop=args.max_accuracy_drop,
        target_layers=args.target_layers,
        max_minutes=args.max_minutes,
        promote=False,
    )
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    print(f"compress (auto, {args.profile}) took {summary['wall_seconds'] / 60:.1f} min: {summary['reason']}")
    return summary


def last_summary(home: Path, parent: str) -> dict[str, Any]:
    """Candidates registered by an earlier run (--skip-compress), with auto's choice when known."""
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.registry import list_models

    earlier = home / "bench_compress.json"
    if earlier.is_file():
        summary = json.loads(earlier.read_text()).get("compress", {})
        if summary.get("method") == "auto" and summary.get("parent", {}).get("model_id") == parent:
            return summary  # the compress run's own summary, kept by every later --skip-compress
    rows = [
        {"model_id": m.model_id, "kind": m.kind, "error": None}
        for m in reversed(list_models(Home.at(home)))
        if m.parent_id == parent
    ]
    return {"candidates": rows, "chosen": None, "reason": "--skip-compress: no choice made in this run"}


def measure_all(
    home: Path, models: dict[str, str], texts: list[str], gold: list[str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Every model on the same texts and threads, through compress's own measure_speed (models
    take turns pass by pass, so load on the shared machine hits them alike)."""
    import numpy as np

    from sentiflow.tasks.compress.measure import EvalSets, LabelledTexts, measure_speed
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.metrics import gold_ids
    from sentiflow.tasks.models.record import folder_size
    from sentiflow.tasks.models.runtime import default_threads

    threads = args.threads or default_threads()
    loaded = {mid: load_classifier(home / "models" / mid, device="cpu", threads=threads) for mid in models}
    dev = LabelledTexts(texts, gold_ids(gold, loaded[next(iter(models))].labels))
    speed = measure_speed(loaded, EvalSets(dev, dev, texts[: args.latency_texts]), repeats=args.repeats)
    predictions = {mid: clf.logits(texts, batch_size=64).argmax(1) for mid, clf in loaded.items()}
    parent_pred = predictions[next(iter(models))]
    return {
        mid: {
            "kind": models[mid],
            "size_bytes": folder_size(home / "models" / mid),
            **speed[mid],
            "accuracy": float(np.mean(pred == dev.gold)),
            "agreement": float(np.mean(pred == parent_pred)),
            "threads": threads,
        }
        for mid, pred in predictions.items()
    }


def report(results: dict[str, dict[str, Any]], parent: str, chosen: str | None, n_texts: int) -> dict[str, Any]:
    base = results[parent]
    print(f"\nSST-2 dev ({n_texts} sentences), {results[parent]['threads']} threads; ratios vs the fp32 parent")
    header = (
        f"{'model':58} {'kind':20} {'size MB':>8} {'x':>5} {'texts/s':>8} {'x':>5} {'p50 ms':>7} {'x':>5} "
        f"{'acc':>7} {'drop':>6} {'agree':>6}"
    )
    print(header)
    for mid, r in results.items():
        r["size_ratio"] = base["size_bytes"] / r["size_bytes"]
        r["throughput_ratio"] = r["throughput"] / base["throughput"]
        r["latency_p50_ratio"] = base["latency_ms_p50"] / r["latency_ms_p50"]
        r["accuracy_drop_points"] = (base["accuracy"] - r["accuracy"]) * 100
        mark = " <- auto" if mid == chosen else ""
        print(
            f"{mid[:58]:58} {r['kind'][:20]:20} {r['size_bytes'] / 1e6:8.1f} {r['size_ratio']:5.2f} "
            f"{r['throughput']:8.0f} {r['throughput_ratio']:5.2f} {r['latency_ms_p50']:7.2f} "
            f"{r['latency_p50_ratio']:5.2f} {r['accuracy']:7.4f} {r['accuracy_drop_points']:6.2f} "
            f"{r['agreement']:6.3f}{mark}"
        )
    verdict: dict[str, Any] = {"chosen": chosen}
    if chosen in results:
        r = results[chosen]
        checks = {
            "size_ratio": r["size_ratio"] >= TARGETS["size_ratio"],
            "throughput_ratio": r["throughput_ratio"] >= TARGETS["throughput_ratio"],
            "accuracy_drop_points": r["accuracy_drop_points"] <= TARGETS["accuracy_drop_points"],
        }
        print(
            f"\nauto's choice {chosen}: {r['size_ratio']:.2f}x smaller (target >= 4), "
            f"{r['throughput_ratio']:.2f}x throughput (target >= 3), accuracy drop {r['accuracy_drop_points']:.2f} "
            f"points (target <= 1.0, stretch 0.5): "
            + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in checks.items())
        )
        verdict["targets_met"] = checks
    else:
        print("\nauto chose nothing in this run")
    return verdict


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sst2 = results.sst2_dir(args.data)
    with human_output(args.json):
        figures = measure(args, sst2)
    figures["command"] = "bench_compress.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results.write(NAME, figures, args)


def measure(args: argparse.Namespace, sst2: Path) -> dict[str, Any]:
    import pandas as pd

    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    from sentiflow.flows.prefect_env import configure_prefect

    configure_prefect(home)
    parent = find_parent(args.parent_home.resolve(), args)
    stage_parent(args.parent_home.resolve(), home, parent)
    summary = last_summary(home, parent) if args.skip_compress else compress(home, parent, args)
    dev = pd.read_csv(sst2 / "dev.tsv", sep="\t", quoting=3, dtype=str)
    texts = dev["sentence"].tolist()
    models = {parent: "parent (fp32)"} | {r["model_id"]: r["kind"] for r in summary["candidates"] if not r["error"]}
    measured = measure_all(home, models, texts, [BINARY[x] for x in dev["label"]], args)
    verdict = report(measured, parent, summary.get("chosen"), len(texts))
    load = os.getloadavg()
    print(
        f"machine load average during the run: {load[0]:.1f} (1 min), {load[2]:.1f} (15 min) on {os.cpu_count()} CPUs"
    )
    out = {"parent": parent, "compress": summary, "dev": measured, "verdict": verdict, "load_average": load}
    (home / "bench_compress.json").write_text(json.dumps(out, indent=2, default=str))
    print(f"results: {home / 'bench_compress.json'}")
    return {**out, "targets": verdict.get("targets_met", {})}


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    chosen = result["verdict"].get("chosen")
    if chosen not in result["dev"]:
        return {"what": "auto compression vs the fp32 SST-2 parent", "measured": "auto chose nothing", "target": "-"}
    r = result["dev"][chosen]
    return {
        "what": "auto's choice vs the fp32 SST-2 parent, on SST-2 dev",
        "measured": f"{r['kind']}: {r['size_ratio']:.2f}x smaller, {r['throughput_ratio']:.2f}x throughput, "
        f"{r['accuracy_drop_points']:+.2f} points",
        "target": ">= 4x, >= 3x, <= 1.0 point",
    }


if __name__ == "__main__":
    main()
