"""Fixtures for the training tests: a tiny BERT, and one home with a trained, published model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sentiflow.tasks.core.home import Home
from tests.tinybert import one_torch_thread  # noqa: F401  (autouse fixture)
from tests.train.helpers import TINY_CONFIG, tiny_base, write_dataset


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return tiny_base(tmp_path_factory.mktemp("base"))


@dataclass
class Trained:
    home: Home
    plan: Any
    training: dict
    metrics: dict
    record: Any
    events: list


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny_bert) -> Trained:
    """The toy dataset, fine-tuned once through the pure pipeline (plan, train, evaluate, publish)."""
    import torch

    from sentiflow.tasks.train import finetune

    before = torch.get_num_threads()
    home = Home.at(tmp_path_factory.mktemp("trained") / "home")
    write_dataset(home)
    plan = finetune.plan_training(home, "latest", str(tiny_bert), TINY_CONFIG)
    events: list = []
    training = finetune.train_model(plan, on_event=events.append)
    metrics = finetune.evaluate_model(plan)
    record = finetune.publish_model(plan, training, metrics)
    torch.set_num_threads(before)
    return Trained(home, plan, training, metrics, record, events)
