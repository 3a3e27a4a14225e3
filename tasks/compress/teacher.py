"""Teachers for distillation into a production-sized student: registered models, any architecture.

A teacher is any registered fp32 model whose labels are the student's dataset's labels. It scores
raw texts through the one classifier interface (`load_classifier`), so it tokenises with its own
tokenizer and applies its own recorded text preprocessing: teacher and student need not share
layers, width or vocabulary. Its probabilities are calibrated with the temperature it recorded
(tasks/models/calibration.py), so several teachers average on one scale
(`losses.ensemble_probabilities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.classifier import softmax
from sentiflow.tasks.warehouse.registry import get_model


@dataclass(frozen=True)
class Teacher:
    model_id: str
    path: str  # relative to the home
    labels: tuple[str, ...]  # the teacher's class order
    temperature: float
    created_at: str  # with the id, names this exact model in the cache key

    @property
    def fingerprint(self) -> str:
        return f"{self.model_id}@{self.created_at}@T{self.temperature:.6g}"

    def folder(self, home: Home) -> Path:
        return home.root / self.path


def resolve_teachers(home: Home, model_ids: list[str], labels: list[str], dataset_version: str) -> list[Teacher]:
    """The registered teachers, in order, without repeats; a one-line UserError for a teacher whose
    labels differ from the dataset's, a compressed (onnx) one or a missing folder."""
    teachers: list[Teacher] = []
    for name in dict.fromkeys(model_ids):
        record = get_model(home, name)
        if sorted(record.labels) != sorted(labels):
            raise UserError(
                f"teacher {record.model_id!r} predicts {sorted(record.labels)} but dataset {dataset_version} has "
                f"labels {sorted(labels)}: use teachers trained on this dataset's labels"
            )
        if record.format != "torch":
            raise UserError(
                f"teacher {record.model_id!r} is a compressed {record.format} model; teach with its fp32 parent "
                f"{record.parent_id or '(unknown)'}"
            )
        if not (home.root / record.path).is_dir():
            raise UserError(
                f"teacher {record.model_id!r} is registered but its folder {home.root / record.path} is missing"
            )
        teachers.append(
            Teacher(
                record.model_id, record.path, tuple(record.labels), record.temperature, record.created_at.isoformat()
            )
        )
    if not teachers:
        raise UserError("distillation needs at least one teacher: pass --model TEACHER")
    return teachers


def label_order(teacher: Teacher, labels: list[str]) -> list[int]:
    """Column of each of `labels` (the student's order) in the teacher's output."""
    return [teacher.labels.index(name) for name in labels]


def calibrated_probabilities(clf, texts: list[str], columns: list[int], batch_size: int = 64) -> np.ndarray:
    """The classifier's probabilities at its calibration temperature, columns in the student's order."""
    return softmax(clf.logits(texts, batch_size=batch_size), clf.temperature)[:, columns].astype(np.float32)
