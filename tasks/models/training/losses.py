"""What the training loop minimises, as a small pluggable object.

A loss gets the model, one padded batch (input_ids, attention_mask, labels) and the batch's
row indices in the train split, so it can look up per-row data such as a teacher's soft
targets. Two exist:
  CrossEntropy   fine-tuning: the model's own loss (cross-entropy on the gold labels)
  Distillation   distillation and prune recovery:
                 alpha * KL(teacher || student at temperature T) * T^2 + (1 - alpha) * CE(gold);
                 the T^2 keeps the soft term's gradient scale independent of T (Hinton et al., 2015)

The teacher's soft targets are computed lazily (`SoftTargets`): a row is scored the first time
it appears in a batch and kept for later epochs. That is one teacher pass per row at most, and
none for rows a time budget never reaches, where precomputing would score the whole train split.

Teachers of another architecture or tokenizer (compression's teacher distillation) cannot score
the student's batches: their targets are computed beforehand on the raw texts and given as
`SoftTargets.from_logits`. An ensemble averages its teachers' calibrated probabilities
(`ensemble_probabilities`); the log of that average is its logits (`probabilities_as_logits`),
which the loss softens by its temperature like any teacher's. Rows without a gold label (lake
documents, augmented texts) carry `UNLABELLED`: the hard term covers only the labelled rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel


class TrainingLoss(Protocol):
    def __call__(self, model: PreTrainedModel, batch: dict[str, torch.Tensor], rows: list[int]) -> torch.Tensor:
        """The mean loss of `model` on one batch (a scalar tensor to call backward on)."""

    def describe(self) -> str:
        """One line for the run's header."""


class CrossEntropy:
    """The model's own loss: cross-entropy on the batch's gold labels, optionally label-smoothed
    (a share of the target mass spread evenly over the classes; Szegedy et al., 2016)."""

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = label_smoothing

    def __call__(self, model: PreTrainedModel, batch: dict[str, torch.Tensor], rows: list[int]) -> torch.Tensor:
        if not self.label_smoothing:
            return model(**batch).loss
        import torch.nn.functional as F

        inputs = {k: v for k, v in batch.items() if k != "labels"}
        logits = model(**inputs).logits.float()
        return F.cross_entropy(logits, batch["labels"], label_smoothing=self.label_smoothing)

    def describe(self) -> str:
        return f"cross-entropy (label smoothing {self.label_smoothing:g})" if self.label_smoothing else "cross-entropy"


class TeacherTargets(Protocol):
    def for_batch(self, rows: list[int], inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Teacher logits (rows x labels, float32, on the inputs' device) for the batch's rows."""


UNLABELLED = -100  # label id of a row without a gold label (torch's ignore_index)
PROBABILITY_FLOOR = 1e-7  # keeps the log of an averaged probability finite


def ensemble_probabilities(per_teacher: list[np.ndarray]) -> np.ndarray:
    """The mean of several teachers' calibrated probabilities (each rows x labels, same label order)."""
    if not per_teacher:
        raise ValueError("an ensemble needs at least one teacher")
    shapes = {p.shape for p in per_teacher}
    if len(shapes) != 1:
        raise ValueError(f"teachers' probabilities differ in shape: {sorted(shapes)}")
    return np.mean(np.stack(per_teacher), axis=0)


def probabilities_as_logits(probabilities: np.ndarray) -> np.ndarray:
    """Logits whose softmax is `probabilities` (their log, floored): what a teacher's targets hold."""
    return np.log(np.clip(probabilities, PROBABILITY_FLOOR, 1.0)).astype(np.float32)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    alpha: float,
    temperature: float,
) -> torch.Tensor:
    """alpha * KL(soft targets) * T^2 + (1 - alpha) * cross-entropy(hard labels).

    The hard term is the mean over the rows with a gold label (label != UNLABELLED); a batch
    without any has the soft term alone."""
    import torch.nn.functional as F

    soft = F.kl_div(
        F.log_softmax(student_logits / temperature, dim=-1),
        F.softmax(teacher_logits / temperature, dim=-1),
        reduction="batchmean",
    ) * (temperature**2)
    labelled = labels != UNLABELLED
    if not bool(labelled.any()):
        return alpha * soft
    hard = F.cross_entropy(student_logits[labelled], labels[labelled])
    return alpha * soft + (1.0 - alpha) * hard


@dataclass
class Distillation:
    """`distillation_loss` against a teacher's targets for the batch's rows."""

    targets: TeacherTargets
    alpha: float  # weight of the soft-target term; 1.0 = soft targets only
    temperature: float  # softening of both distributions in the KL term

    def __call__(self, model: PreTrainedModel, batch: dict[str, torch.Tensor], rows: list[int]) -> torch.Tensor:
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        logits = model(**inputs).logits.float()  # bf16 under CUDA autocast; the KL wants float32
        teacher = self.targets.for_batch(rows, inputs)
        return distillation_loss(logits, teacher, batch["labels"], self.alpha, self.temperature)

    def describe(self) -> str:
        return f"distillation (alpha {self.alpha:g}, temperature {self.temperature:g})"


class SoftTargets:
    """The teacher's logits for each training row, computed when the row is first batched.

    The teacher must live on the device the batches are trained on.
    """

    def __init__(self, teacher: PreTrainedModel | None, rows: int, labels: int) -> None:
        self.teacher = teacher.eval() if teacher is not None else None
        self.logits = np.full((rows, labels), np.nan, dtype=np.float32)

    @classmethod
    def from_logits(cls, logits: np.ndarray) -> SoftTargets:
        """Targets known in advance (no teacher model needed)."""
        targets = cls(None, *np.asarray(logits).shape)
        targets.logits[:] = logits
        return targets

    @property
    def scored(self) -> int:
        """Rows whose targets exist."""
        return int((~np.isnan(self.logits[:, 0])).sum())

    def for_batch(self, rows: list[int], inputs: dict[str, Any]) -> torch.Tensor:
        import torch

        missing = np.isnan(self.logits[rows, 0])
        if missing.any():
            if self.teacher is None:
                raise ValueError("soft targets missing for some rows and no teacher to compute them")
            with torch.inference_mode():  # the whole batch: its padding is the same as when training
                self.logits[rows] = self.teacher(**inputs).logits.float().cpu().numpy()
        return torch.from_numpy(self.logits[rows]).to(inputs["input_ids"].device)
