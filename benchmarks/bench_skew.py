"""Train/serve skew: what a model's recorded text preprocessing is worth at scoring time.

A model is trained on curated text (normalize_text: encoding repair, HTML unescaped, NFC,
URLs and mentions masked, whitespace collapsed) but scoring reads raw lake text. This measures,
on the test split of the production model's dataset, for the production model and its fp32
parent (when production is a compressed child), three ways of feeding it:

  raw_old        text_original, no preprocessing: the serving path before models recorded it
  curated        the dataset's curated `text`, no preprocessing: what the model trained on
  raw_new        text_original through the model's recorded preprocessing: today's serving path

Each is scored the way the scoring stage scores a shard (`score_texts`, batches of 64, the
scorer's default), with the model's calibration temperature. Reported per model: accuracy and
macro-F1 of each, labels that change between raw_old and raw_new (of all test rows and of the
rows whose raw text differs from its curated form), and labels that differ between curated and
raw_new: as scored, and with both fed in the same order so that their batches are alike (0
expected there: same token ids; as scored, an int8 model's per-batch activation scales move a few
labels with their batch-mates). Also: the preprocessing's cost per text, and the machine.

Run the pipeline once first (`sentiflow run --home HOME`), then:

    .venv/bin/python benchmarks/bench_skew.py --home /tmp/skew-home          # table + JSON file
    .venv/bin/python benchmarks/bench_skew.py --home /tmp/skew-home --json   # one JSON object

The result is written to benchmarks/results/skew.json (or --out).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402

# sentiflow's scoring runs with passive OpenMP waiting (tasks/models/__init__.py); set it before
# torch loads so this process scores as the scorer does
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[1]
BATCH_SIZE = 64  # texts per model batch: the scorer's default (tasks/score/scorer.py)


def figures(probs, gold, labels: list[str]) -> dict[str, float]:
    """Accuracy and macro-F1 of calibrated probabilities against gold class ids."""
    from sklearn.metrics import f1_score

    pred = probs.argmax(axis=1)
    return {
        "accuracy": round(float((pred == gold).mean()), 4),
        "macro_f1": round(float(f1_score(gold, pred, labels=list(range(len(labels))), average="macro")), 4),
    }


def measure_model(model_dir: Path, raw: list[str], curated: list[str], gold_labels: list[str]) -> dict[str, Any]:
    """The three feeding paths for one model folder (module docstring)."""
    import numpy as np

    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.metrics import gold_ids
    from sentiflow.tasks.models.record import read_meta
    from sentiflow.tasks.score.batching import score_texts

    record = read_meta(model_dir)
    clf = load_classifier(model_dir, device="cpu")
    gold = gold_ids(gold_labels, clf.labels)
    recorded = clf.preprocessing
    probs, seconds = {}, {}
    for path, texts, preprocessing in (
        ("raw_old", raw, None),
        ("curated", curated, None),
        ("raw_new", raw, recorded),
    ):
        clf.preprocessing = preprocessing
        started = time.perf_counter()
        probs[path] = score_texts(clf, texts, BATCH_SIZE)
        seconds[path] = round(time.perf_counter() - started, 2)
    # the same texts in the same order give the same batches: what is left of curated vs raw_new
    # is then the preprocessing alone (score_texts groups raw and curated texts differently, and
    # int8's per-batch activation scales move a few labels with their batch-mates)
    clf.preprocessing = None
    same_batches_curated = clf.logits(curated, batch_size=BATCH_SIZE).argmax(axis=1)
    clf.preprocessing = recorded
    same_batches_new = clf.logits(raw, batch_size=BATCH_SIZE).argmax(axis=1)
    labels = {path: p.argmax(axis=1) for path, p in probs.items()}
    differs = np.array([r != c for r, c in zip(raw, curated)])
    changed = labels["raw_old"] != labels["raw_new"]
    changed_among_differing = float(changed[differs].mean()) if differs.any() else 0.0
    return {
        "model_id": record.model_id,
        "kind": record.kind,
        "format": record.format,
        "preprocessing_recorded": recorded is not None,
        "preprocessing": recorded.to_json() if recorded else None,
        "paths": {path: figures(p, gold, clf.labels) for path, p in probs.items()},
        "labels_changed_old_vs_new": int(changed.sum()),
        "labels_changed_old_vs_new_share": round(float(changed.mean()), 4),
        "labels_changed_among_differing_texts_share": round(changed_among_differing, 4),
        "labels_differ_curated_vs_new": int((labels["curated"] != labels["raw_new"]).sum()),
        "labels_differ_curated_vs_new_same_batches": int((same_batches_curated != same_batches_new).sum()),
        "seconds": seconds,  # wall seconds per path, model batches of BATCH_SIZE
    }


def measure(home: Path, model: str) -> dict[str, Any]:
    from sentiflow.tasks.core.datasets import load_split
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.record import read_meta
    from sentiflow.tasks.warehouse.registry import get_model

    h = Home.at(home)
    record = get_model(h, model)
    folders = [h.root / record.path]
    if record.parent_id and record.format != "torch":
        folders.append(h.root / get_model(h, record.parent_id).path)
    version = record.dataset_version
    test = load_split(h, version, "test")
    raw = test["text_original"].astype(str).tolist()
    curated = test["text"].astype(str).tolist()
    gold = test["label"].astype(str).tolist()

    preprocessing = read_meta(folders[0]).preprocessing
    consistent, per_text_ms = None, None
    if preprocessing is not None:
        started = time.perf_counter()
        preprocessed = preprocessing.apply(raw)
        per_text_ms = round((time.perf_counter() - started) * 1000 / max(1, len(raw)), 4)
        consistent = sum(p == c for p, c in zip(preprocessed, curated))
    return {
        "bench": "skew",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "home": str(h.root),
        "dataset_version": version,
        "test_rows": len(test),
        "raw_differs_from_curated": sum(r != c for r, c in zip(raw, curated)),
        # rows where the model's preprocessing of the raw text gives exactly the curated text
        "preprocessed_raw_equals_curated": consistent,
        "preprocessing_ms_per_text": per_text_ms,  # milliseconds, one core, test split
        "batch_size": BATCH_SIZE,
        "models": [measure_model(folder, raw, curated, gold) for folder in folders],
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"dataset {result['dataset_version']} test split: {result['test_rows']:,} rows, "
        f"{result['raw_differs_from_curated']:,} raw texts differ from their curated form; "
        f"preprocessing {result['preprocessing_ms_per_text']} ms/text"
    )
    for m in result["models"]:
        print(f"\n{m['model_id']} ({m['kind']}, {m['format']}; preprocessing recorded: {m['preprocessing_recorded']})")
        for path, f in m["paths"].items():
            print(f"  {path:<8} accuracy {f['accuracy']:.4f}  macro-F1 {f['macro_f1']:.4f}  ({m['seconds'][path]} s)")
        print(
            f"  labels changed raw_old -> raw_new: {m['labels_changed_old_vs_new']} "
            f"({m['labels_changed_old_vs_new_share']:.1%} of rows, "
            f"{m['labels_changed_among_differing_texts_share']:.1%} of differing texts); "
            f"curated vs raw_new differ on {m['labels_differ_curated_vs_new']} "
            f"({m['labels_differ_curated_vs_new_same_batches']} when batched alike)"
        )
    mc = result["machine"]
    print(f"\n{mc['cpu_count']} cores, load average {mc['load_average']}; {mc['versions']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", required=True, type=Path, help="a sentiflow home after `sentiflow run`")
    parser.add_argument("--model", default="production", help="model id to measure (default: production)")
    results.add_arguments(parser, "skew")
    args = parser.parse_args(argv)
    with human_output(args.json):
        figures = measure(args.home, args.model)
    figures["command"] = "bench_skew.py " + " ".join(sys.argv[1:] if argv is None else argv)
    written = results.write("skew", figures, args)
    if not args.json:
        print_table(written)
    return 0


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    parts = []
    for m in result["models"]:
        paths = m["paths"]
        parts.append(
            f"{m['kind']} {m['format']}: accuracy raw {paths['raw_old']['accuracy']:.4f} -> served "
            f"{paths['raw_new']['accuracy']:.4f} (curated {paths['curated']['accuracy']:.4f}), "
            f"{m['labels_changed_old_vs_new']} labels change"
        )
    return {
        "what": f"train/serve skew on the {result['test_rows']:,}-row test split: raw text before the fix, curated "
        "text, raw text through the model's recorded preprocessing",
        "measured": f"{result['preprocessed_raw_equals_curated']:,}/{result['test_rows']:,} served texts equal "
        f"their curated form; " + "; ".join(parts),
        "target": "report only: consistency, not a gain",
    }


if __name__ == "__main__":
    sys.exit(main())
