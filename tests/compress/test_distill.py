"""Distillation: students start from the parent's layers, and the distillation loss falls."""

from __future__ import annotations

import numpy as np
import pytest

from sentiflow.tasks.compress.distill import (
    DistillConfig,
    distill,
    make_student,
    student_layer_indices,
    train_student,
)
from sentiflow.tasks.compress.encoder import encoder_layers, load_torch_model
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import StudentTrainingConfig, TrainConfig
from sentiflow.tasks.models.training.data import encode_split
from sentiflow.tasks.models.training.losses import SoftTargets, distillation_loss
from tests.compress.conftest import PARENT_LAYERS
from tests.train.helpers import toy_rows

LABELS = ["negative", "positive"]


def test_student_layers_are_evenly_spaced_and_keep_first_and_last():
    assert student_layer_indices(6, 3) == [0, 2, 5]
    assert student_layer_indices(6, 4) == [0, 2, 3, 5]
    assert student_layer_indices(12, 6) == [0, 2, 4, 7, 9, 11]
    assert student_layer_indices(4, 1) == [3]


def test_student_is_initialised_from_the_parents_layers(parent_dir):
    parent, _ = load_torch_model(parent_dir)
    student, kept = make_student(parent, 2)
    assert kept == [0, 3] and student.config.num_hidden_layers == 2
    for s_layer, p_index in zip(encoder_layers(student), kept):
        for (name, s), (_, p) in zip(
            s_layer.state_dict().items(), encoder_layers(parent)[p_index].state_dict().items()
        ):
            assert np.array_equal(s.numpy(), p.numpy()), name
    assert len(encoder_layers(parent)) == PARENT_LAYERS  # the parent keeps all its layers


def test_distillation_loss_is_kl_at_temperature_plus_cross_entropy():
    import torch

    student = torch.tensor([[2.0, -1.0], [0.0, 0.5]])
    gold = torch.tensor([0, 1])
    # a student equal to its teacher has zero soft loss: only the hard term remains
    same = distillation_loss(student, student, gold, alpha=0.5, temperature=2.0)
    ce = torch.nn.functional.cross_entropy(student, gold)
    assert torch.isclose(same, 0.5 * ce)
    assert distillation_loss(student, -student, gold, alpha=1.0, temperature=2.0) > 0


def test_distillation_loss_falls(parent_dir, tmp_path):
    from sentiflow.tasks.models.loading import load_classifier
    from tests.tinybert import make_tiny_bert

    _, tokenizer = load_torch_model(parent_dir)
    train = encode_split(tokenizer, toy_rows(), LABELS, 32)
    targets = SoftTargets.from_logits(load_classifier(parent_dir, device="cpu").logits(train.texts))
    # a randomly initialised one-layer student has everything to learn from the teacher
    student, _ = load_torch_model(make_tiny_bert(tmp_path / "student", layers=1, seed=7))
    config = StudentTrainingConfig(TrainConfig(epochs=15, batch_size=16, lr=1e-2, warmup_ratio=0.0, seed=1))
    log = train_student(student, tokenizer.pad_token_id, train, targets, config)
    assert log.steps == 30 and len(log.losses) >= 10
    assert log.last_loss < 0.6 * log.first_loss, log.losses


def test_distill_reports_the_student_and_rejects_too_many_layers(parent_dir):
    parent, tokenizer = load_torch_model(parent_dir)
    train = encode_split(tokenizer, toy_rows(1), LABELS, 32)
    logits = SoftTargets.from_logits(np.zeros((len(train), 2), dtype=np.float32))
    config = DistillConfig(layers=2, training=StudentTrainingConfig(TrainConfig(epochs=1, batch_size=8)))
    lines: list[str] = []
    student, report = distill(parent, tokenizer.pad_token_id, train, logits, config, log=lines.append)
    assert report.student_layers == 2 and report.initialised_from == [0, 3]
    assert report.parameters_after < report.parameters_before
    assert report.training.steps == 1
    # the shared training loop ran it, reporting through its events as log lines
    assert report.training.stop_reason == "completed" and report.training.best_validation_macro_f1 is None
    assert "loss distillation (alpha 0.5, temperature 2)" in "\n".join(lines) and "no validation" in lines[1]
    assert lines[-1].startswith("finished 1/1 steps; training loss")
    assert report.to_json()["training"]["loss_first"] == round(report.training.first_loss, 5)
    with pytest.raises(UserError, match="--target-layers 4 must be between 1 and 3"):
        distill(parent, 0, train, logits, DistillConfig(layers=PARENT_LAYERS))


def test_soft_targets_are_the_teachers_logits_for_each_row(parent_dir):
    from sentiflow.tasks.models.batching import shuffled_length_batches
    from sentiflow.tasks.models.loading import load_classifier
    from sentiflow.tasks.models.training.data import collate

    teacher, tokenizer = load_torch_model(parent_dir)
    train = encode_split(tokenizer, toy_rows(), LABELS, 32)
    targets = SoftTargets(teacher, len(train), 2)
    seen: set[int] = set()
    for rows in shuffled_length_batches(train.lengths, 5, seed=3, epoch=0)[:3]:
        batch = collate(train, rows, tokenizer.pad_token_id)
        batch.pop("labels")
        targets.for_batch(rows, batch)
        seen.update(rows)
    assert targets.scored == len(seen) < len(train)  # the rows batched so far, nothing else
    expected = load_classifier(parent_dir, device="cpu").logits(train.texts)
    done = ~np.isnan(targets.logits[:, 0])
    np.testing.assert_allclose(targets.logits[done], expected[done], atol=1e-4)
