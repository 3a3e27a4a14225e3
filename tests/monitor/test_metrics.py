"""Each measure against a value computed by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from sentiflow.tasks.monitor import metrics
from sentiflow.tasks.monitor.check import METRICS, measure_batch
from sentiflow.tasks.monitor.descriptors import describe, non_letter_share, unknown_word_share


def test_jensen_shannon_distance_by_hand():
    # p = (1/2, 1/2), q = (1, 0), m = (3/4, 1/4); in bits:
    # KL(p||m) = 1/2 log2(2/3) + 1/2 log2(2) = 0.2075, KL(q||m) = log2(4/3) = 0.4150
    expected = math.sqrt(0.5 * (0.5 * math.log2(2 / 3) + 0.5 * 1.0) + 0.5 * math.log2(4 / 3))
    assert metrics.js_distance(["a", "a", "b", "b"], ["a"] * 4) == pytest.approx(expected, abs=1e-9)
    assert metrics.js_distance(["a", "b"], ["b", "a"]) == pytest.approx(0.0, abs=1e-9)


def test_normed_wasserstein_by_hand():
    # every value moved by 1: W = 1; the reference's (population) std is sqrt(1.25)
    assert metrics.normed_wasserstein(np.array([0, 1, 2, 3.0]), np.array([1, 2, 3, 4.0])) == pytest.approx(
        1 / math.sqrt(1.25)
    )
    assert metrics.normed_wasserstein(np.array([2.0, 2.0]), np.array([2.0])) == 0.0
    assert metrics.normed_wasserstein(np.array([2.0, 2.0]), np.array([3.0])) == math.inf


def test_estimated_accuracy_and_band_by_hand():
    measured = metrics.estimated_accuracy(np.array([0.9, 0.8, 0.7, 0.6]))
    half = 1.96 * math.sqrt(0.09 + 0.16 + 0.21 + 0.24) / 4
    assert measured.value == pytest.approx(0.75)
    assert (measured.lower, measured.upper) == (pytest.approx(0.75 - half), 1.0)  # clipped at 1
    assert measured.threshold is None and not measured.drifted


def test_thresholds_never_fall_below_evidentlys():
    reference = np.random.default_rng(0).normal(size=400)
    small = metrics.numeric_drift(reference, reference[:20])
    large = metrics.numeric_drift(reference, reference)
    assert small.threshold > large.threshold >= metrics.DISTANCE_THRESHOLD
    assert large.value == 0.0 and not large.drifted


def test_categorical_drift_flags_a_moved_balance():
    reference = ["positive", "negative"] * 200
    moved = ["positive"] * 160 + ["negative"] * 40
    kept = ["positive", "negative"] * 100
    assert metrics.categorical_drift(reference, moved).drifted
    assert not metrics.categorical_drift(reference, kept).drifted


def test_domain_classifier_separates_other_text_and_not_the_same():
    rng = np.random.default_rng(0)
    words = ["film", "plot", "actor", "scene", "story", "great", "dull", "music"]
    other = ["invoice", "payment", "account", "refund", "order", "card", "bank", "fee"]

    def texts(vocab, n):
        return [" ".join(rng.choice(vocab, 6)) for _ in range(n)]

    same = metrics.domain_classifier_drift(texts(words, 100), texts(words, 100))
    shifted = metrics.domain_classifier_drift(texts(words, 100), texts(other, 100))
    assert shifted.value == pytest.approx(1.0) and shifted.drifted
    assert 0.3 < same.value < same.threshold and not same.drifted
    assert same.threshold >= metrics.AUC_THRESHOLD


def test_descriptors_by_hand():
    assert unknown_word_share("Hello wrld 42", {"hello"}) == 0.5  # 42 is no word
    assert non_letter_share("ab 1!") == 0.5  # spaces do not count
    described = describe(["the film was long and the story was dull", "wow"], {"the", "film"})
    assert list(described.length) == [9, 1]
    assert described.language[0] == "en"


def test_a_small_batch_is_insufficient_not_drifted():
    reference = pd.DataFrame(
        {
            "text": ["a fine film"] * 60,
            "label": ["positive"] * 60,
            "confidence": [0.9] * 60,
            "length": [3.0] * 60,
            "unknown_word_share": [0.0] * 60,
            "non_letter_share": [0.0] * 60,
            "language": ["en"] * 60,
        }
    )
    batch = pd.DataFrame({"text": ["x"] * 3, "label": ["negative"] * 3, "confidence": [0.5] * 3})
    rows = measure_batch(batch, reference, {"a"}, ("r1", "m1", "s"), pd.Timestamp.now(tz="UTC"), min_batch=50)
    assert [r.metric for r in rows] == list(METRICS)
    assert all(r.insufficient and not r.drifted and r.value is None for r in rows)
    assert {(r.n_current, r.n_reference) for r in rows} == {(3, 60)}


def test_repeated_texts_do_not_make_a_batch_look_drifted():
    rng = np.random.default_rng(1)
    words = ["film", "plot", "actor", "scene", "story", "great", "dull", "music", "long", "funny"]
    pool = [" ".join(rng.choice(words, 6)) for _ in range(400)]
    repeated = [pool[200 + i % 50] for i in range(200)]  # 50 texts, each four times
    assert not metrics.domain_classifier_drift(pool[:200], repeated).drifted
