"""What curation is worth: the same quick fine-tune on the raw and on the curated demo corpus.

Both models start from the bundled MiniLM with the same recipe (the `quick` profile: 250
optimizer steps of 32 examples sampled from the train split, 64 tokens, seed 42; its wall-clock
budget is lifted so both runs take exactly the same steps) and are scored on the same curated
test split (and stop early/calibrate on the same curated validation split).

- curated: `sentiflow curate` with the default configuration;
- raw: every ingested row as it arrived (original text, no filtering, no dedup, low-confidence
  labels included), except rows in the curated validation/test splits and rows whose text is
  within the leakage threshold of one of them: without that guard the raw model would be scored
  on copies of its own training tweets, which measures memorisation, not curation.

    .venv/bin/python benchmarks/bench_curation_value.py [--home DIR] [--steps 250] [--seed 42]
    .venv/bin/python benchmarks/bench_curation_value.py --steps 20 --json     # smoke run

Both sides are sentiflow's own training (no outside baseline). Result:
benchmarks/results/curation_value.json (--out).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sentiflow.tasks.core.datasets import load_split
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.neardup import NearDuplicateIndex
from sentiflow.tasks.core.settings import Settings
from sentiflow.tasks.curate import service
from sentiflow.tasks.curate.config import CurationConfig, DedupConfig
from sentiflow.tasks.curate.labels import SCHEMES, clean_label
from sentiflow.tasks.curate.step import Doc
from sentiflow.tasks.curate.store import write_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks.` imports when run as a script
from benchmarks import results  # noqa: E402
from benchmarks.harness import human_output  # noqa: E402

NAME = "curation_value"


def ingest_demo(home: Home) -> None:
    from sentiflow.tasks.ingest.columns import ColumnSpec
    from sentiflow.tasks.ingest.inputs import plan_inputs
    from sentiflow.tasks.ingest.service import IngestOptions, ingest_unit

    options = IngestOptions.from_settings(Settings(), ColumnSpec(), None)
    for unit in plan_inputs(["demo"]).units:
        ingest_unit(unit, home, options)


def curate(home: Home) -> str:
    sources = service.check_request(home, ["demo"], "curated")
    table = service.read_inputs(home, sources)
    plan = service.plan_curation(home, table, sources, "curated", CurationConfig())
    (service.reuse_curation if plan.reuse else lambda p: service.run_curation(p, table))(plan)
    return plan.version


def _docs(frame) -> list[Doc]:
    return [
        Doc(
            doc_id=r.doc_id,
            text=r.text,
            source=r.source,
            origin=r.origin,
            text_original=r.text_original,
            label_original=r.label_original,
            label=r.label,
            label_confidence=r.label_confidence,
            split_given=None,
            cluster_id=r.cluster_id,
        )
        for r in frame.itertuples()
    ]


def raw_dataset(home: Home, curated: str) -> tuple[str, int]:
    """A dataset of the raw train rows plus the curated validation and test splits."""
    evaluation = {s: load_split(home, curated, s) for s in ("validation", "test")}
    held_out = set(evaluation["validation"].doc_id) | set(evaluation["test"].doc_id)
    lake = service.read_inputs(home, ["demo"]).to_pandas()
    lake = lake[~lake.doc_id.isin(held_out)]
    text_map = SCHEMES["text"]
    lake = lake.assign(label=[text_map.get(clean_label(v) or "") for v in lake.label]).dropna(subset=["label"])
    eval_texts = [t for frame in evaluation.values() for t in frame.text_original]
    index = NearDuplicateIndex.build(list(lake.text) + eval_texts, DedupConfig())
    n, keys = len(lake), index.key_of_doc
    eval_keys = set(keys[n:].tolist())
    close = set(eval_keys)  # dedup keys of evaluation texts and of texts near one
    for a, b in index.linked_keys(DedupConfig().leakage_threshold).tolist():
        if a in eval_keys:
            close.add(b)
        if b in eval_keys:
            close.add(a)
    near_eval = np.isin(keys[:n], np.fromiter(close, dtype=np.int64))
    train = lake[~near_eval]
    train_docs = [
        Doc(
            doc_id=r.doc_id,
            text=r.text,
            source=r.source,
            origin=r.origin,
            text_original=r.text,
            label_original=r.label,
            label=r.label,
            label_confidence=r.label_confidence,
            split_given=None,
            cluster_id=r.doc_id,
        )
        for r in train.itertuples()
    ]
    splits = {"train": train_docs, **{s: _docs(f) for s, f in evaluation.items()}}
    version = f"raw-{curated.split('-', 1)[1]}"
    labels = sorted({d.label for docs in splits.values() for d in docs})
    write_dataset(home, version, splits, [], {"version": version, "labels": labels, "note": "raw baseline"})
    return version, int(near_eval.sum())


def train_and_score(home: Home, version: str, steps: int, seed: int) -> dict:
    from sentiflow.tasks.models.training.config import make_config
    from sentiflow.tasks.train.finetune import evaluate_model, plan_training, train_model

    config = dataclasses.replace(make_config("quick", seed=seed), max_steps=steps, max_minutes=None)
    plan = plan_training(home, version, None, config)
    start = time.monotonic()
    training = train_model(plan)
    metrics = evaluate_model(plan)
    return {"test": metrics["test"], "steps": training.get("steps"), "minutes": (time.monotonic() - start) / 60}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="work folder [default: a temporary one]")
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--seed", type=int, default=42)
    results.add_arguments(parser, NAME)
    args = parser.parse_args(argv)
    with human_output(args.json):
        figures = measure(args)
    figures["command"] = "bench_curation_value.py " + " ".join(sys.argv[1:] if argv is None else argv)
    results.write(NAME, figures, args)


def measure(args: argparse.Namespace) -> dict:
    home = Home.at(args.home or tempfile.mkdtemp(prefix="bench-curation-"))
    ingest_demo(home)
    curated = curate(home)
    raw, guarded = raw_dataset(home, curated)
    sizes = {v: len(load_split(home, v, "train")) for v in (raw, curated)}
    print(
        f"home {home.root}; train rows: raw {sizes[raw]:,} ({guarded:,} near-copies of evaluation rows left out), "
        f"curated {sizes[curated]:,}; test rows (both): {len(load_split(home, curated, 'test')):,}"
    )
    trained = {
        name: train_and_score(home, version, args.steps, args.seed)
        for name, version in (("raw", raw), ("curated", curated))
    }
    for name, r in trained.items():
        t = r["test"]
        print(
            f"{name:8s} test accuracy {t['accuracy']:.4f}  macro-F1 {t['macro_f1']:.4f}  "
            f"({r['steps']} steps, {r['minutes']:.1f} min)"
        )
    delta = trained["curated"]["test"]["accuracy"] - trained["raw"]["test"]["accuracy"]
    delta_f1 = trained["curated"]["test"]["macro_f1"] - trained["raw"]["test"]["macro_f1"]
    print(f"curated - raw: accuracy {delta:+.4f}, macro-F1 {delta_f1:+.4f}")
    return {
        "steps": args.steps,
        "seed": args.seed,
        "train_rows": {"raw": sizes[raw], "curated": sizes[curated]},
        **{
            name: {
                "accuracy": r["test"]["accuracy"],
                "macro_f1": r["test"]["macro_f1"],
                "minutes": round(r["minutes"], 2),
            }
            for name, r in trained.items()
        },
        "accuracy_delta": round(delta, 4),
        "macro_f1_delta": round(delta_f1, 4),
    }


def row(result: dict) -> dict:
    """The README benchmark table's row."""
    return {
        "what": f"same quick model ({result['steps']} steps), raw vs curated demo corpus",
        "measured": f"accuracy {result['raw']['accuracy']:.4f} -> {result['curated']['accuracy']:.4f} "
        f"({result['accuracy_delta']:+.4f}); macro-F1 {result['macro_f1_delta']:+.4f}",
        "target": "report only",
    }


if __name__ == "__main__":
    main()
