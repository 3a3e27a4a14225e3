"""The data recipe: which rows a trial may train on, and what each threshold removes."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from sentiflow.flows.tune import curation_features
from sentiflow.tasks.core.datasets import load_dataset, load_removed
from sentiflow.tasks.curate.config import CurationConfig
from sentiflow.tasks.tune.recipe import RECIPE_DEFAULTS, RECOVERABLE, Recipe, apply_recipe, training_pool, with_features


def test_recipe_defaults_are_curations_defaults():
    curation = CurationConfig()
    assert RECIPE_DEFAULTS == {
        "near_dedup": "near_dedup" in curation.steps,
        "near_dup_threshold": curation.dedup.threshold,
        "leakage_threshold": curation.dedup.leakage_threshold,
        "min_confidence": curation.confidence.min_confidence,
        "min_alpha_word_ratio": curation.quality.min_alpha_word_ratio,
    }
    assert asdict(Recipe()) == RECIPE_DEFAULTS


def _pool(home):
    splits = load_dataset(home, "latest")
    evaluation = pd.concat([splits.validation, splits.test], ignore_index=True)
    pool = training_pool(splits.train, load_removed(home, "latest", RECOVERABLE), evaluation, splits.labels)
    return with_features(pool, evaluation["text"].tolist(), curation_features)


def test_the_pool_never_holds_an_evaluation_row(tune_home):
    pool = _pool(tune_home)
    assert len(pool) == 32 + 3 + 2  # the train split, 3 of 4 near duplicates, both low-confidence rows
    assert "nd-2" not in set(pool["doc_id"])  # given to test at ingest and a copy of a test row
    assert pool["recovered"].sum() == 5 and not pool.loc[pool["doc_id"].str.startswith("train"), "recovered"].any()
    assert (pool["leak_sim"] < 0.5).all()  # validation and test recombine words: nothing leaks


def test_each_threshold_removes_what_it_names(tune_home):
    pool = _pool(tune_home)
    default = apply_recipe(pool, Recipe())
    # curation's defaults keep the 8 distinct training texts and no recovered row: copies of earlier
    # rows (dup_sim 1.0), the near duplicates (dup_sim >= 0.7) and low-confidence rows all go
    assert sorted(default["doc_id"]) == sorted(f"train-{i}" for i in (0, 1, 2, 3, 16, 17, 18, 19))
    no_dedup = apply_recipe(pool, Recipe(near_dedup=False))
    assert len(no_dedup) == 32 + 3  # every copy back; low confidence still out
    trusting = apply_recipe(pool, Recipe(near_dedup=False, min_confidence=0.0))
    assert len(trusting) == len(pool)
    loose = apply_recipe(pool, Recipe(near_dup_threshold=0.99))
    assert {"nd-0", "nd-1"} <= set(loose["doc_id"]) and "nd-3" not in set(loose["doc_id"])
    strict_alpha = apply_recipe(pool, Recipe(near_dedup=False, min_confidence=0.0, min_alpha_word_ratio=0.8))
    assert "nd-3" not in set(strict_alpha["doc_id"])  # "horrible sad day !": 3 of 4 words hold a letter
    leaky = apply_recipe(pool, Recipe(leakage_threshold=0.0))
    assert leaky.empty  # a threshold of 0 calls every row leakage


def test_features_find_near_duplicates_and_leakage():
    pool = ["the cat sat on the mat today", "the cat sat on the mat today!", "a different sentence entirely here"]
    held_out = ["a different sentence entirely here too"]
    features = curation_features(pool, held_out)
    assert features["dup_sim"].tolist()[:2] == [0.0, 1.0]  # the second is the first once punctuation goes
    assert features["leak_sim"].iloc[2] > 0.5 and features["leak_sim"].iloc[0] == 0.0
    assert features["alpha_ratio"].tolist() == [1.0, 1.0, 1.0]
