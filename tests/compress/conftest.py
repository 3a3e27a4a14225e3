"""A fine-tuned tiny BERT parent (4 layers, so there are layers to prune and distil away),
registered in a home with a toy dataset; each test gets its own copy of that home."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from sentiflow.tasks.core.home import Home
from tests.tinybert import one_torch_thread  # noqa: F401  (autouse fixture)
from tests.train.helpers import TINY_CONFIG, write_dataset

PARENT_LAYERS = 4

# Varied texts for agreement checks: the toy vocabulary, unseen words, and longer sentences.
AGREEMENT_TEXTS = [
    "great wonderful film",
    "awful terrible film",
    "lovely happy day",
    "horrible sad day",
    "excellent superb acting",
    "bad boring acting",
    "good fun movie",
    "dreadful dull movie",
    "a great and lovely movie with superb acting",
    "a dull, boring and dreadful day",
    "wonderful",
    "terrible",
    "happy",
    "sad",
    "the film",
    "acting",
    "not great, not terrible",
    "I expected more from this film",
    "fun fun fun",
    "boring boring",
    "what a superb day at the movies",
    "an awful, horrible, bad film",
    "the plot was dull but the acting good",
    "excellent",
    "dreadful",
    "a movie",
    "lovely acting, awful plot",
    "happy ending",
    "sad ending",
    "great film great day",
    "terrible film terrible day",
    "superb",
    "bad",
    "good",
    "horrible",
    "it was a day",
    "fun movie with a sad ending",
    "the best film of the year",
    "the worst film of the year",
    "an excellent, wonderful, lovely experience",
]


@pytest.fixture(scope="session")
def trained_parent_home(tmp_path_factory) -> tuple[Home, str]:
    """A home with the toy dataset and a fine-tuned, registered 4-layer tiny BERT (production)."""
    import torch

    from sentiflow.tasks.train import finetune
    from sentiflow.tasks.warehouse.registry import promote
    from tests.tinybert import make_tiny_bert

    before = torch.get_num_threads()
    root = tmp_path_factory.mktemp("compress-parent")
    home = Home.at(root / "home")
    write_dataset(home)
    base = make_tiny_bert(root / "tiny-bert", layers=PARENT_LAYERS)
    # 40 steps: the toy set is learned by ~30 (tests/train/helpers.py), and the machine is shared
    plan = finetune.plan_training(home, "latest", str(base), replace(TINY_CONFIG, epochs=10))
    training = finetune.train_model(plan)
    record = finetune.publish_model(plan, training, finetune.evaluate_model(plan))
    promote(home, record.model_id)
    torch.set_num_threads(before)
    return home, record.model_id


@pytest.fixture
def parent_home(trained_parent_home, tmp_path) -> tuple[Home, str]:
    """A private copy of the parent's home: flows may register and promote in it."""
    home, model_id = trained_parent_home
    copy = Home.at(tmp_path / "home")
    shutil.copytree(home.root, copy.root)
    return copy, model_id


@pytest.fixture
def parent_dir(parent_home) -> Path:
    home, model_id = parent_home
    return home.model(model_id)


@dataclass
class FullAuto:
    """One `sentiflow compress --profile full` run on a copy of the parent's home."""

    home: Home
    parent_id: str
    summary: dict

    def row(self, kind: str) -> dict:
        return next(r for r in self.summary["candidates"] if r["kind"] == kind)

    def model_dir(self, kind: str) -> Path:
        return self.home.model(self.row(kind)["model_id"])


@pytest.fixture(scope="session")
def full_auto(prefect_harness, trained_parent_home, tmp_path_factory) -> FullAuto:
    """Every kind of candidate, built once through the real CLI (exports are the slow part)."""
    import json

    import torch
    from typer.testing import CliRunner

    from sentiflow.flows.cli import app

    home, parent_id = trained_parent_home
    copy = Home.at(tmp_path_factory.mktemp("full-auto") / "home")
    shutil.copytree(home.root, copy.root)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    result = CliRunner().invoke(
        app, ["compress", "--home", str(copy.root), "--profile", "full", "--target-layers", "2", "--json"]
    )
    torch.set_num_threads(before)
    assert result.exit_code == 0, result.output
    return FullAuto(copy, parent_id, json.loads(result.stdout))
