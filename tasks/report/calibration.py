"""Reliability diagram data from calibrated probabilities, before and after temperature scaling.

The warehouse stores calibrated probabilities p = softmax(z / T). The uncalibrated ones are
recovered exactly: T * log p = z - const, so softmax(T * log p) = softmax(z). Bins are the 15
equal-width confidence bins the training evaluation uses for ECE (bin i holds (i/15, (i+1)/15]),
so the ECE printed on the diagram is the same number as in the model's metrics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

N_BINS = 15


def uncalibrate(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities at T = 1 from probabilities at `temperature`."""
    z = temperature * np.log(np.clip(probs, 1e-300, None))
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def bins_of(probs: np.ndarray, gold: np.ndarray, n_bins: int = N_BINS) -> dict[str, Any]:
    """Per-bin count, accuracy and mean confidence, and the ECE they add up to."""
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == gold).astype(np.float64)
    index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        members = index == b
        n = int(members.sum())
        accuracy = float(correct[members].mean()) if n else 0.0
        mean_conf = float(confidence[members].mean()) if n else 0.0
        ece += n / max(len(gold), 1) * abs(accuracy - mean_conf)
        bins.append({"lo": b / n_bins, "hi": (b + 1) / n_bins, "n": n, "accuracy": accuracy, "confidence": mean_conf})
    return {"bins": bins, "ece": float(ece)}


def reliability_bins(calibrated: np.ndarray, gold: np.ndarray, temperature: float) -> dict[str, Any]:
    """{'before': {...}, 'after': {...}}: bins and ECE at T = 1 and at the fitted T."""
    return {"before": bins_of(uncalibrate(calibrated, temperature), gold), "after": bins_of(calibrated, gold)}
