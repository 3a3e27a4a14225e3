"""The one interface every model format serves: raw logits in input order, plus calibration.

A caller never needs to know which backend it holds (tasks/models/loading.py picks it).
Probabilities always include the model's calibration temperature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Classifier(Protocol):
    labels: list[str]  # class id order
    temperature: float  # calibration temperature fitted on validation (1.0 = none)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Raw logits, shape (len(texts), len(labels)), in input order."""
        ...


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits.astype(np.float64) / float(temperature)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_proba(clf: Classifier, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Calibrated class probabilities."""
    return softmax(clf.logits(texts, batch_size=batch_size), clf.temperature)
