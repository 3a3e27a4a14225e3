"""The hyperparameters the search added to the shared loop: label smoothing, layer-wise LR decay.
Their defaults change nothing: the same recipe hash (model ids), the same optimizer groups."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import PROFILES, TrainConfig
from sentiflow.tasks.models.training.schedule import layer_lr_scale, make_optimizer


def test_defaults_keep_the_recipe_hash_of_models_trained_before():
    config = PROFILES["full"]
    assert "label_smoothing" not in config.recipe() and "layer_lr_decay" not in config.recipe()
    assert config.recipe_hash("v1", "base") == "a699c26f"  # the full profile's hash before these fields existed
    smoothed = replace(config, label_smoothing=0.1)
    assert smoothed.recipe()["label_smoothing"] == 0.1 and smoothed.recipe_hash("v1", "base") != "a699c26f"


@pytest.mark.parametrize("field, value", [("label_smoothing", 1.0), ("layer_lr_decay", 0.0), ("layer_lr_decay", 1.5)])
def test_out_of_range_values_are_refused(field, value):
    with pytest.raises(UserError, match=field):
        replace(TrainConfig(), **{field: value}).validate()


def test_layer_wise_decay_scales_lower_layers_down(tiny_bert):
    from transformers import AutoModelForSequenceClassification

    assert layer_lr_scale("bert.encoder.layer.1.attention.self.query.weight", 2, 0.5) == 0.5
    assert layer_lr_scale("bert.encoder.layer.0.output.dense.weight", 2, 0.5) == 0.25
    assert layer_lr_scale("bert.embeddings.word_embeddings.weight", 2, 0.5) == 0.125
    assert layer_lr_scale("classifier.weight", 2, 0.5) == 1.0
    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2)
    plain = make_optimizer(model, TrainConfig())
    assert [(g["weight_decay"], g["lr_scale"]) for g in plain.param_groups] == [(0.01, 1.0), (0.0, 1.0)]
    decayed = make_optimizer(model, TrainConfig(layer_lr_decay=0.5))
    scales = sorted({g["lr_scale"] for g in decayed.param_groups})
    assert scales == [0.125, 0.25, 0.5, 1.0]
    count = sum(p.numel() for g in decayed.param_groups for p in g["params"])
    assert count == sum(p.numel() for p in model.parameters())  # every parameter in exactly one group


def test_label_smoothing_changes_the_loss_and_zero_is_the_models_own(tiny_bert):
    import torch
    from transformers import AutoModelForSequenceClassification

    from sentiflow.tasks.models.training.losses import CrossEntropy

    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2).eval()
    model.classifier.bias.data = torch.tensor([3.0, -3.0])  # confident logits: smoothing matters
    batch = {
        "input_ids": torch.tensor([[101, 2204, 102], [101, 2919, 102]]),
        "attention_mask": torch.ones(2, 3, dtype=torch.long),
        "labels": torch.tensor([0, 0]),  # both agree with the confident logits
    }
    with torch.no_grad():
        plain, own = CrossEntropy()(model, batch, [0, 1]), model(**batch).loss
        smoothed = CrossEntropy(0.2)(model, batch, [0, 1])
    assert torch.isclose(plain, own)
    logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits.detach()
    expected = torch.nn.functional.cross_entropy(logits, batch["labels"], label_smoothing=0.2)
    assert torch.isclose(smoothed, expected) and not torch.isclose(smoothed, plain)
