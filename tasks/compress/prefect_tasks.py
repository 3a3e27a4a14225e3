"""Prefect tasks around the pure compression modules: inputs in, pure call, summary back.

A candidate that fails to build (an export the ONNX exporter cannot handle, say) becomes a row
with its error in the summary; the other candidates still run and the choice is made among
those that were measured.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from sentiflow.tasks.compress import candidates as cand
from sentiflow.tasks.compress.auto import CandidateSpec, Outcome, choose
from sentiflow.tasks.compress.job import (
    CompressionJob,
    CompressRequest,
    TrainingData,
    load_eval_sets,
    load_training_data,
    prepare_job,
)
from sentiflow.tasks.compress.measure import EvalSets, Evaluation
from sentiflow.tasks.compress.summary import Choice, CompressSummary, candidate_row
from sentiflow.tasks.core import progress
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.retry import IO_RETRIES
from sentiflow.tasks.warehouse.registry import promote


def _log(message: str) -> None:
    """A line to the run log and, as a Note, to this process's listeners (the CLI's status line)."""
    get_run_logger().info(message)
    progress.publish(progress.Note("compress", message))


@task(name="plan-compression", cache_policy=NONE)
def prepare_task(home: str, request: CompressRequest) -> CompressionJob:
    """Check the inputs, find the parent, plan the candidates."""
    from sentiflow.tasks.models.runtime import quiet_transformers

    quiet_transformers()
    job = prepare_job(Home.at(home), request)
    _log(
        f"parent {job.parent.model_id} ({job.parent.kind}); dataset {job.dataset_version}; "
        f"candidates: {', '.join(job.model_id(s) for s in job.plan)}"
    )
    return job


@task(name="load-evaluation-data", cache_policy=NONE, **IO_RETRIES)
def eval_sets_task(job: CompressionJob) -> EvalSets:
    """Validation and test texts with gold labels, and the latency sample."""
    return load_eval_sets(job)


@task(name="training-data", cache_policy=NONE)
def training_data_task(job: CompressionJob) -> TrainingData | None:
    """The tokenised train sample and the parent as teacher (only when a candidate trains)."""
    if not any(spec.trains for spec in job.plan):
        return None
    return load_training_data(job, log=_log)


@task(name="measure-parent", cache_policy=NONE)
def measure_parent_task(job: CompressionJob, data: EvalSets) -> Evaluation:
    """The parent's accuracy figures, measured in this run."""
    parent = cand.measure_parent(job, data)
    _log(
        f"parent: validation accuracy {parent.accuracy:.4f}, test accuracy {parent.test['accuracy']:.4f}, "
        f"{parent.size_bytes / 1e6:.1f} MB"
    )
    return parent


@task(name="compress-candidate", cache_policy=NONE)
def candidate_task(
    job: CompressionJob,
    spec: CandidateSpec,
    training: TrainingData | None,
    data: EvalSets,
    parent: Evaluation,
    earlier: list[cand.CandidateResult],
) -> cand.CandidateResult:
    """Build (or reuse) one candidate and measure its accuracy; a failure is returned as data."""
    result = cand.CandidateResult(spec, job.model_id(spec))
    try:
        result.built = cand.build_candidate(job, spec, training, earlier, log=_log)
        result.evaluation = cand.measure_candidate(job, result.built, data, parent)
    except Exception as exc:  # one candidate's failure must not lose the others
        result.error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        get_run_logger().warning(f"{result.model_id} failed: {result.error}")
    else:
        _log(
            f"{result.model_id}: validation accuracy {result.evaluation.accuracy:.4f} "
            f"(parent {parent.accuracy:.4f}), test agreement {result.evaluation.test['agreement']:.4f}"
        )
    return result


@task(name="measure-speed", cache_policy=NONE)
def speed_task(
    job: CompressionJob, data: EvalSets, parent: Evaluation, results: list[cand.CandidateResult]
) -> tuple[Evaluation, list[cand.CandidateResult]]:
    """Throughput and latency of the parent and every candidate, taking turns."""
    parent, results = cand.measure_speeds(job, data, parent, results)
    _log(
        f"parent: {parent.throughput:.0f} texts/s, p50 {parent.latency_ms_p50:.1f} ms; "
        + "; ".join(
            f"{r.model_id}: {r.evaluation.throughput:.0f} texts/s, p50 {r.evaluation.latency_ms_p50:.1f} ms"
            for r in results
            if r.evaluation
        )
    )
    return parent, results


@task(name="publish-candidate", cache_policy=NONE, **IO_RETRIES)
def publish_task(
    job: CompressionJob, result: cand.CandidateResult, parent: Evaluation, data: EvalSets
) -> dict[str, Any]:
    """Card, metrics.json, models/ID, registry; the candidate's summary row."""
    if result.error is not None:
        return candidate_row(job, result.spec, result.model_id, None, parent, error=result.error)
    cand.publish_candidate(job, result.built, result.evaluation, parent, cand.environment(job, data))
    row = candidate_row(job, result.spec, result.model_id, result.evaluation, parent, reused=result.built.reused)
    _log(
        f"{result.model_id}: {row['size_ratio']}x smaller, {row['throughput_ratio']}x throughput, "
        f"accuracy drop {row['accuracy_drop_points']:.2f} points, agreement {row['agreement']:.4f}"
    )
    return row


@task(name="choose-candidate", cache_policy=NONE)
def choose_task(job: CompressionJob, rows: list[dict[str, Any]]) -> Choice:
    """The fastest candidate within the budget; promoted when it replaces a production parent."""
    outcomes = [
        Outcome(r["model_id"], r["kind"], r["accuracy_drop_points"], r["throughput"])
        for r in rows
        if r["error"] is None
    ]
    decision = choose(outcomes, job.max_accuracy_drop)
    promoted = bool(decision.chosen) and job.promote and job.parent.stage == "production"
    if promoted:
        promote(Home.at(job.home), decision.chosen)
        note = f"{decision.chosen} replaces its parent {job.parent.model_id} as the production model"
    elif decision.chosen and job.parent.stage != "production":
        note = f"not promoted: the parent {job.parent.model_id} is not the production model"
    elif decision.chosen:
        note = "not promoted (--no-promote)"
    else:
        note = "nothing promoted: no candidate met the accuracy budget"
    _log(decision.reason)
    _log(note)
    return Choice(decision.chosen, decision.reason, decision.closest, promoted, note)


@task(name="candidates-artifact", cache_policy=NONE)
def artifact_task(summary: CompressSummary) -> None:
    """Table artifact `compression-candidates`: the parent and one row per candidate."""
    columns = (
        "model_id",
        "kind",
        "size_bytes",
        "parameters",
        "latency_ms_p50",
        "latency_ms_p95",
        "throughput",
        "validation_accuracy",
        "test_accuracy",
        "test_macro_f1",
    )
    parent = asdict(summary.parent)
    table = [
        {
            **{c: parent[c] for c in columns},
            "agreement": 1.0,
            "accuracy_drop_points": 0.0,
            "chosen": False,
            "error": None,
        }
    ]
    for row in summary.candidates:
        table.append(
            {
                **{c: row.get(c) for c in columns},
                "agreement": row.get("agreement"),
                "accuracy_drop_points": row.get("accuracy_drop_points"),
                "chosen": row["model_id"] == summary.chosen,
                "error": row["error"],
            }
        )
    create_table_artifact(
        table=table,
        key="compression-candidates",
        description=f"Compression of {summary.parent.model_id}: {summary.reason}",
    )
