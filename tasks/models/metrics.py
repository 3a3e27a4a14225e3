"""Evaluation of any Classifier (torch or ONNX): accuracy, macro-F1, per-class precision and
recall, the confusion matrix and expected calibration error.

`evaluate_classifier(clf, texts, gold)` is the stable entry point other stages use; it needs
only the `Classifier` interface, so a compressed ONNX model is measured exactly like its
torch parent. `classification_metrics` does the arithmetic on logits already computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.classifier import Classifier, softmax

ECE_BINS = 15  # equal-width confidence bins, as in Guo et al. 2017


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    if len(gold) == 0:
        return 0.0
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(np.float64)
    # bin i holds confidences in (i/n, (i+1)/n]; confidence is never 0 with >= 1 class
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float = 1.0) -> float:
    """Mean -log p(gold class) at `temperature` (cross-entropy, in nats)."""
    if len(gold) == 0:
        return 0.0
    probs = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, None))))


def classification_metrics(
    logits: np.ndarray, gold: np.ndarray, labels: Sequence[str], temperature: float = 1.0
) -> dict[str, Any]:
    """Metrics for class-id `gold` given raw `logits`; ECE uses probabilities at `temperature`."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    ids = list(range(len(labels)))
    pred = logits.argmax(axis=1) if len(logits) else np.zeros(0, dtype=int)
    precision, recall, f1, support = precision_recall_fscore_support(gold, pred, labels=ids, zero_division=0)
    return {
        "n": int(len(gold)),
        "accuracy": float(accuracy_score(gold, pred)) if len(gold) else 0.0,
        "macro_f1": float(f1_score(gold, pred, labels=ids, average="macro", zero_division=0)),
        "ece": expected_calibration_error(softmax(logits, temperature), gold) if len(gold) else 0.0,
        "nll": negative_log_likelihood(logits, gold, temperature),
        "temperature": float(temperature),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(labels)
        },
        # rows: gold class, columns: predicted class, both in `labels` order
        "confusion_matrix": confusion_matrix(gold, pred, labels=ids).tolist(),
        "labels": list(labels),
    }


def gold_ids(gold_labels: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """Label strings to the classifier's class ids; an unknown label is a UserError."""
    index = {name: i for i, name in enumerate(labels)}
    unknown = sorted(set(gold_labels) - set(index))
    if unknown:
        raise UserError(f"gold labels {unknown} are not among the model's labels {list(labels)}")
    return np.array([index[name] for name in gold_labels], dtype=np.int64)


def evaluate_classifier(
    clf: Classifier, texts: Sequence[str], gold_labels: Sequence[str], batch_size: int = 64
) -> dict[str, Any]:
    """Score `texts` with `clf` and compare with `gold_labels` (label strings)."""
    gold = gold_ids(gold_labels, clf.labels)
    logits = clf.logits(list(texts), batch_size=batch_size)
    return classification_metrics(logits, gold, clf.labels, clf.temperature)


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    """The few numbers a table or log line shows."""
    return {k: round(float(metrics[k]), 4) for k in ("accuracy", "macro_f1", "ece") if k in metrics}
