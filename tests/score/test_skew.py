"""No train/serve skew: a raw lake text gets the same prediction whether it reached the model
through curation (as the model saw its training and validation texts) or straight from the lake
(as scoring reads it), because the model records curation's text settings and applies them.
"""

from __future__ import annotations

import shutil

import numpy as np

from sentiflow.tasks.curate.config import CurationConfig, TextConfig
from sentiflow.tasks.curate.pipeline import curate
from sentiflow.tasks.models.classifier import predict_proba
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.preprocessing import from_curation_config
from sentiflow.tasks.models.record import ModelRecord, write_meta
from sentiflow.tasks.score.batching import score_texts
from tests.curate.corpus import NEGATIVE, POSITIVE, row, table

# mask_emails on: a non-default setting, so the test sees the dataset's own settings carried
CURATION = CurationConfig(text=TextConfig(mask_emails=True))


def raw_lake_rows() -> list[dict]:
    """Lake rows as ingest writes them: HTML-escaped, with mentions, URLs, e-mails, mojibake."""
    noise = [
        "@fan{i} {t} &amp; more at https://t.co/x{i}",
        "{t}   mail me: fan{i}@example.com",
        "Iâ€™m telling you: {t} &lt;3",
        "{t}\n\n(via @critic_{i})",
    ]
    texts = [noise[i % len(noise)].format(i=i, t=t) for i, t in enumerate(POSITIVE + NEGATIVE)]
    labels = ["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE)
    return [row(t, lb, n=i) for i, (t, lb) in enumerate(zip(texts, labels))]


def model_folder(tiny_bert, tmp_path, record_preprocessing: bool):
    """The tiny BERT as a registered folder whose record says what publish_model would write."""
    folder = tmp_path / ("with" if record_preprocessing else "without")
    shutil.copytree(tiny_bert, folder)
    write_meta(
        folder,
        ModelRecord(
            model_id=folder.name,
            base_model="tiny",
            kind="finetuned",
            format="torch",
            labels=["negative", "positive"],
            path=f"models/{folder.name}",
            # what publish_model reads from the dataset's report.json
            preprocessing=from_curation_config(CURATION.to_json()) if record_preprocessing else None,
        ),
    )
    return folder


def test_raw_text_gets_the_same_prediction_through_curation_or_from_the_lake(tiny_bert, tmp_path):
    result = curate(table(*raw_lake_rows()), CURATION)
    docs = [d for split in result.splits.values() for d in split]
    assert len(docs) >= 20, "curation should keep most of these rows"
    curated = [d.text for d in docs]
    raw = [d.text_original for d in docs]
    assert sum(c != r for c, r in zip(curated, raw)) == len(docs)  # every text was rewritten

    # through curation: the curated text, handed to the model as training handed it
    plain = load_classifier(model_folder(tiny_bert, tmp_path, record_preprocessing=False), device="cpu", threads=1)
    through_curation = predict_proba(plain, curated)
    # from the lake: the scoring stage's path on the raw text
    served = load_classifier(model_folder(tiny_bert, tmp_path, record_preprocessing=True), device="cpu", threads=1)
    from_lake = score_texts(served, raw, batch_size=4)
    # the same token ids: equal up to float noise from batching (measured: 5e-10)
    np.testing.assert_allclose(from_lake, through_curation, rtol=0, atol=1e-8)
    assert (from_lake.argmax(1) == through_curation.argmax(1)).all()

    # the skew this guards against: the same model on raw text without its preprocessing. A
    # random tiny BERT's output barely depends on its input, so the gap is small in absolute
    # terms (measured: 2e-5) but thousands of times the float noise above
    skewed = score_texts(plain, raw, batch_size=4)
    assert np.abs(skewed - through_curation).max() > 1e-6
