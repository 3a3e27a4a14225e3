"""A fine-tuned model records its dataset's curation text settings, and is evaluated as it is scored.

The toy dataset's raw texts carry a mention, a URL and an HTML escape that curation (mask_emails
on, everything else default) rewrites; the model trains on the curated `text`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.curate.config import CurationConfig, TextConfig
from sentiflow.tasks.curate.text import TextNormalizer
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.metrics import classification_metrics, gold_ids
from sentiflow.tasks.models.preprocessing import Preprocessing
from sentiflow.tasks.models.record import read_meta
from sentiflow.tasks.models.torch_backend import TorchClassifier
from tests.train.helpers import TINY_CONFIG, toy_rows

CURATION = CurationConfig(text=TextConfig(mask_emails=True))


def write_curated_dataset(home: Home, version: str = "v1") -> None:
    """A finished dataset whose `text` is `text_original` curated with CURATION.text."""
    normalizer = TextNormalizer(CURATION.text)
    for split in ("train", "validation", "test"):
        rows = toy_rows()
        raw = [f"@fan{i} {t} &amp; https://t.co/{i}  " for i, t in enumerate(rows["text"])]
        folder = home.dataset(version) / split
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(
            {
                "doc_id": [f"{split}-{i}" for i in range(len(rows))],
                "text": [normalizer.normalize(t) for t in raw],
                "text_original": raw,
                "label": rows["label"],
                "source": "toy",
                "cluster_id": [f"c{i}" for i in range(len(rows))],
            }
        ).to_parquet(folder / "part-0.parquet", index=False)
    report = {"version": version, "labels": ["negative", "positive"], "config": CURATION.to_json()}
    (home.dataset(version) / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (home.datasets / "LATEST").write_text(version, encoding="utf-8")


def test_published_model_records_its_datasets_text_settings_and_is_evaluated_as_scored(tmp_path, tiny_bert):
    from sentiflow.tasks.train import finetune

    home = Home.at(tmp_path / "home")
    write_curated_dataset(home)
    plan = finetune.plan_training(home, "latest", str(tiny_bert), TINY_CONFIG)
    training = finetune.train_model(plan)
    metrics = finetune.evaluate_model(plan)
    record = finetune.publish_model(plan, training, metrics)

    assert record.preprocessing == Preprocessing(CURATION.text)
    model_dir = home.root / record.path
    assert read_meta(model_dir).preprocessing == Preprocessing(CURATION.text)

    # evaluation (raw text through the recorded preprocessing) = the model on curated text
    test = pd.read_parquet(home.dataset("v1") / "test" / "part-0.parquet")
    assert test["text"].iloc[0] == "<user> great wonderful film & <url>"
    plain = TorchClassifier.load(model_dir, read_meta(model_dir), device="cpu")
    plain.preprocessing, plain.max_length = None, TINY_CONFIG.max_seq_len
    on_curated = plain.logits(test["text"].tolist())
    expected = classification_metrics(
        on_curated, gold_ids(test["label"].tolist(), record.labels), record.labels, record.temperature
    )
    assert metrics["test"]["accuracy"] == expected["accuracy"]
    assert metrics["test"]["macro_f1"] == expected["macro_f1"]

    # scoring raw lake text through the folder gives the same logits
    scored = load_classifier(model_dir, device="cpu", threads=1)
    scored.max_length = TINY_CONFIG.max_seq_len
    np.testing.assert_allclose(scored.logits(test["text_original"].tolist()), on_curated, atol=1e-5)


def test_dataset_without_recorded_config_gives_a_model_without_preprocessing(trained):
    # tests/train/helpers.py writes a report.json without a config, as older datasets have
    assert trained.record.preprocessing is None
    assert read_meta(trained.home.root / trained.record.path).preprocessing is None
