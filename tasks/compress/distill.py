"""Knowledge distillation: a shallower student learns the parent's soft targets.

The student is the parent with some encoder blocks removed: it keeps the parent's embeddings,
pooler, classifier and an evenly spaced subset of its layers (always the first and the last,
as DistilBERT initialises from every other layer). Starting from the parent's own weights,
rather than from scratch, is what lets a short distillation on one task's training split
recover most of the accuracy. The student trains on the shared training loop with the
distillation loss (`tasks/models/training/losses.py`): the parent is the teacher.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sentiflow.tasks.compress.encoder import check_target_layers, count_parameters, encoder_layers, renumber_layers
from sentiflow.tasks.models.training.config import StudentTrainingConfig
from sentiflow.tasks.models.training.data import EncodedSplit
from sentiflow.tasks.models.training.loop import LoopResult, log_lines, run_training
from sentiflow.tasks.models.training.losses import Distillation, TeacherTargets

if TYPE_CHECKING:
    from transformers import PreTrainedModel


@dataclass(frozen=True)
class DistillConfig:
    layers: int | None = None  # student depth; None = half the parent's, rounded down (6 -> 3)
    training: StudentTrainingConfig = field(default_factory=StudentTrainingConfig)


@dataclass
class DistillReport:
    parent_layers: int
    student_layers: int
    initialised_from: list[int]  # parent layer index of each student layer
    parameters_before: int
    parameters_after: int
    training: LoopResult

    def to_json(self) -> dict[str, Any]:
        return {
            "parent_layers": self.parent_layers,
            "student_layers": self.student_layers,
            "initialised_from_parent_layers": self.initialised_from,
            "parameters_before": self.parameters_before,
            "parameters_after": self.parameters_after,
            "training": self.training.to_json(),
        }


def default_student_layers(parent_layers: int) -> int:
    return max(1, parent_layers // 2)


def student_layer_indices(parent_layers: int, student_layers: int) -> list[int]:
    """Evenly spaced parent layers, always including the first and the last (6 -> 3: 0, 2, 5)."""
    if student_layers == 1:
        return [parent_layers - 1]
    step = (parent_layers - 1) / (student_layers - 1)
    return [round(i * step) for i in range(student_layers)]


def make_student(parent: PreTrainedModel, layers: int) -> tuple[PreTrainedModel, list[int]]:
    """A copy of `parent` keeping `layers` of its encoder blocks; the parent is untouched."""
    keep = student_layer_indices(len(encoder_layers(parent)), layers)
    student = copy.deepcopy(parent)
    renumber_layers(student, keep)
    return student, keep


def train_student(
    student: PreTrainedModel,
    pad_id: int,
    train: EncodedSplit,
    targets: TeacherTargets,
    config: StudentTrainingConfig,
    log: Callable[[str], None] | None = None,
) -> LoopResult:
    """Train `student` in place on the shared loop with the distillation loss (also what prune
    recovery runs); no validation, so it ends with its last weights."""
    loss = Distillation(targets, config.alpha, config.temperature)
    return run_training(student, train, config.recipe, pad_id=pad_id, loss=loss, on_event=log_lines(log))


def distill(
    parent: PreTrainedModel,
    pad_id: int,
    train: EncodedSplit,
    targets: TeacherTargets,
    config: DistillConfig,
    model_id: str = "parent",
    log: Callable[[str], None] | None = None,
) -> tuple[PreTrainedModel, DistillReport]:
    """Build and train a student on `train` and the parent's soft targets for its rows."""
    parent_layers = len(encoder_layers(parent))
    layers = config.layers if config.layers is not None else default_student_layers(parent_layers)
    check_target_layers(layers, parent_layers, model_id)
    student, keep = make_student(parent, layers)
    if log:
        log(f"student: {layers} of {parent_layers} layers, initialised from parent layers {keep}")
    training = train_student(student, pad_id, train, targets, config.training, log=log)
    report = DistillReport(
        parent_layers=parent_layers,
        student_layers=layers,
        initialised_from=keep,
        parameters_before=count_parameters(parent),
        parameters_after=count_parameters(student),
        training=training,
    )
    return student, report
