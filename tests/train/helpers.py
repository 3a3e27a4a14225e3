"""Tiny datasets in the curated layout (datasets/VERSION/{train,validation,test}/part-0.parquet,
report.json written last, datasets/LATEST) and a tiny BERT to train on them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.training.config import TrainConfig

POSITIVE = ["great wonderful film", "lovely happy day", "excellent superb acting", "good fun movie"]
NEGATIVE = ["awful terrible film", "horrible sad day", "bad boring acting", "dreadful dull movie"]

# Settings that make the tiny BERT learn the toy set in ~30 steps on one thread.
TINY_CONFIG = TrainConfig(
    epochs=15,
    batch_size=16,
    lr=1e-2,
    warmup_ratio=0.0,
    max_seq_len=32,
    evals_per_epoch=1,
    patience=0,
    checkpoint_every=10,
    log_every=5,
    threads=1,
    device="cpu",
)


def toy_rows(repeat: int = 4) -> pd.DataFrame:
    """A separable set: every text has a word that only its class uses."""
    texts = POSITIVE * repeat + NEGATIVE * repeat
    labels = ["positive"] * (len(POSITIVE) * repeat) + ["negative"] * (len(NEGATIVE) * repeat)
    return pd.DataFrame({"text": texts, "label": labels})


def _split_frame(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    return pd.DataFrame(
        {
            "doc_id": [f"{split}-{i}" for i in range(len(frame))],
            "text": frame["text"].astype(str),
            "text_original": frame["text"].astype(str),
            "label": frame["label"].astype(str),
            "source": "toy",
            "cluster_id": [f"c{i}" for i in range(len(frame))],
        }
    )


def write_dataset(
    home: Home,
    version: str = "v1",
    train: pd.DataFrame | None = None,
    validation: pd.DataFrame | None = None,
    test: pd.DataFrame | None = None,
) -> str:
    """Write a finished dataset version and point LATEST at it."""
    splits = {"train": train, "validation": validation, "test": test}
    labels: set[str] = set()
    for split, frame in splits.items():
        frame = toy_rows() if frame is None else frame
        folder = home.dataset(version) / split
        folder.mkdir(parents=True, exist_ok=True)
        _split_frame(frame, split).to_parquet(folder / "part-0.parquet", index=False)
        labels.update(frame["label"].astype(str))
    report = {"version": version, "labels": sorted(labels)}
    (home.dataset(version) / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (home.datasets / "LATEST").write_text(version, encoding="utf-8")
    return version


def tiny_base(tmp_path: Path) -> Path:
    from tests.tinybert import make_tiny_bert

    return make_tiny_bert(tmp_path / "tiny-bert")
