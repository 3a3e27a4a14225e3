"""A home with a tiny production model that has a dataset (so a reference can be built)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from benchmarks.chaoskit.homes import NEGATIVE, POSITIVE, write_toy_dataset
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse import registry
from tests.tinybert import make_tiny_bert, one_torch_thread  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert") / "model")


def reviews(n: int) -> list[str]:
    """`n` short movie-review-like texts (the toy set's sentences, numbered to stay unique)."""
    pool = POSITIVE + NEGATIVE
    return [f"{pool[i % len(pool)]} take {i}" for i in range(n)]


@pytest.fixture
def monitored_home(home, tiny_bert):
    """A production model `m1` on dataset v1, whose test split is 80 review-like rows."""
    test = pd.DataFrame({"text": reviews(80), "label": ["positive", "negative"] * 40})
    write_toy_dataset(home, test, test, test, version="v1")
    shutil.copytree(tiny_bert, home.model("m1"))
    registry.register(
        home,
        ModelRecord(
            model_id="m1",
            base_model="tiny-bert",
            kind="finetuned",
            format="torch",
            labels=["negative", "positive"],
            path="models/m1",
            dataset_version="v1",
        ),
    )
    registry.promote(home, "m1")
    return home
