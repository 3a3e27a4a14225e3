"""Each bad input gives a one-line UserError before any training starts."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import make_config
from sentiflow.tasks.train.finetune import plan_training
from tests.train.helpers import TINY_CONFIG, toy_rows, write_dataset


def _error(home, base=None, config=TINY_CONFIG, dataset="latest", offline=False) -> str:
    with pytest.raises(UserError) as info:
        plan_training(home, dataset, base, config, offline=offline)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_missing_dataset(home, tiny_bert):
    assert "no curated dataset" in _error(home, str(tiny_bert))
    write_dataset(home, "v1")
    assert "'v9' does not exist" in _error(home, str(tiny_bert), dataset="v9")


def test_empty_split(home, tiny_bert):
    write_dataset(home, "v1", test=toy_rows().iloc[0:0])
    assert "empty test split" in _error(home, str(tiny_bert))


def test_train_split_with_one_class(home, tiny_bert):
    rows = toy_rows()
    write_dataset(home, "v1", train=rows[rows.label == "positive"])
    message = _error(home, str(tiny_bert))
    assert "one class only" in message and "'positive'" in message


def test_base_model_path_missing(home, tmp_path):
    write_dataset(home)
    assert "does not exist" in _error(home, str(tmp_path / "no-such-model"))


def test_base_model_folder_without_weights(home, tmp_path, tiny_bert):
    write_dataset(home)
    folder = tmp_path / "no-weights"
    folder.mkdir()
    (folder / "config.json").write_text((tiny_bert / "config.json").read_text())
    assert "holds no safetensors weights" in _error(home, str(folder))
    (folder / "pytorch_model.bin").write_bytes(b"pickle")
    assert "found pytorch_model.bin: convert it to safetensors" in _error(home, str(folder))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no config.json" in _error(home, str(empty))


def test_hub_id_while_offline(home, monkeypatch):
    write_dataset(home)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    message = _error(home, "bert-base-uncased")
    assert "Hugging Face hub" in message and "offline" in message
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    assert "offline" in _error(home, "bert-base-uncased", offline=True)  # Settings.offline


def test_max_seq_len_beyond_the_model(home, tiny_bert):
    write_dataset(home)
    message = _error(home, str(tiny_bert), replace(TINY_CONFIG, max_seq_len=256))
    assert "--max-seq-len 256" in message and "max_position_embeddings = 128" in message


def test_cuda_without_gpu(home, tiny_bert):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    write_dataset(home)
    assert "no CUDA GPU" in _error(home, str(tiny_bert), replace(TINY_CONFIG, device="cuda"))


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"epochs": 0}, "--epochs must be > 0"),
        ({"batch_size": 0}, "--batch-size must be >= 1"),
        ({"lr": 3}, "--lr must be between 0 and 1"),
        ({"max_minutes": -1}, "--max-minutes must be > 0"),
        ({"device": "tpu"}, "unknown --device 'tpu'"),
    ],
)
def test_bad_option_values(overrides, expected):
    with pytest.raises(UserError, match=expected):
        make_config("quick", **overrides)


def test_unknown_profile():
    with pytest.raises(UserError, match="unknown --profile 'huge'"):
        make_config("huge")


def test_labels_come_from_the_dataset(home, tiny_bert):
    frame = pd.concat([toy_rows(), pd.DataFrame({"text": ["meh"], "label": ["neutral"]})])
    write_dataset(home, "v1", test=frame)
    # report.json lists only what the splits hold, so this dataset is simply three-class
    assert plan_training(home, "latest", str(tiny_bert), TINY_CONFIG).labels == ["negative", "neutral", "positive"]
