"""Length-bucketed batching: score texts of similar length together so padding is small.

A batch is padded to its longest text, so one 500-token review among 63 tweets makes the
whole batch cost 64 x 500 tokens. Sorting a shard by length first and handing the model
contiguous slices keeps every batch nearly uniform, whatever the backend does inside its own
`logits` call. Results are put back in the input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sentiflow.tasks.models.batching import length_sorted_batches
from sentiflow.tasks.models.classifier import Classifier, predict_proba

# Texts per classifier call = batch_size x this. Each call tokenizes its texts at once, so this
# bounds tokenizer memory (about 1,000 texts per call at batch size 64) and sets how often
# progress is reported; it does not change results.
BATCHES_PER_CALL = 16


def score_texts(
    clf: Classifier,
    texts: Sequence[str],
    batch_size: int,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Calibrated probabilities for `texts`, in input order (shape: texts x classes)."""
    out = np.zeros((len(texts), len(clf.labels)), dtype=np.float64)
    # characters stand in for tokens: the classifier re-sorts each call's texts by tokens
    for bucket in length_sorted_batches([len(t) for t in texts], batch_size * BATCHES_PER_CALL):
        out[bucket] = predict_proba(clf, [texts[i] for i in bucket], batch_size=batch_size)
        if on_progress:
            on_progress(len(bucket))
    return out
