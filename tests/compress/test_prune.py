"""Structured pruning removes exactly what it reports, and the pruned model reloads as a plain BERT."""

from __future__ import annotations

import numpy as np

from sentiflow.tasks.compress.encoder import count_parameters, load_torch_model
from sentiflow.tasks.compress.prune import PruneConfig, prune
from sentiflow.tasks.models.training.config import StudentTrainingConfig, TrainConfig
from sentiflow.tasks.models.training.data import encode_split
from sentiflow.tasks.models.training.losses import SoftTargets
from tests.compress.conftest import PARENT_LAYERS
from tests.train.helpers import toy_rows


def _layer_parameters(hidden: int, ffn: int) -> int:
    """One BERT block: q, k, v, attention output (h x h + bias each), two LayerNorms, FFN up and down."""
    return 4 * (hidden * hidden + hidden) + 2 * 2 * hidden + (hidden * ffn + ffn) + (ffn * hidden + hidden)


def test_pruning_removes_exactly_what_it_reports(parent_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification

    parent, tokenizer = load_torch_model(parent_dir)
    hidden, ffn = parent.config.hidden_size, parent.config.intermediate_size
    split = encode_split(tokenizer, toy_rows(), ["negative", "positive"], 32)
    model, report = prune(
        parent, tokenizer.pad_token_id, split, PruneConfig(layers=PARENT_LAYERS - 1, ffn_keep_ratio=0.5)
    )

    assert len(report.removed_layers) == 1 and len(report.kept_layers) == PARENT_LAYERS - 1
    assert sorted(report.removed_layers + report.kept_layers) == list(range(PARENT_LAYERS))
    assert report.layer_loss_increase.keys() == set(report.removed_layers)
    assert (report.ffn_neurons_before, report.ffn_neurons_after) == (ffn, ffn // 2)
    # the report's arithmetic, checked against the architecture
    assert report.parameters_before == count_parameters(parent)
    assert report.parameters_removed_with_layers == _layer_parameters(hidden, ffn)
    assert report.parameters_removed_with_ffn == (PARENT_LAYERS - 1) * (ffn // 2) * (2 * hidden + 1)
    assert count_parameters(model) == report.parameters_after == report.parameters_before - report.parameters_removed
    assert count_parameters(parent) == report.parameters_before  # the parent is untouched

    # a plain from_pretrained reloads it: the smaller sizes live in the standard config fields
    model.save_pretrained(tmp_path / "pruned", safe_serialization=True)
    reloaded = AutoModelForSequenceClassification.from_pretrained(tmp_path / "pruned").eval()
    assert reloaded.config.num_hidden_layers == PARENT_LAYERS - 1
    assert reloaded.config.intermediate_size == ffn // 2
    assert count_parameters(reloaded) == report.parameters_after
    enc = tokenizer(["great wonderful film", "awful dull movie"], padding=True, return_tensors="pt")
    import torch

    with torch.no_grad():
        np.testing.assert_allclose(reloaded(**enc).logits.numpy(), model.eval()(**enc).logits.numpy(), atol=1e-5)


def test_pruning_recovers_with_distillation_from_the_parent(parent_dir):
    parent, tokenizer = load_torch_model(parent_dir)
    split = encode_split(tokenizer, toy_rows(), ["negative", "positive"], 32)
    teacher, _ = load_torch_model(parent_dir)
    targets = SoftTargets(teacher, len(split), 2)  # scored by the teacher as batches come
    recovery = StudentTrainingConfig(TrainConfig(epochs=2, batch_size=16, lr=1e-3, warmup_ratio=0.0))
    _, report = prune(
        parent,
        tokenizer.pad_token_id,
        split,
        PruneConfig(layers=2, ffn_keep_ratio=0.25, recovery=recovery),
        recovery_data=(split, targets),
    )
    assert report.recovery is not None and report.recovery.steps == 4
    assert targets.scored == len(split)  # two epochs, every row scored once
    assert report.to_json()["recovery"]["steps"] == 4


def test_recovery_runs_on_the_shared_loop_and_its_time_budget(parent_dir):
    parent, tokenizer = load_torch_model(parent_dir)
    split = encode_split(tokenizer, toy_rows(), ["negative", "positive"], 32)
    teacher, _ = load_torch_model(parent_dir)
    targets = SoftTargets(teacher, len(split), 2)
    # a budget spent by the first step: the loop stops before a second one would overrun it
    recovery = StudentTrainingConfig(TrainConfig(epochs=2, batch_size=16, max_minutes=1e-6))
    lines: list[str] = []
    _, report = prune(
        parent,
        tokenizer.pad_token_id,
        split,
        PruneConfig(layers=2, ffn_keep_ratio=0.25, recovery=recovery),
        recovery_data=(split, targets),
        log=lines.append,
    )
    assert report.recovery.stop_reason == "time budget" and report.recovery.steps == 1
    assert targets.scored == 16  # the teacher scored the one batch trained on, nothing more
    stop = lines[-1]
    assert stop.startswith("stopped at the time budget (1e-06 min) after step 1/4") and "--resume" not in stop
    assert report.to_json()["recovery"]["stop_reason"] == "time budget"


def test_nothing_to_prune_is_a_user_error(parent_dir):
    import pytest

    from sentiflow.tasks.core.errors import UserError

    parent, tokenizer = load_torch_model(parent_dir)
    split = encode_split(tokenizer, toy_rows(), ["negative", "positive"], 32)
    with pytest.raises(UserError, match="nothing to prune"):
        prune(parent, 0, split, PruneConfig(layers=PARENT_LAYERS, ffn_keep_ratio=1.0))
