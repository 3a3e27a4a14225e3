"""Training configuration: one typed, frozen record, two profiles, and a stable hash; and the
recipe a student trains with (that record plus the distillation loss mix).

The hash covers every field that changes which weights come out (the "recipe"), so the same
dataset + recipe gives the same model id, and a rerun can reuse a finished model. Fields that
only change how fast or how verbosely it runs (device, threads, logging, checkpoint cadence,
the wall-clock budget) are left out of it: a run stopped by `--max-minutes` can be `--resume`d
with a larger budget and still be the same model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from sentiflow.tasks.core.errors import UserError


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters and run limits for one fine-tune (units in the comments)."""

    # optimisation
    epochs: float = 3.0  # passes over the train split; fractions allowed (0.5 = half a pass)
    batch_size: int = 32  # examples per optimizer step
    lr: float = 5e-5  # peak AdamW learning rate, reached after warm-up
    weight_decay: float = 0.01  # AdamW decoupled decay; not applied to biases and LayerNorm
    warmup_ratio: float = 0.06  # share of steps with linear warm-up; 0 = none
    max_grad_norm: float = 1.0  # gradient clipping (L2 norm); 0 = off
    max_steps: int | None = None  # cap on optimizer steps, after epochs; None = epochs decide
    label_smoothing: float = 0.0  # share of the target mass spread over all classes; 0 = plain cross-entropy
    layer_lr_decay: float = 1.0  # each encoder layer below the top trains at this times the layer above's rate; 1 = off
    # data
    max_seq_len: int = 128  # tokens per text after truncation (batches pad only to their longest)
    max_train_examples: int | None = None  # seeded sample of the train split; None = all of it
    max_eval_examples: int | None = None  # validation rows scored during training; None = all
    # early stopping on validation macro-F1
    evals_per_epoch: int = 2  # validation passes per epoch (and always one at the end)
    patience: int = 3  # evaluations without improvement before stopping; 0 = never stop early
    # run limits and bookkeeping (not part of the recipe hash)
    # wall-clock budget (minutes) of one run of the training loop; None = none, the epochs decide.
    # The schedule is fitted to the pace so warm-up and decay end inside it, and the loop stops
    # before a step that would end past it; a run it cut short can be resumed (fine-tuning).
    max_minutes: float | None = None
    checkpoint_every: int = 200  # optimizer steps between resumable checkpoints; 0 = off
    log_every: int = 20  # optimizer steps between loss/throughput lines
    seed: int = 42  # one seed for sampling, shuffling, head initialisation and dropout
    device: str = "auto"  # auto | cpu | cuda (bf16 autocast on CUDA)
    threads: int | None = None  # torch CPU threads; None = OMP_NUM_THREADS or the CPUs this process may use

    def recipe(self) -> dict[str, Any]:
        """The fields that determine the trained weights. Fields added later count only when
        they differ from their default, so models trained before they existed keep their ids."""
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in _NOT_RECIPE and not (k in _ADDED_LATER and v == _ADDED_LATER[k])
        }

    def recipe_hash(self, *parts: str) -> str:
        """8 hex digits over the recipe plus extra parts (dataset version, base model)."""
        blob = json.dumps([self.recipe(), *parts], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]

    def validate(self) -> TrainConfig:
        """Raise a one-line UserError for values that cannot work."""
        checks = [
            (self.epochs > 0, "--epochs must be > 0"),
            (self.batch_size >= 1, "--batch-size must be >= 1"),
            (0 < self.lr < 1, "--lr must be between 0 and 1 (e.g. 5e-5)"),
            (self.max_seq_len >= 8, "--max-seq-len must be >= 8 tokens"),
            (self.max_minutes is None or self.max_minutes > 0, "--max-minutes must be > 0"),
            (self.max_steps is None or self.max_steps >= 1, "max_steps must be >= 1"),
            (0 <= self.warmup_ratio < 1, "warmup_ratio must be in [0, 1)"),
            (self.evals_per_epoch >= 1, "evals_per_epoch must be >= 1"),
            (0 <= self.label_smoothing < 1, "label_smoothing must be in [0, 1)"),
            (0 < self.layer_lr_decay <= 1, "layer_lr_decay must be in (0, 1]"),
            (self.device in ("auto", "cpu", "cuda"), f"unknown --device {self.device!r}: use auto, cpu or cuda"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(message)
        return self


_NOT_RECIPE = {"max_minutes", "checkpoint_every", "log_every", "device", "threads"}
_ADDED_LATER = {"label_smoothing": 0.0, "layer_lr_decay": 1.0}  # field -> the default that means "as before"

# `quick` fits the end-to-end demo (`sentiflow run` on 2 CPU cores in ~10 minutes): about
# 3 minutes of training (at most) on a sample of short (64-token) texts, scored on a capped validation.
# `full` is a real fine-tune: 3 epochs, 128 tokens, early stopping.
PROFILES: dict[str, TrainConfig] = {
    "quick": TrainConfig(
        epochs=1.0,
        batch_size=32,
        lr=1e-4,
        max_seq_len=64,
        max_steps=250,
        max_train_examples=8_000,
        max_eval_examples=1_000,
        evals_per_epoch=1,
        max_minutes=3.0,
        checkpoint_every=100,
        log_every=10,
    ),
    "full": TrainConfig(),
}


@dataclass(frozen=True)
class StudentTrainingConfig:
    """How a distilled or pruned student trains: the recipe plus the distillation loss mix."""

    recipe: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=2.0, lr=1e-4))
    alpha: float = 0.5  # weight of the soft-target term; 1.0 = soft targets only
    temperature: float = 2.0  # softening of both distributions in the KL term (DistilBERT: 2)


def make_config(profile: str = "quick", **overrides: Any) -> TrainConfig:
    """A profile with the given overrides (None values are ignored), validated."""
    if profile not in PROFILES:
        raise UserError(f"unknown --profile {profile!r}: use one of {', '.join(PROFILES)}")
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise UserError(f"unknown training option(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(PROFILES[profile], **given).validate()


def config_from_json(d: dict[str, Any]) -> TrainConfig:
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in d.items() if k in known})
