"""Tiny datasets in the curated layout (datasets/VERSION/{train,validation,test}/part-0.parquet,
report.json written last, datasets/LATEST) and a tiny BERT to train on them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.chaoskit.homes import NEGATIVE, POSITIVE, toy_rows, write_toy_dataset
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.training.config import TrainConfig

__all__ = ["NEGATIVE", "POSITIVE", "TINY_CONFIG", "tiny_base", "toy_rows", "write_dataset"]

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


def write_dataset(
    home: Home,
    version: str = "v1",
    train: pd.DataFrame | None = None,
    validation: pd.DataFrame | None = None,
    test: pd.DataFrame | None = None,
) -> str:
    """Write a finished dataset version (the toy rows where a split is not given), named by LATEST."""
    splits = [toy_rows() if frame is None else frame for frame in (train, validation, test)]
    return write_toy_dataset(home, *splits, version=version)


def tiny_base(tmp_path: Path) -> Path:
    from tests.tinybert import make_tiny_bert

    return make_tiny_bert(tmp_path / "tiny-bert")
