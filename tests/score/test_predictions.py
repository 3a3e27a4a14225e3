"""The prediction record and length-bucketed batching."""

from datetime import UTC, datetime

import numpy as np
import pytest

from sentiflow.tasks.core.atomic import write_json
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.classifier import predict_proba
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.score.batching import score_texts
from sentiflow.tasks.score.predictions import PREDICTION_SCHEMA, predictions_table, sentiment_labels

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def test_binary_model_rows_have_null_neutral_and_polarity():
    probs = np.array([[0.2, 0.8], [0.9, 0.1]])
    table = predictions_table(["a", "b"], probs, ["Negative", "POSITIVE"], "m", "r", NOW)
    assert table.schema == PREDICTION_SCHEMA
    rows = table.to_pylist()
    assert [r["label"] for r in rows] == ["positive", "negative"]
    assert [r["confidence"] for r in rows] == [0.8, 0.9]
    assert rows[0]["p_neutral"] is None and rows[0]["polarity"] == pytest.approx(0.6)
    assert {r["model_id"] for r in rows} == {"m"} and {r["run_id"] for r in rows} == {"r"}


def test_three_classes_in_any_order_land_in_their_columns():
    probs = np.array([[0.5, 0.3, 0.2]])
    [row] = predictions_table(["a"], probs, ["neutral", "positive", "negative"], "m", "r", NOW).to_pylist()
    assert (row["p_neutral"], row["p_positive"], row["p_negative"]) == (0.5, 0.3, 0.2)
    assert row["label"] == "neutral" and row["polarity"] == pytest.approx(0.1)


def test_non_sentiment_labels_are_a_user_error():
    for labels in (["LABEL_0", "LABEL_1"], ["negative", "neutral"], ["positive", "positive"]):
        with pytest.raises(UserError, match="needs sentiment classes"):
            sentiment_labels(labels, "m")
    assert sentiment_labels([" Positive", "negative"], "m") == ["positive", "negative"]


class RecordingClassifier:
    """The real tiny BERT, remembering what each call received."""

    def __init__(self, clf):
        self.clf, self.labels, self.temperature, self.calls = clf, clf.labels, clf.temperature, []

    def logits(self, texts, batch_size=64):
        self.calls.append(list(texts))
        return self.clf.logits(texts, batch_size=batch_size)


def tiny_classifier(folder, temperature=1.0):
    write_json(
        ModelRecord(
            model_id="t",
            base_model="tiny",
            kind="finetuned",
            format="torch",
            labels=["negative", "positive"],
            path="models/t",
            temperature=temperature,
        ).to_json(),
        folder / "sentiflow.json",
    )
    return load_classifier(folder, device="cpu", threads=1)


def test_score_texts_keeps_input_order_and_applies_temperature(tiny_bert, tmp_path):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(tiny_bert, folder)
    texts = [("word " * n).strip() for n in (30, 1, 12, 3, 25, 7, 2, 18, 9, 40)]
    clf = RecordingClassifier(tiny_classifier(folder, temperature=2.0))
    probs = score_texts(clf, texts, batch_size=2)  # 2 x 16 texts per call: one call here
    one_by_one = np.vstack([predict_proba(clf.clf, [t]) for t in texts])
    np.testing.assert_allclose(probs, one_by_one, atol=1e-5)
    flat = [t for call in clf.calls[:1] for t in call]
    assert [len(t) for t in flat] == sorted(len(t) for t in texts)  # handed over length-sorted
    hot = tiny_classifier(folder, temperature=1.0)
    sharper = predict_proba(hot, texts)
    assert np.all(np.abs(sharper - 0.5) >= np.abs(probs - 0.5) - 1e-9)  # T=2 is softer
