"""Prefect tasks around the pure training modules: inputs in, pure call, summary back.

Training progress goes two ways: lines to the Prefect run logger, and every event to this
process's listeners (tasks/core/progress.py; the CLI's progress bar listens for TrainEvent).
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from sentiflow.tasks.core import progress
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.settings import Settings
from sentiflow.tasks.models.metrics import headline
from sentiflow.tasks.models.training.config import TrainConfig
from sentiflow.tasks.models.training.loop import TrainEvent
from sentiflow.tasks.train import finetune
from sentiflow.tasks.train.finetune import TrainPlan
from sentiflow.tasks.train.promotion import promote_if_better
from sentiflow.tasks.train.summary import TrainSummary

_LOGGED_KINDS = {"header", "progress", "eval", "checkpoint", "stop"}  # not "step": one per step


def _route(event: TrainEvent) -> None:
    """The training loop's `on_event`: its lines to the run log, the event to the listeners."""
    if event.kind in _LOGGED_KINDS:
        logger = get_run_logger()
        for line in event.message.splitlines():
            logger.info(line)
    progress.publish(event)


@task(name="plan-training", cache_policy=NONE)
def plan_training_task(home: str, dataset: str, base_model: str | None, config: TrainConfig, resume: bool) -> TrainPlan:
    """Check the dataset and base model; name the model; decide whether it is reused."""
    plan = finetune.plan_training(Home.at(home), dataset, base_model, config, resume, offline=Settings().offline)
    logger = get_run_logger()
    logger.info(f"model {plan.model_id}: " + ("finished earlier, reusing it" if plan.reuse else "training"))
    if plan.notice() and not plan.reuse:
        (logger.info if plan.resume else logger.warning)(plan.notice())
    return plan


@task(name="fine-tune", cache_policy=NONE)
def fine_tune_task(plan: TrainPlan) -> dict[str, Any]:
    """Train and save the Hugging Face folder to the staging folder."""
    return finetune.train_model(plan, on_event=_route)


@task(name="evaluate-model", cache_policy=NONE)
def evaluate_task(plan: TrainPlan) -> dict[str, Any]:
    """Validation and test metrics; temperature fitted on validation."""
    metrics = finetune.evaluate_model(plan)
    logger = get_run_logger()
    for split in ("validation", "test"):
        logger.info(f"{split}: {headline(metrics[split])}")
    cal = metrics["calibration"]
    logger.info(
        f"temperature {cal['temperature']:.3f}: validation ECE {cal['ece_before']:.4f} -> {cal['ece_after']:.4f}"
    )
    return metrics


@task(name="publish-model", cache_policy=NONE)
def publish_task(plan: TrainPlan, training: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """Write metrics.json and the card, move into models/ID, register."""
    return finetune.publish_model(plan, training, metrics).to_json()


@task(name="reuse-model", cache_policy=NONE)
def reuse_task(plan: TrainPlan) -> tuple[dict[str, Any], dict[str, Any]]:
    """The finished model with this id, and its metrics.json."""
    record, metrics = finetune.reuse_model(plan)
    return record.to_json(), metrics


@task(name="promote-if-better", cache_policy=NONE)
def promote_task(home: str, model_id: str) -> dict[str, Any]:
    """Champion/challenger on the candidate's test split."""
    decision = promote_if_better(Home.at(home), model_id)
    get_run_logger().info(("promoted: " if decision.promote else "not promoted: ") + decision.reason)
    return decision.to_json()


@task(name="metrics-artifact", cache_policy=NONE)
def metrics_artifact_task(summary: TrainSummary, metrics: dict[str, Any]) -> None:
    """A table artifact `model-metrics`: one row per split and class."""
    rows = []
    for split in ("validation", "test"):
        m = metrics[split]
        rows.append(
            {
                "model_id": summary.model_id,
                "split": split,
                "class": "(all)",
                "n": m["n"],
                "accuracy": round(m["accuracy"], 4),
                "macro_f1": round(m["macro_f1"], 4),
                "precision": None,
                "recall": None,
                "ece": round(m["ece"], 4),
            }
        )
        for name, c in m["per_class"].items():
            rows.append(
                {
                    "model_id": summary.model_id,
                    "split": split,
                    "class": name,
                    "n": c["support"],
                    "accuracy": None,
                    "macro_f1": None,
                    "precision": round(c["precision"], 4),
                    "recall": round(c["recall"], 4),
                    "ece": None,
                }
            )
    create_table_artifact(
        table=rows,
        key="model-metrics",
        description=f"Evaluation of {summary.model_id} on dataset {summary.dataset_version}",
    )
