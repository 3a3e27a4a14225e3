"""The compress flow: a fine-tuned model -> smaller, faster candidates, measured against it."""

from __future__ import annotations

from typing import Any

from prefect import flow

from sentiflow.tasks.compress.job import CompressRequest
from sentiflow.tasks.compress.prefect_tasks import (
    artifact_task,
    candidate_task,
    choose_task,
    eval_sets_task,
    measure_parent_task,
    prepare_task,
    publish_task,
    speed_task,
    training_data_task,
)
from sentiflow.tasks.compress.summary import Choice, CompressSummary


@flow(name="compress", flow_run_name="compress-{model}-{method}-{profile}")
def compress_flow(
    home: str,
    model: str = "production",
    method: str = "auto",
    max_accuracy_drop: float = 1.0,
    target_layers: int | None = None,
    seed: int = 42,
    max_minutes: float | None = None,
    profile: str = "quick",
    dataset: str | None = None,
    promote: bool = True,
    teachers: list[str] | None = None,
    student_base: str | None = None,
    transfer: list[str] | None = None,
    transfer_max: int | None = None,
    augment: int = 0,
) -> dict[str, Any]:
    """Quantize, prune and/or distil `model`; return the fastest candidate within
    `max_accuracy_drop` points of its validation accuracy (promoted if the parent was production).
    With `student_base`: distil `model` and `teachers` into that student on a transfer set (the
    train split, `transfer` lake sources, `augment` variants per text). Returns a CompressSummary's
    JSON form."""
    # first, while locals() holds only the parameters: they are CompressRequest's fields, plus home
    request = CompressRequest.from_flow({name: value for name, value in locals().items() if name != "home"})
    job = prepare_task(home, request)
    data = eval_sets_task(job)
    training = training_data_task(job)
    parent = measure_parent_task(job, data)
    results = []
    for spec in job.plan:  # in order: a quantized candidate starts from the fp32 one before it
        build = candidate_task.with_options(task_run_name=f"candidate-{spec.tag()}")
        results.append(build(job, spec, training, data, parent, list(results)))
    parent, results = speed_task(job, data, parent, results)
    rows = [publish_task(job, result, parent, data) for result in results]
    choice = choose_task(job, rows)
    if job.teaching and job.promote and choice.chosen and not choice.promoted:
        choice = _student_challenges_production(job, choice)
    makeup = training.transfer.makeup if training is not None and training.transfer is not None else None
    summary = CompressSummary.of(job, parent, rows, choice, makeup)
    artifact_task(summary)
    return summary.to_json()


def _student_challenges_production(job, choice: Choice) -> Choice:
    """A student whose teacher is not production competes like any candidate: it replaces production
    only when it beats production's test macro-F1 on its own test split (tasks/train/promotion.py)."""
    from dataclasses import replace

    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.train.promotion import promote_if_better

    decision = promote_if_better(Home.at(job.home), choice.chosen)
    return replace(choice, promoted=decision.promote, promotion_note=f"{choice.chosen}: {decision.reason}")
