"""Drift measures between a reference sample and a current batch (scipy and scikit-learn only).

The measures and default thresholds follow Evidently's for large samples: Jensen-Shannon
distance for categories and Wasserstein distance normed by the reference's standard deviation
for numbers, both drifting above 0.1; a domain classifier on TF-IDF drifting above ROC AUC 0.55.
A small batch differs from its reference by chance alone by more than that, so every threshold
is the larger of its fixed value and what chance gives at these sample sizes: a high quantile of
the measure over random splits of reference and batch pooled (a permutation test; for the AUC,
permutations of which cross-validated scores belong to the batch). The estimated accuracy is NannyML's CBPE: with
calibrated probabilities, a prediction is right with the probability of its class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

DISTANCE_THRESHOLD = 0.1  # Evidently's Jensen-Shannon and normed Wasserstein threshold
AUC_THRESHOLD = 0.55  # Evidently's domain-classifier threshold
# the chance-level threshold: each measure exceeds it by chance in 0.5% of unshifted batches, so
# the seven drift measures together raise a false alarm in at most about 3.5% of them
NULL_QUANTILE = 0.995
ROUNDS = 400


@dataclass(frozen=True)
class Measured:
    """One measure of a batch: its value, the threshold it is judged by, and whether it drifted."""

    value: float
    threshold: float | None  # None: a figure, never judged (estimated accuracy)
    lower: float | None = None  # the expected error band, where the measure has one
    upper: float | None = None

    @property
    def drifted(self) -> bool:
        return self.threshold is not None and self.value > self.threshold


def shares(values: Sequence[str], categories: Sequence[str]) -> np.ndarray:
    """The share of each category among `values` (in `categories` order)."""
    counted = Counter(values)
    counts = np.array([counted[c] for c in categories], dtype=float)
    return counts / counts.sum() if counts.sum() else counts


def js_distance(reference: Sequence[str], current: Sequence[str]) -> float:
    """Jensen-Shannon distance (base 2, so 0..1) between the category shares of two samples."""
    from scipy.spatial.distance import jensenshannon

    categories = sorted(set(reference) | set(current))
    return float(jensenshannon(shares(reference, categories), shares(current, categories), base=2))


def normed_wasserstein(reference: np.ndarray, current: np.ndarray) -> float:
    """Wasserstein distance divided by the reference's standard deviation (Evidently's
    "normed" form), so one threshold fits lengths and probabilities alike."""
    from scipy.stats import wasserstein_distance

    spread = float(np.std(reference))
    distance = float(wasserstein_distance(reference, current))
    if spread == 0.0:  # a constant reference: any movement at all is drift
        return 0.0 if distance == 0.0 else float("inf")
    return distance / spread


def permutation_threshold(
    reference: Sequence, current: Sequence, distance: Callable, base: float, seed: int = 0, rounds: int = ROUNDS
) -> float:
    """max(base, the NULL_QUANTILE of `distance` over random splits of reference + current into
    parts of their sizes): what two samples of these sizes from one distribution score by
    chance, the reference's own sampling noise included."""
    rng = np.random.default_rng(seed)
    pooled = np.concatenate([np.asarray(reference), np.asarray(current)])
    m = len(reference)
    null = []
    for _ in range(rounds):
        order = rng.permutation(len(pooled))
        null.append(distance(pooled[order[:m]], pooled[order[m:]]))
    return max(base, float(np.quantile(null, NULL_QUANTILE)))


def categorical_drift(reference: Sequence[str], current: Sequence[str], seed: int = 0) -> Measured:
    """Category shares (predicted labels, languages), current against reference (Jensen-Shannon)."""
    threshold = permutation_threshold(list(reference), list(current), js_distance, DISTANCE_THRESHOLD, seed)
    return Measured(js_distance(list(reference), list(current)), threshold)


def numeric_drift(reference: np.ndarray, current: np.ndarray, seed: int = 0) -> Measured:
    """A numeric distribution (confidence, text length, ...), current against reference."""
    reference, current = np.asarray(reference, float), np.asarray(current, float)
    threshold = permutation_threshold(reference, current, normed_wasserstein, DISTANCE_THRESHOLD, seed)
    return Measured(normed_wasserstein(reference, current), threshold)


def roc_auc_null_threshold(scores: np.ndarray, is_current: np.ndarray, seed: int = 0) -> float:
    """max(AUC_THRESHOLD, the NULL_QUANTILE of ROC AUC over permutations of which rows are current)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    null = [roc_auc_score(rng.permutation(is_current), scores) for _ in range(ROUNDS)]
    return max(AUC_THRESHOLD, float(np.quantile(null, NULL_QUANTILE)))


def domain_classifier_drift(
    reference: Sequence[str], current: Sequence[str], seed: int = 0, folds: int = 5
) -> Measured:
    """Can a classifier tell current texts from reference texts? Cross-validated ROC AUC of a
    logistic regression on TF-IDF word uni- and bigrams and character 2-4-grams (characters
    catch another language or script; words catch another topic)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    # a text repeated within one side is one observation: copies in different folds would let
    # the classifier recognise a text it was trained on and inflate the AUC (a batch of retweets,
    # or a bootstrap sample, would look drifted)
    reference, current = list(dict.fromkeys(reference)), list(dict.fromkeys(current))
    texts = reference + current
    is_current = np.array([0] * len(reference) + [1] * len(current))
    scores = np.zeros(len(texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, is_current):
        # vectorisers fit on the training fold only, so no test text shapes its own features
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=20_000)
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, max_features=20_000
        )
        fold_texts = [texts[i] for i in train]
        x_train = hstack([words.fit_transform(fold_texts), chars.fit_transform(fold_texts)]).tocsr()
        held = [texts[i] for i in test]
        x_test = hstack([words.transform(held), chars.transform(held)]).tocsr()
        model = LogisticRegression(C=1.0, max_iter=1000, class_weight="balanced")
        model.fit(x_train, is_current[train])
        scores[test] = model.decision_function(x_test)
    auc = float(roc_auc_score(is_current, scores))
    return Measured(auc, roc_auc_null_threshold(scores, is_current, seed))


def estimated_accuracy(confidences: np.ndarray) -> Measured:
    """CBPE accuracy: the mean calibrated confidence of the predicted class. Its band is where
    the true accuracy of this batch lies 95% of the time if the probabilities are calibrated:
    each prediction is right with probability p, so the count right has variance sum p(1-p)."""
    p = np.asarray(confidences, float)
    if len(p) == 0:
        return Measured(float("nan"), None)
    value = float(p.mean())
    half = 1.96 * float(np.sqrt(np.sum(p * (1 - p)))) / len(p)
    return Measured(value, None, max(0.0, value - half), min(1.0, value + half))
