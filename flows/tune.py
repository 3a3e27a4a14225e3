"""The tune flow: a budgeted, resumable search over the data recipe and training hyperparameters.

It composes two stages the tune stage may not import (stages never import each other,
docs/ARCHITECTURE.md): curation's MinHash index and quality measure give each training-pool
row its recipe features (`curation_features`, handed to the tune stage as a function), and
the train stage's base-model check resolves what the trials fine-tune. The training itself
runs on the shared loop below both (tasks/models/training/).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from prefect import flow

from sentiflow.tasks.tune.prefect_tasks import artifact_task, plan_search_task, prepare_task, search_task


def curation_features(pool_texts: Sequence[str], evaluation_texts: Sequence[str]) -> pd.DataFrame:
    """dup_sim, leak_sim and alpha_ratio of each pool text (tasks/tune/recipe.py says what each is),
    from one MinHash LSH index over pool and evaluation texts, as curation builds it."""
    from sentiflow.tasks.core.neardup import NearDuplicateIndex
    from sentiflow.tasks.curate.config import DedupConfig
    from sentiflow.tasks.curate.quality import content_words

    n = len(pool_texts)
    index = NearDuplicateIndex.build([*pool_texts, *evaluation_texts], DedupConfig())
    keys = index.key_of_doc
    pool_keys, eval_keys = keys[:n], keys[n:]
    n_keys = int(keys.max()) + 1 if len(keys) else 0
    first = np.full(n_keys, n, dtype=np.int64)  # first pool position of each key (n: none)
    np.minimum.at(first, pool_keys, np.arange(n))
    is_eval = np.zeros(n_keys, dtype=bool)
    is_eval[eval_keys] = True
    a, b, j = index.pairs[:, 0], index.pairs[:, 1], index.jaccard
    # near-duplicates: the later of two pool keys takes the pair's similarity
    both = (first[a] < n) & (first[b] < n)
    later = np.where(first[a] > first[b], a, b)[both]
    key_dup = np.zeros(n_keys)
    np.maximum.at(key_dup, later, j[both])
    # leakage: a pool key linked to an evaluation key
    key_leak = np.where(is_eval, 1.0, 0.0)
    np.maximum.at(key_leak, a[is_eval[b]], j[is_eval[b]])
    np.maximum.at(key_leak, b[is_eval[a]], j[is_eval[a]])
    repeated = first[pool_keys] < np.arange(n)  # an earlier pool text has the same dedup key
    alpha = []
    for text in pool_texts:
        words = content_words(text)
        alpha.append(sum(any(ch.isalpha() for ch in w) for w in words) / len(words) if words else 0.0)
    return pd.DataFrame(
        {
            "dup_sim": np.where(repeated, 1.0, key_dup[pool_keys]),
            "leak_sim": key_leak[pool_keys],
            "alpha_ratio": alpha,
        }
    )


def _run_name() -> str:
    """tune-STUDY, or tune-DATASET when the study is named after the dataset version (study None)."""
    from prefect.runtime import flow_run

    parameters = flow_run.parameters
    return f"tune-{parameters.get('study') or parameters.get('dataset') or 'latest'}"


@flow(name="tune", flow_run_name=_run_name)
def tune_flow(
    home: str,
    dataset: str = "latest",
    study: str | None = "default",
    max_minutes: float = 60.0,
    trials: int | None = None,
    resume: bool = False,
    space: str | None = None,
    sampler: str | None = None,
    pruner: str | None = None,
    base_model: str | None = None,
    device: str = "auto",
) -> dict[str, Any]:
    """Search the data recipe and training hyperparameters on a dataset version within
    `max_minutes`; save the best as the training config named `study` (None: tune-VERSION, resumed
    when it exists, as the weekly deployment runs it). Returns a TuneSummary's JSON."""
    from sentiflow.tasks.core.settings import Settings
    from sentiflow.tasks.train.inputs import resolve_base_model

    base = resolve_base_model(base_model, offline=Settings().offline)
    plan = plan_search_task(
        home, dataset, study, max_minutes, trials, resume, space, sampler, pruner, base.source, device
    )
    data = prepare_task(plan, curation_features)
    summary = search_task(plan, data)
    artifact_task(summary)
    return summary.to_json()
