"""Length-bucketed batching: score texts of similar length together so padding is small.

A batch is padded to its longest text, so one 500-token review among 63 tweets makes the
whole batch cost 64 x 500 tokens. Sorting a shard by length first and handing the model
contiguous slices keeps every batch nearly uniform, whatever the backend does inside its own
`logits` call. Results are put back in the input order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sentiflow.tasks.core.classifier import Classifier, predict_proba

# Texts per classifier call = batch_size x this. Each call tokenizes its texts at once, so this
# bounds tokenizer memory (about 1,000 texts per call at batch size 64) and sets how often
# progress is reported; it does not change results.
BATCHES_PER_CALL = 16


def length_order(texts: Sequence[str]) -> np.ndarray:
    """Indices of `texts` from shortest to longest (characters stand in for tokens)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    return np.argsort(lengths, kind="stable")


def length_buckets(texts: Sequence[str], bucket_size: int) -> list[np.ndarray]:
    """Consecutive slices of the length order, `bucket_size` indices each (the last may be short)."""
    if bucket_size < 1:
        raise ValueError(f"bucket_size must be at least 1, got {bucket_size}")
    order = length_order(texts)
    return [order[i : i + bucket_size] for i in range(0, len(order), bucket_size)]


def score_texts(
    clf: Classifier,
    texts: Sequence[str],
    batch_size: int,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Calibrated probabilities for `texts`, in input order (shape: texts x classes)."""
    out = np.zeros((len(texts), len(clf.labels)), dtype=np.float64)
    for bucket in length_buckets(texts, batch_size * BATCHES_PER_CALL):
        out[bucket] = predict_proba(clf, [texts[i] for i in bucket], batch_size=batch_size)
        if on_progress:
            on_progress(len(bucket))
    return out
