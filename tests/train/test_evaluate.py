"""Metrics, ECE and temperature scaling on synthetic logits (no model needed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.calibration import calibration_report, fit_temperature
from sentiflow.tasks.models.classifier import predict_proba
from sentiflow.tasks.models.metrics import classification_metrics, evaluate_classifier, expected_calibration_error


def test_ece_is_zero_when_confidence_matches_accuracy():
    # 10 predictions at confidence 0.9, 9 of them right
    probs = np.tile([[0.1, 0.9]], (10, 1))
    gold = np.array([1] * 9 + [0])
    assert expected_calibration_error(probs, gold) == pytest.approx(0.0)


def test_ece_of_confident_coin_flips():
    probs = np.tile([[0.0, 1.0]], (10, 1))
    gold = np.array([1] * 5 + [0] * 5)
    assert expected_calibration_error(probs, gold) == pytest.approx(0.5)


def test_ece_weights_bins_by_size():
    # bin at 0.95: 2 rows, both right (gap 0.05); bin at 0.65: 2 rows, one right (gap 0.15)
    probs = np.array([[0.05, 0.95], [0.05, 0.95], [0.35, 0.65], [0.35, 0.65]])
    gold = np.array([1, 1, 1, 0])
    assert expected_calibration_error(probs, gold) == pytest.approx(0.5 * 0.05 + 0.5 * 0.15)


def _synthetic(n: int = 4000, scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is calibrated at `scale` = 1: gold is drawn from that softmax."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(0, 2.0, size=(n, 3))
    p = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    gold = np.array([rng.choice(3, p=row) for row in p])
    return true_logits * scale, gold


def test_temperature_scaling_undoes_overconfidence():
    logits, gold = _synthetic(scale=3.0)  # three times too confident
    report = calibration_report(logits, gold)
    assert report["temperature"] == pytest.approx(3.0, rel=0.1)
    assert report["ece_after"] < report["ece_before"] / 2
    assert report["nll_after"] < report["nll_before"]


def test_temperature_of_calibrated_logits_stays_near_one():
    logits, gold = _synthetic(scale=1.0, seed=1)
    assert fit_temperature(logits, gold) == pytest.approx(1.0, abs=0.12)


def test_temperature_never_changes_predictions():
    logits, gold = _synthetic(scale=0.3)
    before = classification_metrics(logits, gold, ["a", "b", "c"])
    after = classification_metrics(logits, gold, ["a", "b", "c"], temperature=fit_temperature(logits, gold))
    assert before["accuracy"] == after["accuracy"] and before["confusion_matrix"] == after["confusion_matrix"]


def test_classification_metrics_on_a_known_confusion_matrix():
    logits = np.array([[2, 0], [2, 0], [0, 2], [0, 2], [0, 2]], dtype=float)
    gold = np.array([0, 1, 1, 1, 0])
    m = classification_metrics(logits, gold, ["negative", "positive"])
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["confusion_matrix"] == [[1, 1], [1, 2]]
    assert m["per_class"]["positive"]["precision"] == pytest.approx(2 / 3)
    assert m["per_class"]["positive"]["recall"] == pytest.approx(2 / 3)
    assert m["per_class"]["negative"]["recall"] == pytest.approx(1 / 2)
    assert m["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)


class KeywordClassifier:
    """A Classifier (the protocol in tasks/models/classifier.py) that needs no model."""

    labels = ["negative", "positive"]
    temperature = 2.0

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return np.array([[0.0, 4.0] if "good" in t else [4.0, 0.0] for t in texts])


def test_evaluate_classifier_works_on_any_classifier_and_applies_its_temperature():
    clf = KeywordClassifier()
    m = evaluate_classifier(
        clf, ["good", "bad", "good too", "not good"], ["positive", "negative", "positive", "negative"]
    )
    assert m["accuracy"] == pytest.approx(0.75) and m["n"] == 4 and m["temperature"] == 2.0
    confidence = predict_proba(clf, ["good"]).max()
    assert confidence == pytest.approx(1 / (1 + np.exp(-2.0)))  # logit gap 4 at T = 2
    with pytest.raises(UserError, match="not among the model's labels"):
        evaluate_classifier(clf, ["meh"], ["neutral"])
