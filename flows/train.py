"""The train flow: curated dataset -> fine-tuned, evaluated, calibrated, registered model."""

from __future__ import annotations

from typing import Any

from prefect import flow

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.training.named import training_config
from sentiflow.tasks.train.prefect_tasks import (
    evaluate_task,
    fine_tune_task,
    metrics_artifact_task,
    plan_training_task,
    promote_task,
    publish_task,
    reuse_task,
)
from sentiflow.tasks.train.summary import TrainSummary


@flow(name="train", flow_run_name="train-{dataset}-{profile}")
def train_flow(
    home: str,
    dataset: str = "latest",
    base_model: str | None = None,
    profile: str = "quick",
    epochs: float | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    max_seq_len: int | None = None,
    max_minutes: float | None = None,
    seed: int | None = None,
    device: str = "auto",
    resume: bool = False,
    promote_if_better: bool = False,
    config: str | None = None,
) -> dict[str, Any]:
    """Fine-tune `base_model` (default: the bundled MiniLM) on a dataset version, or reuse the
    model an identical earlier run produced; optionally promote it if it beats production.
    `config` names a saved training config (HOME/configs/NAME.json, e.g. from `sentiflow tune`):
    its profile and hyperparameters replace `profile`, and the other arguments given override it.
    Returns a TrainSummary's JSON form."""
    train_config = training_config(
        Home.at(home),
        config,
        profile,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        max_seq_len=max_seq_len,
        max_minutes=max_minutes,
        seed=seed,
        device=device,
    )
    plan = plan_training_task(home, dataset, base_model, train_config, resume)
    if plan.reuse:
        record, metrics = reuse_task(plan)
    else:
        training = fine_tune_task(plan)
        metrics = evaluate_task(plan)
        record = publish_task(plan, training, metrics)
        metrics = {**metrics, "training": training}
    decision = promote_task(home, plan.model_id) if promote_if_better else None
    summary = TrainSummary.of(plan, record, metrics, plan.reuse, decision)
    metrics_artifact_task(summary, metrics)
    return summary.to_json()
