"""Fixtures for the model tests: a tiny random BERT (2 layers, hidden 32) and one torch thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tinybert import one_torch_thread  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    from tests.tinybert import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("models") / "tiny-bert")


@pytest.fixture(scope="session")
def tiny_onnx(tiny_bert, tmp_path_factory) -> Path:
    """The tiny BERT quantized to int8 ONNX, as compress builds it."""
    from sentiflow.tasks.compress.encoder import load_torch_model
    from sentiflow.tasks.compress.quantize import quantize_model

    model, tokenizer = load_torch_model(tiny_bert)
    out = tmp_path_factory.mktemp("tiny-onnx") / "model"
    quantize_model(model, tokenizer, out)
    return out
