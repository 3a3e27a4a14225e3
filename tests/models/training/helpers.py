"""A tiny BERT with its tokenised toy split, and a fake clock that advances one second per step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABELS = ["negative", "positive"]


def tiny_model(base: Path, seed: int = 0) -> tuple[Any, Any, Any]:
    """(model, tokenizer, the toy rows tokenised); the classification head drawn from `seed`."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from sentiflow.tasks.models.training.data import encode_split
    from tests.train.helpers import toy_rows

    tokenizer = AutoTokenizer.from_pretrained(base)
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=2, use_safetensors=True)
    return model, tokenizer, encode_split(tokenizer, toy_rows(), LABELS, 32)


@dataclass
class FakeClock:
    """A clock whose seconds pass only when a step ends: one a step, `slow_seconds` after `slow_after`."""

    now: float = 0.0
    slow_after: int | None = None  # steps after this one take `slow_seconds`
    slow_seconds: float = 1.0

    def __call__(self) -> float:
        return self.now

    def on_event(self, event: Any) -> None:
        if event.kind == "step":
            slow = self.slow_after is not None and event.step > self.slow_after
            self.now += self.slow_seconds if slow else 1.0
