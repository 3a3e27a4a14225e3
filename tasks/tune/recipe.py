"""The data recipe: which rows a trial trains on, while validation and test stay the same.

A search starts from one curated dataset version. Its training pool is the version's train
split plus the rows curation removed for a reason a recipe may undo (near duplicates, leakage,
low label confidence, a low share of alphabetic words), minus any row given to validation or
test at ingest or removed as a copy of a validation/test document: those are evaluation rows,
and no recipe may train on them.

Each pool row carries what the recipe's thresholds are compared with (`PoolFeatures`):
  dup_sim     the highest estimated Jaccard similarity to an earlier pool row (the dataset's
              kept rows come first, then the recovered ones); 1.0 for an exact copy
  leak_sim    the highest estimated Jaccard similarity to any validation or test row
  alpha_ratio the share of its content words holding a letter (curation's quality measure)
and its label confidence. The similarities come from curation's MinHash index; the flow hands
that function in (`FeatureFn`), since stages never import each other (docs/ARCHITECTURE.md).
Applying a recipe is then a vectorised filter: milliseconds per trial, so the recipe can be
searched with the hyperparameters at no extra cost.

Near-dedup here keeps a row unless an *earlier* pool row is at least `near_dup_threshold`
similar: curation's connected components can remove a little more along chains of
near-duplicates. A recipe saved as a named config becomes a real curation config
(tasks/models/training/named.py), which `run --config` curates with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sentiflow.tasks.core.errors import UserError

# curation's defaults (tasks/curate/config.py; tests/tune checks they agree): a recipe that
# leaves a parameter out trains on the rows default curation would keep.
RECIPE_DEFAULTS = {
    "near_dedup": True,
    "near_dup_threshold": 0.7,
    "leakage_threshold": 0.5,
    "min_confidence": 0.5,
    "min_alpha_word_ratio": 0.5,
}
# removal reasons (curation's names) whose rows a recipe can bring back
RECOVERABLE = ("near_duplicate", "leakage", "low_confidence", "low_alpha_ratio")
EVALUATION_SPLITS = ("validation", "test")

# (pool texts, validation + test texts) -> frame with dup_sim, leak_sim, alpha_ratio per pool text
FeatureFn = Callable[[Sequence[str], Sequence[str]], pd.DataFrame]
FEATURES = ("dup_sim", "leak_sim", "alpha_ratio")


@dataclass(frozen=True)
class Recipe:
    near_dedup: bool = True
    near_dup_threshold: float = 0.7
    leakage_threshold: float = 0.5
    min_confidence: float = 0.5
    min_alpha_word_ratio: float = 0.5

    def validate(self) -> Recipe:
        if not isinstance(self.near_dedup, bool):
            raise UserError("near_dedup must be true or false")
        for name in ("near_dup_threshold", "leakage_threshold", "min_confidence", "min_alpha_word_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise UserError(f"{name} must be a number in [0, 1]")
        return self

    def to_json(self) -> dict[str, float | bool]:
        return asdict(self)


def training_pool(
    train: pd.DataFrame, removed: pd.DataFrame, evaluation: pd.DataFrame, labels: Sequence[str]
) -> pd.DataFrame:
    """The rows a recipe chooses from: kept training rows first, then recoverable removed ones.

    `removed` holds curation's removed rows (reason, label, split_given, duplicate_of);
    `evaluation` the validation and test rows. Column `recovered` marks rows curation removed.
    """
    keep_cols = ["doc_id", "text", "label", "label_confidence"]
    train, removed = (f if "label_confidence" in f else f.assign(label_confidence=np.nan) for f in (train, removed))
    evaluation_ids = set(evaluation["doc_id"])
    back = removed[
        removed["reason"].isin(RECOVERABLE)
        & removed["label"].isin(list(labels))
        & ~removed["split_given"].isin(EVALUATION_SPLITS)
        & ~removed["duplicate_of"].isin(evaluation_ids)
        & ~removed["doc_id"].isin(evaluation_ids)
    ]
    pool = pd.concat(
        [train[keep_cols].assign(recovered=False), back[keep_cols].assign(recovered=True)], ignore_index=True
    )
    return pool.drop_duplicates("doc_id", keep="first").reset_index(drop=True)


def with_features(pool: pd.DataFrame, evaluation_texts: Sequence[str], features: FeatureFn) -> pd.DataFrame:
    """The pool with its recipe features computed once for the whole search."""
    computed = features(pool["text"].tolist(), list(evaluation_texts))
    missing = [c for c in FEATURES if c not in computed]
    if missing or len(computed) != len(pool):
        raise ValueError(f"feature function returned {list(computed)} for {len(computed)} rows")  # a bug, not input
    return pd.concat([pool.reset_index(drop=True), computed[list(FEATURES)].reset_index(drop=True)], axis=1)


def apply_recipe(pool: pd.DataFrame, recipe: Recipe) -> pd.DataFrame:
    """The training rows `recipe` keeps (pool order)."""
    keep = pool["leak_sim"].to_numpy() < recipe.leakage_threshold
    if recipe.near_dedup:
        keep &= pool["dup_sim"].to_numpy() < recipe.near_dup_threshold
    confidence = pool["label_confidence"].to_numpy(dtype=float, na_value=np.nan)
    keep &= np.isnan(confidence) | (confidence >= recipe.min_confidence)
    keep &= pool["alpha_ratio"].to_numpy() >= recipe.min_alpha_word_ratio
    return pool[keep].reset_index(drop=True)
