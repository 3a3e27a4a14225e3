"""The one training loop compression needs: fit a student to a teacher's soft targets.

Distillation trains a shallower student with it; pruning uses it to recover after removing
structure (the unpruned parent is the teacher, as in CoFi pruning). Loss:
alpha * KL(teacher || student at temperature T) * T^2 + (1 - alpha) * CE(hard labels); the T^2
keeps the soft term's gradient scale independent of T (Hinton et al., 2015).

The training stage's loop (`tasks/train/loop.py`) optimises the model's own cross-entropy, so
it cannot carry a teacher; this loop reuses its pieces instead: TrainConfig, AdamW with its
parameter groups, length-bucketed batches and per-batch padding. The teacher (in eval mode)
scores a row the first time it appears in a batch, and that soft target is kept for later
epochs (`SoftTargets`): one teacher pass per row at most, and none for rows a time budget never
reaches, where precomputing would score the whole training split up front.

With a time budget (`recipe.max_minutes`), the loop checks its pace about twenty times a run
and fits the plan to the time left, so the learning rate still warms up and decays to zero
inside the budget (a run merely cut off would stop at a high learning rate). On a shared
machine the pace changes as other work starts and stops; a plan fixed from the first steps
was a third of what the budget allowed in one SST-2 run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sentiflow.tasks.models.batching import shuffled_length_batches
from sentiflow.tasks.models.training.config import StudentTrainingConfig
from sentiflow.tasks.models.training.data import EncodedSplit, collate
from sentiflow.tasks.models.training.losses import SoftTargets, distillation_loss
from sentiflow.tasks.models.training.schedule import (
    TIMING_STEPS,
    lr_factor,
    make_optimizer,
    plan_steps,
    steps_in_budget,
)

if TYPE_CHECKING:
    from transformers import PreTrainedModel


@dataclass
class TrainingLog:
    """What happened: steps taken and the loss curve (mean loss per window of steps)."""

    steps: int = 0
    planned_steps: int = 0
    replanned_from: int | None = None  # steps planned before the time budget changed the plan
    seconds: float = 0.0
    losses: list[float] = field(default_factory=list)
    stopped_by_time: bool = False

    @property
    def first_loss(self) -> float:
        return self.losses[0] if self.losses else float("nan")

    @property
    def last_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "planned_steps": self.planned_steps,
            "replanned_from": self.replanned_from,
            "seconds": round(self.seconds, 1),
            "loss_first": round(self.first_loss, 5),
            "loss_last": round(self.last_loss, 5),
            "stopped_by_time": self.stopped_by_time,
        }


def train_student(
    student: PreTrainedModel,
    pad_id: int,
    train: EncodedSplit,
    targets: SoftTargets,
    config: StudentTrainingConfig,
    log: Callable[[str], None] | None = None,
) -> TrainingLog:
    """Train `student` in place on `train` (tokenised) and the teacher's soft targets for its rows."""
    import torch

    if len(train) == 0:
        raise ValueError("no training examples")
    recipe = config.recipe
    torch.manual_seed(recipe.seed)
    per_epoch, planned, _ = plan_steps(len(train), recipe)
    optimizer = make_optimizer(student, recipe)
    if log:
        log(
            f"training {len(train)} examples, batch {recipe.batch_size}, {planned} steps "
            f"({recipe.epochs:g} epochs), lr {recipe.lr:g}, alpha {config.alpha}, T {config.temperature}"
            + (f", budget {recipe.max_minutes:g} min" if recipe.max_minutes else "")
        )
    result = TrainingLog(planned_steps=planned)
    replan_every = max(TIMING_STEPS, planned // 20)  # ~20 looks at the clock per run
    window = max(1, min(50, planned // 20))  # about 20 points on the loss curve
    running: list[float] = []
    started = time.monotonic()
    student.train()
    batches: list[list[int]] = []
    while result.steps < result.planned_steps and not result.stopped_by_time:
        epoch, position = divmod(result.steps, per_epoch)
        if position == 0:
            batches = shuffled_length_batches(train.lengths, recipe.batch_size, recipe.seed, epoch)
        rows = batches[position]
        for group in optimizer.param_groups:
            group["lr"] = recipe.lr * lr_factor(result.steps, result.planned_steps, recipe.warmup_ratio)
        batch = collate(train, rows, pad_id)
        gold = batch.pop("labels")
        soft = targets.for_batch(rows, batch)
        loss = distillation_loss(student(**batch).logits, soft, gold, config.alpha, config.temperature)
        loss.backward()
        if recipe.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(student.parameters(), recipe.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        result.steps += 1
        running.append(float(loss.detach()))
        if len(running) == window:
            result.losses.append(float(np.mean(running)))
            running = []
            if log and len(result.losses) % 4 == 0:  # about every fifth of the run
                log(
                    f"step {result.steps}/{result.planned_steps} loss {result.last_loss:.4f} "
                    f"({time.monotonic() - started:.0f}s)"
                )
        if recipe.max_minutes is not None:
            elapsed = time.monotonic() - started
            if result.steps % replan_every == 0:
                fitted = steps_in_budget(result.steps, elapsed, recipe.max_minutes * 60, planned)
                if fitted != result.planned_steps:
                    if log and abs(fitted - result.planned_steps) > 0.05 * result.planned_steps:
                        log(
                            f"time budget: {elapsed / result.steps:.2f} s/step, so {fitted} of {planned} planned "
                            f"steps fit in {recipe.max_minutes:g} min"
                        )
                    result.planned_steps, result.replanned_from = fitted, planned
            result.stopped_by_time = elapsed > recipe.max_minutes * 60 and result.steps < result.planned_steps
    if running:
        result.losses.append(float(np.mean(running)))
    student.eval()
    result.seconds = time.monotonic() - started
    if log:
        note = " (stopped by the time budget)" if result.stopped_by_time else ""
        log(
            f"trained {result.steps}/{result.planned_steps} steps in {result.seconds:.0f}s{note}; "
            f"loss {result.first_loss:.4f} -> {result.last_loss:.4f}"
        )
    return result
