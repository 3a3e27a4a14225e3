"""A tiny random BERT, built once per session and copied into each test's home."""

from __future__ import annotations

import pytest

from tests.tinybert import make_tiny_bert


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert") / "model")


@pytest.fixture(scope="session")
def tiny_bert_3(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert-3") / "model", num_labels=3, seed=1)
