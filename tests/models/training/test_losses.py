"""The pluggable loss: cross-entropy is the model's own loss, distillation learns a teacher, and
the teacher scores each row once, when training first reaches it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sentiflow.tasks.models.training.data import collate
from sentiflow.tasks.models.training.loop import run_training
from sentiflow.tasks.models.training.losses import CrossEntropy, Distillation, SoftTargets
from tests.models.training.helpers import tiny_model
from tests.train.helpers import TINY_CONFIG

CONFIG = replace(TINY_CONFIG, epochs=10)  # 32 toy rows in batches of 16: 20 steps


def test_cross_entropy_is_the_models_own_loss(tiny_bert):
    import torch

    model, tokenizer, split = tiny_model(tiny_bert)
    model.eval()  # no dropout: two forward passes agree exactly
    rows = list(range(8))
    batch = collate(split, rows, tokenizer.pad_token_id)
    with torch.no_grad():
        assert torch.equal(CrossEntropy()(model, batch, rows), model(**batch).loss)
        logits = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
        assert torch.allclose(
            CrossEntropy()(model, batch, rows), torch.nn.functional.cross_entropy(logits, batch["labels"])
        )


def test_the_default_loss_is_cross_entropy_and_falls(tiny_bert):
    import torch

    runs = []
    for loss in (None, CrossEntropy()):
        model, tokenizer, split = tiny_model(tiny_bert)
        losses: list[float] = []
        result = run_training(
            model,
            split,
            CONFIG,
            pad_id=tokenizer.pad_token_id,
            loss=loss,
            on_event=lambda e, losses=losses: e.kind == "step" and losses.append(e.data["loss"]),
        )
        assert result.steps == 20 and result.stop_reason == "completed"
        runs.append((model.state_dict(), losses))
    (default, default_losses), (explicit, explicit_losses) = runs
    assert default_losses == explicit_losses and all(torch.equal(default[k], explicit[k]) for k in default)
    assert np.mean(default_losses[-4:]) < np.mean(default_losses[:4]) / 3, default_losses


def _confident_teacher(split) -> np.ndarray:
    """Logits of a teacher that knows the toy set: +-4 toward each row's gold class."""
    gold = np.array(split.label_ids)
    return np.stack([np.where(gold == 0, 4.0, -4.0), np.where(gold == 1, 4.0, -4.0)], axis=1).astype(np.float32)


def test_distillation_loss_falls_on_a_tiny_model(tiny_bert):
    student, tokenizer, split = tiny_model(tiny_bert, seed=3)
    loss = Distillation(SoftTargets.from_logits(_confident_teacher(split)), alpha=0.7, temperature=2.0)
    result = run_training(student, split, CONFIG, pad_id=tokenizer.pad_token_id, loss=loss)
    assert result.steps == 20 and len(result.losses) == 20  # a point a step: 20 steps are under 40
    assert result.last_loss < 0.5 * result.first_loss, result.losses
    predicted = student(**collate(split, list(range(len(split))), tokenizer.pad_token_id)).logits.argmax(-1)
    assert predicted.tolist() == split.label_ids  # it learned what the teacher knows


def test_the_teacher_scores_each_row_once_when_training_reaches_it(tiny_bert):
    teacher, tokenizer, split = tiny_model(tiny_bert, seed=5)
    scored_rows: list[int] = []
    teacher.register_forward_hook(
        lambda _m, _args, kwargs, _out: scored_rows.append(kwargs["input_ids"].shape[0]), with_kwargs=True
    )
    targets = SoftTargets(teacher, len(split), 2)
    student, _, _ = tiny_model(tiny_bert, seed=3)
    loss = Distillation(targets, alpha=0.5, temperature=2.0)
    one_step = replace(CONFIG, max_steps=1)
    run_training(student, split, one_step, pad_id=tokenizer.pad_token_id, loss=loss)
    assert targets.scored == sum(scored_rows) == 16  # one batch trained on, one batch scored
    run_training(student, split, CONFIG, pad_id=tokenizer.pad_token_id, loss=loss)  # ten epochs
    assert targets.scored == sum(scored_rows) == len(split)  # every row once, none twice
    assert "distillation (alpha 0.5, temperature 2)" == loss.describe()
