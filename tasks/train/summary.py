"""The train flow's answer (`TrainSummary`): the model, its metrics, how training went, promotion."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sentiflow.tasks.core.summary import Summary
from sentiflow.tasks.models.metrics import headline

if TYPE_CHECKING:  # readers of a summary need not import the training code
    from sentiflow.tasks.train.finetune import TrainPlan


@dataclass(frozen=True)
class TrainingFacts:
    """How the training loop went; all None for a model trained before metrics recorded them."""

    steps: int | None
    total_steps: int | None
    stop_reason: str | None  # completed | early stopping | time budget
    best_step: int | None
    samples_per_second: float | None
    wall_seconds: float | None
    hardware: str | None


@dataclass(frozen=True)
class TrainSummary(Summary):
    """What `sentiflow train` prints and the train flow returns (as JSON)."""

    model_id: str
    reused: bool  # an identical earlier run's model, not trained again
    model_dir: str
    dataset_version: str
    base_model: str
    labels: list[str]
    temperature: float
    metrics: dict[str, dict[str, Any]]  # validation and test headline metrics
    calibration: dict[str, float]  # temperature, ece_before, ece_after
    training: TrainingFacts
    promoted: bool
    promotion_reason: str

    @classmethod
    def of(
        cls,
        plan: TrainPlan,
        record: dict[str, Any],
        metrics: dict[str, Any],
        reused: bool,
        decision: dict[str, Any] | None,
    ) -> TrainSummary:
        """From the plan, the registered record, metrics.json and the promotion decision (if asked)."""
        training = metrics.get("training", {})  # a model published by an older version may lack it
        return cls(
            model_id=plan.model_id,
            reused=reused,
            model_dir=str(plan.model_dir),
            dataset_version=plan.dataset_version,
            base_model=plan.base_model_name,
            labels=plan.labels,
            temperature=record["temperature"],
            metrics={split: headline(metrics[split]) for split in ("validation", "test")},
            calibration={k: metrics["calibration"][k] for k in ("temperature", "ece_before", "ece_after")},
            training=TrainingFacts(**{f.name: training.get(f.name) for f in fields(TrainingFacts)}),
            promoted=bool(decision and decision["promote"]),
            promotion_reason=decision["reason"] if decision else "not requested (--promote-if-better)",
        )

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "reused": self.reused,
            "promoted": self.promoted,
            "seconds": seconds,
            "training": {"stop_reason": self.training.stop_reason, "steps": self.training.steps},
        }
