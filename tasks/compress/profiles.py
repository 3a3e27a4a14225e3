"""How much work `compress` does: `quick` for the end-to-end demo, `full` for real use.

`quick` has to fit `sentiflow run` (10 minutes in all, on 2 CPU cores): `auto` only quantizes the
parent (about a minute for MiniLM, export + quantization + scoring 1,000 validation and 1,000
test texts), and an explicit `--method distill|prune` trains for at most two minutes on a
sample. `full` scores whole splits and tries every method: distil, prune, and each of them
quantized, training each student for up to three epochs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import StudentTrainingConfig, TrainConfig


@dataclass(frozen=True)
class CompressProfile:
    name: str
    eval_examples: int | None  # validation and test rows scored (seeded sample); None = all
    latency_samples: int  # single-text calls timed for p50/p95
    speed_repeats: int  # throughput passes over the test split per model; the median counts
    train_examples: int | None  # train rows a student learns from (seeded sample); None = all
    auto_methods: tuple[str, ...]  # what `--method auto` tries, in order
    distill: StudentTrainingConfig = field(default_factory=StudentTrainingConfig)
    prune_recovery: StudentTrainingConfig = field(default_factory=StudentTrainingConfig)
    importance_batches: int = 8  # train batches scoring layer and neuron importance for pruning


PROFILES: dict[str, CompressProfile] = {
    "quick": CompressProfile(
        name="quick",
        eval_examples=1_000,
        latency_samples=50,
        speed_repeats=1,
        train_examples=4_000,
        auto_methods=("quantize",),
        distill=StudentTrainingConfig(TrainConfig(epochs=1.0, lr=1e-4, max_minutes=2.0)),
        prune_recovery=StudentTrainingConfig(TrainConfig(epochs=1.0, lr=5e-5, max_minutes=1.5)),
        importance_batches=4,
    ),
    "full": CompressProfile(
        name="full",
        eval_examples=None,
        latency_samples=200,
        speed_repeats=3,
        train_examples=None,
        auto_methods=("quantize", "distill", "prune"),
        # students start from the parent's own layers; a higher peak LR than a fine-tune's helps them
        # re-learn the missing layers' work. A progress line per 100 steps: ~60 for 3 epochs of SST-2
        distill=StudentTrainingConfig(TrainConfig(epochs=3.0, lr=1e-4, log_every=100)),
        # a pruned model has as much to re-learn as a student: the same recipe (with 1 epoch at
        # 5e-5, SST-2's 4-layer half-FFN model stayed 1.1 points below its parent on validation)
        prune_recovery=StudentTrainingConfig(TrainConfig(epochs=3.0, lr=1e-4, log_every=100)),
    ),
}


def get_profile(
    name: str, seed: int = 42, max_minutes: float | None = None, trained_candidates: int = 1
) -> CompressProfile:
    """The named profile with the seed applied and `max_minutes` shared among trained candidates."""
    if name not in PROFILES:
        raise UserError(f"unknown --profile {name!r}: use one of {', '.join(PROFILES)}")
    if max_minutes is not None and max_minutes <= 0:
        raise UserError(f"--max-minutes must be > 0, got {max_minutes:g}")
    profile = PROFILES[name]

    def adjust(config: StudentTrainingConfig) -> StudentTrainingConfig:
        minutes = config.recipe.max_minutes
        if max_minutes is not None:
            minutes = max_minutes / max(1, trained_candidates)
        return replace(config, recipe=replace(config.recipe, seed=seed, max_minutes=minutes))

    return replace(profile, distill=adjust(profile.distill), prune_recovery=adjust(profile.prune_recovery))
