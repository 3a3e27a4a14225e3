"""Fixtures for the model tests: a tiny random BERT (2 layers, hidden 32) and one torch thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tinybert import one_torch_thread  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    from tests.tinybert import make_tiny_bert

    return make_tiny_bert(tmp_path_factory.mktemp("models") / "tiny-bert")
