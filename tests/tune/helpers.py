"""A tiny curated dataset with removed rows a recipe can bring back, and a tiny search space."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.chaoskit.homes import NEGATIVE, POSITIVE, toy_rows, write_toy_dataset
from sentiflow.tasks.core.home import Home

# validation and test recombine the classes' words, so no training text is a near-duplicate of them
HELD_OUT = {
    "validation": (
        ["wonderful lovely movie", "superb good day", "fun excellent film", "happy great acting"],
        ["terrible dull day", "sad awful acting", "boring horrible movie", "dull bad film"],
    ),
    "test": (
        ["lovely superb film", "great fun acting", "happy excellent movie", "wonderful good day"],
        ["awful boring day", "sad dreadful film", "terrible bad movie", "horrible dull acting"],
    ),
}


def held_out(split: str) -> pd.DataFrame:
    positive, negative = HELD_OUT[split]
    return pd.DataFrame({"text": positive + negative, "label": ["positive"] * 4 + ["negative"] * 4})


def write_tune_dataset(home: Home, version: str = "v1") -> str:
    """The toy splits, plus removed rows: near duplicates of training rows, a copy of a test row
    (never trainable), and low-confidence rows."""
    write_toy_dataset(home, toy_rows(), held_out("validation"), held_out("test"), version=version)
    test_ids = [f"test-{i}" for i in range(8)]
    removed = {
        "near_duplicate": pd.DataFrame(
            {
                "doc_id": [f"nd-{i}" for i in range(4)],
                "text": [POSITIVE[0] + " indeed", NEGATIVE[0] + " indeed", POSITIVE[1] + " !", NEGATIVE[1] + " !"],
                "label": ["positive", "negative", "positive", "negative"],
                "label_confidence": [None] * 4,
                "split_given": [None, None, "test", None],  # given to test at ingest: never trainable
                "duplicate_of": ["train-0", "train-1", test_ids[0], "train-3"],
                "reason": "near_duplicate",
            }
        ),
        "low_confidence": pd.DataFrame(
            {
                "doc_id": ["lc-0", "lc-1"],
                "text": ["a lukewarm maybe good thing", "an unsure maybe bad thing"],
                "label": ["positive", "negative"],
                "label_confidence": [0.3, 0.4],
                "split_given": [None, None],
                "duplicate_of": [None, None],
                "reason": "low_confidence",
            }
        ),
    }
    for reason, frame in removed.items():
        folder = home.dataset(version) / "removed" / reason
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(folder / "part-0.parquet", index=False)
    return version


TINY_SPACE = """
[search]
sampler = "tpe"
pruner = "successive_halving"
min_trial_minutes = 0.01
max_trial_minutes = 5.0
startup_trials = 2

[fidelity]
max_train_examples = 0
max_eval_examples = 0
evals_per_epoch = 1

[train]
lr = { low = 1e-3, high = 3e-2, log = true }
epochs = { low = 6, high = 12 }
batch_size = 16
warmup_ratio = 0.0
max_seq_len = 32
patience = 0
label_smoothing = { low = 0.0, high = 0.1 }

[recipe]
near_dedup = { choices = [true, false] }
min_confidence = { low = 0.0, high = 0.6 }
"""


def tiny_space(tmp_path: Path, text: str = TINY_SPACE) -> Path:
    path = tmp_path / "space.toml"
    path.write_text(text, encoding="utf-8")
    return path
