"""Fixtures for the tune tests: a tiny BERT (one thread), a home with the recipe dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentiflow.tasks.core.home import Home
from tests.tinybert import make_tiny_bert, one_torch_thread  # noqa: F401  (autouse fixture)
from tests.tune.helpers import write_tune_dataset


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return make_tiny_bert(tmp_path_factory.mktemp("base") / "tiny-bert")


@pytest.fixture
def tune_home(tmp_path) -> Home:
    home = Home.at(tmp_path / "home")
    write_tune_dataset(home)
    return home
