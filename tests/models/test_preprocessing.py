"""The text preprocessing a model records: its JSON round trip, and both backends applying it.

A random tiny BERT (tests/tinybert.py) stands in for a trained model: what matters is which
token ids reach it, which a tokenizer that remembers its inputs shows directly.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.preprocessing import (
    PREPROCESSING_VERSION,
    Preprocessing,
    TextConfig,
    from_curation_config,
    normalize_text,
)
from sentiflow.tasks.models.record import META_FILE, ModelRecord, read_meta, write_meta
from tests.tinybert import make_tiny_bert

# raw lake texts that curation changes: HTML escapes, a URL, a mention, an e-mail, mojibake, spaces
RAW = [
    "I &lt;3 this film &amp; its cast",
    "@bob_99 see https://t.co/abc   now",
    "mail jo.doe@example.com about it",
    "Iâ€™m so happy with this cafÃ©",
    "plain text stays",
]
SETTINGS = TextConfig(mask_emails=True)  # one setting away from the default, to show it is carried


def record(preprocessing: Preprocessing | None, fmt: str = "torch") -> ModelRecord:
    return ModelRecord(
        model_id="m",
        base_model="tiny",
        kind="finetuned",
        format=fmt,
        labels=["negative", "positive"],
        path="models/m",
        temperature=1.5,
        preprocessing=preprocessing,
    )


class RecordingTokenizer:
    """The model's tokenizer, remembering the texts it was asked to tokenise."""

    def __init__(self, tokenizer):
        self.tokenizer, self.seen = tokenizer, []

    def __call__(self, texts, **kwargs):
        self.seen.extend(texts)
        return self.tokenizer(texts, **kwargs)

    def __getattr__(self, name):
        return getattr(self.tokenizer, name)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert") / "model")


@pytest.fixture(scope="module")
def tiny_onnx(tiny_bert, tmp_path_factory):
    """The tiny BERT quantized to int8 ONNX, as compress builds it."""
    from sentiflow.tasks.compress.encoder import load_torch_model
    from sentiflow.tasks.compress.quantize import quantize_model

    model, tokenizer = load_torch_model(tiny_bert)
    out = tmp_path_factory.mktemp("tiny-onnx") / "model"
    quantize_model(model, tokenizer, out)
    return out


def model_folder(source, tmp_path, preprocessing: Preprocessing | None, fmt: str = "torch"):
    folder = tmp_path / f"{fmt}-{'pre' if preprocessing else 'raw'}"
    shutil.copytree(source, folder)
    write_meta(folder, record(preprocessing, fmt))
    return folder


# --- the function and its record ------------------------------------------------------------


def test_normalize_text_is_not_idempotent_so_it_must_see_raw_text_once():
    once = normalize_text("&amp;lt;3")
    assert once == "&lt;3"
    assert normalize_text(once) == "<3", "a second pass changes the text: never feed curated text through it"


def test_record_round_trips_the_preprocessing(tmp_path):
    pre = Preprocessing(SETTINGS)
    write_meta(tmp_path, record(pre))
    stored = json.loads((tmp_path / META_FILE).read_text(encoding="utf-8"))
    assert stored["preprocessing"] == {
        "version": PREPROCESSING_VERSION,
        "normalize_text": {**TextConfig().__dict__, "mask_emails": True},
    }
    back = read_meta(tmp_path)
    assert back.preprocessing == pre and back.temperature == 1.5
    assert ModelRecord.from_json(record(None).to_json()).preprocessing is None


def test_old_record_without_preprocessing_reads_as_raw_text(tmp_path):
    old = record(None).to_json()
    del old["preprocessing"]  # as written before preprocessing was recorded
    (tmp_path / META_FILE).write_text(json.dumps(old), encoding="utf-8")
    assert read_meta(tmp_path).preprocessing is None


def test_unknown_version_or_setting_is_refused():
    with pytest.raises(UserError, match="preprocessing version 99"):
        Preprocessing.from_json({"version": 99, "normalize_text": {}})
    with pytest.raises(UserError, match="lowercase"):
        Preprocessing.from_json({"version": PREPROCESSING_VERSION, "normalize_text": {"lowercase": True}})


def test_curation_config_gives_the_preprocessing_its_texts_went_through():
    config = {"steps": ["normalize_text", "normalize_labels"], "text": {**TextConfig().__dict__, "mask_emails": True}}
    assert from_curation_config(config) == Preprocessing(SETTINGS)
    assert from_curation_config({"steps": ["normalize_labels"], "text": config["text"]}) is None  # raw texts
    assert from_curation_config(None) is None  # a report that predates recording its config


# --- both backends apply it ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["torch", "onnx"])
def test_backend_tokenises_the_preprocessed_text(fmt, tiny_bert, tiny_onnx, tmp_path):
    source = tiny_bert if fmt == "torch" else tiny_onnx
    pre = Preprocessing(SETTINGS)
    clf = load_classifier(model_folder(source, tmp_path, pre, fmt), device="cpu", threads=1)
    assert type(clf).__name__ == ("TorchClassifier" if fmt == "torch" else "OnnxClassifier")
    clf.tokenizer = RecordingTokenizer(clf.tokenizer)
    from_lake = clf.logits(RAW, batch_size=8)
    curated = pre.apply(RAW)
    assert clf.tokenizer.seen == curated
    assert "jo.doe" not in " ".join(curated) and "&amp;" not in " ".join(curated)

    # the same model without preprocessing, handed curated text: the same logits
    plain = load_classifier(model_folder(source, tmp_path, None, fmt), device="cpu", threads=1)
    np.testing.assert_allclose(plain.logits(curated, batch_size=8), from_lake, atol=1e-6)


@pytest.mark.parametrize("fmt", ["torch", "onnx"])
def test_model_without_recorded_preprocessing_scores_raw_text(fmt, tiny_bert, tiny_onnx, tmp_path):
    source = tiny_bert if fmt == "torch" else tiny_onnx
    folder = model_folder(source, tmp_path, None, fmt)
    old = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    del old["preprocessing"]
    (folder / META_FILE).write_text(json.dumps(old), encoding="utf-8")
    clf = load_classifier(folder, device="cpu", threads=1)
    clf.tokenizer = RecordingTokenizer(clf.tokenizer)
    logits = clf.logits(RAW, batch_size=8)
    assert clf.tokenizer.seen == RAW and logits.shape == (len(RAW), 2)
