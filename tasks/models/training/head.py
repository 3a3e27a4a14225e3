"""A base encoder with a fresh classification head: where every fine-tune (a `train` run, a
`tune` trial) starts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def fresh_classifier(base_model: str, labels: Sequence[str], seed: int) -> Any:
    """`base_model` (a folder or hub id) with a new, seeded head for `labels`."""
    import torch
    from transformers import AutoModelForSequenceClassification
    from transformers.utils import logging as hf_logging

    torch.manual_seed(seed)  # the new classification head's initial weights
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized: classifier.*" is expected here
    try:
        return AutoModelForSequenceClassification.from_pretrained(
            base_model,
            num_labels=len(labels),
            use_safetensors=True,
            id2label=dict(enumerate(labels)),
            label2id={n: i for i, n in enumerate(labels)},
            ignore_mismatched_sizes=True,  # a base that already has a head of another size
        )
    finally:
        hf_logging.set_verbosity(verbosity)
