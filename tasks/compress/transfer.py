"""The transfer set a student learns its teachers' answers on: three parts, none of it evaluation text.

  labelled    the dataset's train split (raw text, gold label)
  unlabelled  documents of the chosen lake sources that are in no split of the dataset, at most
              `transfer_max` of them (a seeded sample)
  augmented   `augment` variants of each training text (augment.py), labelled by the teachers only

Nothing may match the validation or test splits: lake documents and augmented texts that share
their dedup key with an evaluation text, or whose estimated Jaccard with one reaches the dataset's
leakage threshold, are dropped with curation's own check (tasks/core/neardup.py); lake documents
whose id is in the dataset are dropped too (train: already labelled; validation/test: evaluation).
Texts are raw (`text_original` for dataset rows): each model applies its recorded preprocessing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from sentiflow.tasks.core.datasets import DatasetSplits
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.neardup import DedupConfig, leaking_texts

PARTS = ("labelled", "unlabelled", "augmented")
ALL_SOURCES = "all"


@dataclass
class TransferSet:
    texts: list[str]
    labels: list[str | None]  # gold label of labelled rows, None elsewhere
    parts: list[str]  # one of PARTS per row
    removed: dict[str, int] = field(default_factory=dict)  # reason -> rows dropped

    def __len__(self) -> int:
        return len(self.texts)

    def makeup(self) -> dict[str, int]:
        counts = Counter(self.parts)
        return {part: counts.get(part, 0) for part in PARTS}


def resolve_sources(home: Home, requested: list[str]) -> list[str]:
    """Lake sources named by --transfer ('all' = every source); a one-line UserError for an unknown one."""
    from sentiflow.tasks.core.lake import list_sources

    if not requested:
        return []
    known = list_sources(home)
    if ALL_SOURCES in requested:
        if not known:
            raise UserError(f"--transfer all: the lake in {home.root} is empty; run `sentiflow ingest` first")
        return known
    missing = [s for s in dict.fromkeys(requested) if s not in known]
    if missing:
        raise UserError(
            f"--transfer: no lake source {', '.join(map(repr, missing))} (known: {', '.join(known) or 'none'}); "
            "ingest it first or pick one of the known sources"
        )
    return list(dict.fromkeys(requested))


def lake_documents(home: Home, sources: list[str]) -> pd.DataFrame:
    """doc_id and text of the chosen sources' documents."""
    from sentiflow.tasks.core.lake import read_documents

    if not sources:
        return pd.DataFrame({"doc_id": [], "text": []})
    return read_documents(home, sources, columns=["doc_id", "text"]).to_pandas()


def build_transfer_set(
    splits: DatasetSplits,
    lake: pd.DataFrame,
    sources: list[str],
    transfer_max: int | None,
    augment: int,
    augmenter: Callable[[list[str], int], list[str]],
    seed: int,
    dedup: DedupConfig = DedupConfig(),
) -> TransferSet:
    """The three parts, leakage removed (see the module docstring); raises UserError when empty."""
    train = splits.train
    labelled_texts = train["text_original"].astype(str).tolist()
    removed: Counter[str] = Counter()
    dataset_ids = {str(i) for frame in (train, splits.validation, splits.test) for i in frame["doc_id"]}
    in_dataset = lake["doc_id"].astype(str).isin(dataset_ids)
    removed["lake_in_dataset"] = int(in_dataset.sum())
    unlabelled = lake.loc[~in_dataset, "text"].astype(str).drop_duplicates()
    removed["lake_repeated_text"] = int((~in_dataset).sum() - len(unlabelled))
    if transfer_max is not None and len(unlabelled) > transfer_max:
        removed["lake_over_transfer_max"] = len(unlabelled) - transfer_max
        unlabelled = unlabelled.sample(n=transfer_max, random_state=seed)
    unlabelled_texts = [t for t in unlabelled.tolist() if t.strip()]
    augmented_texts = augmenter(labelled_texts, augment) if augment > 0 else []
    candidates = unlabelled_texts + augmented_texts
    evaluation = pd.concat([splits.validation, splits.test])["text_original"].astype(str).tolist()
    twins = leaking_texts(candidates, evaluation, dedup) if candidates else []
    keep = [twin is None for twin in twins]
    n = len(unlabelled_texts)
    removed["lake_near_evaluation_text"] = n - sum(keep[:n])
    removed["augmented_near_evaluation_text"] = len(augmented_texts) - sum(keep[n:])
    unlabelled_texts = [t for t, ok in zip(unlabelled_texts, keep[:n]) if ok]
    augmented_texts = [t for t, ok in zip(augmented_texts, keep[n:]) if ok]
    if sources and not unlabelled_texts:
        raise UserError(
            f"--transfer {' '.join(sources)}: no usable documents: all {len(lake)} are in dataset "
            f"{splits.version} or nearly duplicate its validation/test texts; choose another source"
        )
    texts = labelled_texts + unlabelled_texts + augmented_texts
    if not texts:
        raise UserError(
            f"the transfer set is empty: dataset {splits.version} has no train rows and nothing else was added"
        )
    return TransferSet(
        texts=texts,
        labels=[*train["label"].astype(str).tolist(), *[None] * (len(unlabelled_texts) + len(augmented_texts))],
        parts=["labelled"] * len(labelled_texts)
        + ["unlabelled"] * len(unlabelled_texts)
        + ["augmented"] * len(augmented_texts),
        removed={k: v for k, v in removed.items() if v},
    )
