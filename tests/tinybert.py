"""A tiny randomly initialised BERT with the bundled bert-base-uncased vocabulary.

Small enough to train in seconds on 2 CPU cores: 2 layers, hidden 32, 2 heads. It is built by
the chaos kit (benchmarks/chaoskit/homes.py), so the drills and the tests use the same model.
"""

from __future__ import annotations

import pytest

from benchmarks.chaoskit.homes import bundled_model_dir, make_tiny_bert

__all__ = ["bundled_model_dir", "make_tiny_bert", "one_torch_thread"]


@pytest.fixture(autouse=True)
def one_torch_thread(monkeypatch):
    """Tiny models run fastest on one thread, and the machine is shared; restore afterwards.

    Autouse where a conftest imports it (the model, train and compress tests)."""
    import torch

    before = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
