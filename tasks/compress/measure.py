"""What a compressed model costs and saves, measured against its parent in the same run.

Every model is measured through the Classifier interface (`load_classifier`), so the parent
(torch fp32) and its compressed children (torch or ONNX int8) go through exactly the same code,
on raw texts that each model preprocesses as its record says (as when it scores the lake):
- accuracy and macro-F1 on validation (the accuracy budget) and test (the model card);
- agreement: the share of texts where the model predicts the parent's class;
- a calibration temperature refitted on validation (distillation and quantization change the
  logits' scale, so the parent's temperature would not fit; see `calibrate.fit_temperature`);
- speed, for all models together once they exist (`measure_speed`): batch throughput over the
  test split in length-sorted batches, and p50/p95 latency of single-text calls. The models
  take turns pass by pass, so a busy moment on a shared machine hits them all alike rather
  than whichever happened to run then.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sentiflow.tasks.models.calibration import fit_temperature
from sentiflow.tasks.models.classifier import Classifier
from sentiflow.tasks.models.metrics import classification_metrics, headline

BATCH_SIZE = 64  # texts per batch for throughput (the scorer's default)
LATENCY_WARMUP = 3  # untimed single-text calls first: ORT and torch allocate on the first runs


@dataclass
class LabelledTexts:
    """One split, ready to score: texts and gold class ids in the model's label order."""

    texts: list[str]
    gold: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class EvalSets:
    validation: LabelledTexts  # accuracy budget and temperature
    test: LabelledTexts  # card figures, throughput
    latency_texts: list[str]  # single-text calls for p50/p95


@dataclass
class Evaluation:
    """One model's figures; logits are kept for agreement and are not serialised."""

    size_bytes: int
    parameters: int
    temperature: float
    temperature_source: str
    validation: dict[str, Any]
    test: dict[str, Any]
    throughput: float = 0.0  # texts per second, test split, batches of BATCH_SIZE (measure_speed)
    latency_ms_p50: float = 0.0
    latency_ms_p95: float = 0.0
    validation_logits: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    test_logits: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))

    @property
    def accuracy(self) -> float:
        """Validation accuracy: what the budget is checked on."""
        return float(self.validation["accuracy"])

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_logits")}


def timed_logits(clf: Classifier, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    logits = clf.logits(list(texts), batch_size=batch_size)
    return logits, time.perf_counter() - started


def latency_ms(clf: Classifier, texts: Sequence[str]) -> tuple[float, float]:
    """p50 and p95 milliseconds of one-text calls over `texts`."""
    if not texts:
        return 0.0, 0.0
    for text in list(texts)[:LATENCY_WARMUP]:
        clf.logits([text], batch_size=1)
    times = []
    for text in texts:
        started = time.perf_counter()
        clf.logits([text], batch_size=1)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def agreement(logits: np.ndarray, parent_logits: np.ndarray) -> float:
    """Share of rows where both predict the same class."""
    if len(logits) == 0:
        return 1.0
    return float(np.mean(logits.argmax(axis=1) == parent_logits.argmax(axis=1)))


def _split_figures(
    logits: np.ndarray,
    split: LabelledTexts,
    labels: Sequence[str],
    temperature: float,
    parent_logits: np.ndarray | None,
) -> dict[str, Any]:
    metrics = classification_metrics(logits, split.gold, labels, temperature)
    figures = {
        "n": metrics["n"],
        **headline(metrics),
        "per_class": metrics["per_class"],
        "confusion_matrix": metrics["confusion_matrix"],
    }
    if parent_logits is not None:
        figures["agreement"] = round(agreement(logits, parent_logits), 4)
    return figures


def evaluate(
    clf: Classifier,
    data: EvalSets,
    size_bytes: int,
    parameters: int,
    parent: Evaluation | None = None,
) -> Evaluation:
    """Accuracy figures of `clf`; with `parent`, agreement with it and a temperature refitted on validation."""
    val_logits = clf.logits(data.validation.texts, batch_size=BATCH_SIZE)
    test_logits = clf.logits(data.test.texts, batch_size=BATCH_SIZE)
    if parent is None:
        temperature, source = float(clf.temperature), "the model's own (fitted when it was trained)"
    else:
        temperature, source = fit_temperature(val_logits, data.validation.gold), "refitted on validation"
    return Evaluation(
        size_bytes=size_bytes,
        parameters=parameters,
        temperature=round(temperature, 4),
        temperature_source=source,
        validation=_split_figures(
            val_logits, data.validation, clf.labels, temperature, parent.validation_logits if parent else None
        ),
        test=_split_figures(test_logits, data.test, clf.labels, temperature, parent.test_logits if parent else None),
        validation_logits=val_logits,
        test_logits=test_logits,
    )


def measure_speed(classifiers: dict[str, Classifier], data: EvalSets, repeats: int = 1) -> dict[str, dict[str, float]]:
    """Throughput (median of `repeats` passes over the test split) and latency, model by model in turn."""
    texts = data.test.texts
    for clf in classifiers.values():  # warm-up: first calls allocate
        clf.logits(texts[:BATCH_SIZE], batch_size=BATCH_SIZE)
    seconds: dict[str, list[float]] = {name: [] for name in classifiers}
    for _ in range(max(1, repeats)):
        for name, clf in classifiers.items():
            seconds[name].append(timed_logits(clf, texts)[1])
    speed = {}
    for name, clf in classifiers.items():
        p50, p95 = latency_ms(clf, data.latency_texts)
        speed[name] = {
            "throughput": round(len(texts) / max(float(np.median(seconds[name])), 1e-9), 1),
            "latency_ms_p50": round(p50, 2),
            "latency_ms_p95": round(p95, 2),
        }
    return speed


def compare(candidate: Evaluation, parent: Evaluation) -> dict[str, float]:
    """Ratios and differences people read first (> 1 means the candidate is better)."""
    return {
        "size_ratio": round(parent.size_bytes / max(candidate.size_bytes, 1), 2),
        "throughput_ratio": round(candidate.throughput / max(parent.throughput, 1e-9), 2),
        "latency_p50_ratio": round(parent.latency_ms_p50 / max(candidate.latency_ms_p50, 1e-9), 2),
        "validation_accuracy_drop_points": round((parent.accuracy - candidate.accuracy) * 100, 2),
        "test_accuracy_drop_points": round((parent.test["accuracy"] - candidate.test["accuracy"]) * 100, 2),
    }
