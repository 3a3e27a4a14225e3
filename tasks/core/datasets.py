"""Reading curated datasets: the public surface other stages (train, compress, report) use.

A dataset lives in `datasets/VERSION/` (docs/ARCHITECTURE.md):

    train/part-0.parquet, validation/part-0.parquet, test/part-0.parquet
    removed/REASON/part-0.parquet
    report.json        written last: a version folder without it is unfinished and never read
    ../LATEST          a text file naming the newest finished version

Split files hold at least: doc_id, text (normalised), text_original, label (canonical string:
negative | neutral | positive), source, cluster_id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home, safe_name

SPLITS = ("train", "validation", "test")
LATEST = "latest"
REPORT_FILE = "report.json"
LATEST_FILE = "LATEST"
SPLIT_FILE = "part-0.parquet"


def latest_path(home: Home) -> Path:
    """The text file naming the newest finished version."""
    return home.datasets / LATEST_FILE


def split_path(home: Home, version: str, split: str) -> Path:
    return home.dataset(version) / split / SPLIT_FILE


def is_finished(home: Home, version: str) -> bool:
    """A version is finished once its report exists (the report is written last)."""
    return (home.dataset(version) / REPORT_FILE).is_file()


def resolve_version(home: Home, version: str = LATEST) -> str:
    """The concrete version for `version` ('latest' or a version id); UserError if none."""
    if not version or version.lower() == LATEST:
        marker = latest_path(home)
        named = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
        if not named:
            raise UserError(f"no curated dataset in {home.datasets}: run `sentiflow curate` first (or pass --home)")
        version = named
    safe_name(version, "dataset version")
    if not is_finished(home, version):
        known = list_versions(home)
        raise UserError(
            f"dataset version {version!r} does not exist or is unfinished in {home.datasets} "
            f"(finished versions: {', '.join(known) or 'none'}; run `sentiflow curate`)"
        )
    return version


def list_versions(home: Home) -> list[str]:
    """Finished versions, oldest first (by report time)."""
    if not home.datasets.is_dir():
        return []
    finished = [p for p in home.datasets.iterdir() if p.is_dir() and (p / REPORT_FILE).is_file()]
    return [p.name for p in sorted(finished, key=lambda p: ((p / REPORT_FILE).stat().st_mtime, p.name))]


def load_report(home: Home, version: str = LATEST) -> dict[str, Any]:
    """The dataset's report.json (accounting, per-step counts, balance, labels, config)."""
    version = resolve_version(home, version)
    return json.loads((home.dataset(version) / REPORT_FILE).read_text(encoding="utf-8"))


def load_split(home: Home, version: str, split: str) -> pd.DataFrame:
    """One split as a DataFrame with columns text, label, doc_id, text_original, source, cluster_id.

    Rows are in a stable order (the order curation wrote them). An empty split gives an empty
    frame with the same columns.
    """
    if split not in SPLITS:
        raise UserError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    version = resolve_version(home, version)
    path = split_path(home, version, split)
    if not path.is_file():
        raise UserError(f"dataset {version} has no {split} split at {path}: re-run `sentiflow curate`")
    return pq.read_table(path).to_pandas()


def dataset_labels(home: Home, version: str = LATEST) -> list[str]:
    """The sorted canonical labels present in the dataset, e.g. ['negative', 'positive']."""
    labels = load_report(home, version).get("labels")
    if labels is None:  # tolerate a report without the key: read the splits themselves
        present: set[str] = set()
        for split in SPLITS:
            present.update(load_split(home, version, split)["label"].dropna().unique())
        labels = present
    return sorted(labels)


@dataclass
class DatasetSplits:
    """The three splits of one dataset version, checked, and its label set in id order."""

    version: str
    labels: list[str]
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame


def load_dataset(home: Home, dataset: str = "latest") -> DatasetSplits:
    """Resolve and load a curated dataset; raise a UserError if it cannot train a classifier."""
    version = resolve_version(home, dataset)
    frames = {split: load_split(home, version, split) for split in SPLITS}
    for split, frame in frames.items():
        if len(frame) == 0:
            raise UserError(
                f"dataset {version} has an empty {split} split ({home.dataset(version) / split}); "
                "curate more labelled data (`sentiflow curate`)"
            )
        missing = frame["label"].isna().sum()
        if missing:
            raise UserError(f"dataset {version} {split} split has {missing} rows without a label; re-curate it")
    labels = list(dataset_labels(home, version))
    present = sorted(set(frames["train"]["label"]))
    if len(present) < 2:
        raise UserError(
            f"dataset {version} train split has one class only ({present[0]!r}); a classifier needs "
            "at least two: add labelled data of another class and re-curate"
        )
    for split, frame in frames.items():
        unknown = sorted(set(frame["label"]) - set(labels))
        if unknown:
            raise UserError(f"dataset {version} {split} split has labels {unknown} outside its label set {labels}")
    return DatasetSplits(version, labels, frames["train"], frames["validation"], frames["test"])


def load_removed(home: Home, version: str, reasons: tuple[str, ...]) -> pd.DataFrame:
    """The rows curation removed for these reasons (removed/REASON/), with columns reason,
    label, label_confidence, split_given and duplicate_of; empty when it removed none."""
    version = resolve_version(home, version)
    frames = [
        pq.read_table(path).to_pandas()
        for reason in reasons
        if (path := home.dataset(version) / "removed" / reason / SPLIT_FILE).is_file()
    ]
    columns = ["doc_id", "text", "label", "label_confidence", "split_given", "duplicate_of", "reason"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
