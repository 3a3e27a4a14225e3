"""The compress flow's answer (`CompressSummary`): the parent, one row per candidate, the choice.

A candidate's row is a plain dict on purpose: a candidate that failed to build has only its
id, kind and error, a measured one every figure (`candidate_row`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sentiflow.tasks.compress.measure import compare
from sentiflow.tasks.core.summary import Summary

if TYPE_CHECKING:
    from sentiflow.tasks.compress.auto import CandidateSpec
    from sentiflow.tasks.compress.job import CompressionJob
    from sentiflow.tasks.compress.measure import Evaluation


@dataclass(frozen=True)
class ParentFacts:
    """The model compressed, as measured in this run."""

    model_id: str
    kind: str
    size_bytes: int
    parameters: int
    latency_ms_p50: float
    latency_ms_p95: float
    throughput: float
    validation_accuracy: float
    test_accuracy: float
    test_macro_f1: float


@dataclass(frozen=True)
class Choice:
    """Which candidate was chosen (if any met the budget), and whether it was promoted."""

    chosen: str | None
    reason: str
    closest: str | None  # with nothing chosen: the candidate nearest the budget
    promoted: bool
    promotion_note: str


@dataclass(frozen=True)
class CompressSummary(Summary):
    """What `sentiflow compress` prints and the compress flow returns (as JSON)."""

    parent: ParentFacts
    dataset_version: str
    method: str
    profile: str
    max_accuracy_drop: float
    candidates: list[dict[str, Any]]  # candidate_row per candidate
    chosen: str | None
    reason: str
    closest: str | None
    promoted: bool
    promotion_note: str
    # teacher distillation: the fp32 student and its transfer set's rows by part
    student_id: str | None = None
    teachers: list[str] | None = None
    transfer_rows: dict[str, int] | None = None

    @classmethod
    def of(
        cls,
        job: CompressionJob,
        parent: Evaluation,
        rows: list[dict[str, Any]],
        choice: Choice,
        transfer_rows: dict[str, int] | None = None,
    ) -> CompressSummary:
        student = next((r["model_id"] for r in rows if r["kind"] == "distilled"), None) if job.teaching else None
        return cls(
            parent=ParentFacts(
                model_id=job.parent.model_id,
                kind=job.parent.kind,
                size_bytes=parent.size_bytes,
                parameters=parent.parameters,
                latency_ms_p50=parent.latency_ms_p50,
                latency_ms_p95=parent.latency_ms_p95,
                throughput=parent.throughput,
                validation_accuracy=parent.validation["accuracy"],
                test_accuracy=parent.test["accuracy"],
                test_macro_f1=parent.test["macro_f1"],
            ),
            dataset_version=job.dataset_version,
            method=job.method,
            profile=job.profile.name,
            max_accuracy_drop=job.max_accuracy_drop,
            candidates=rows,
            chosen=choice.chosen,
            reason=choice.reason,
            closest=choice.closest,
            promoted=choice.promoted,
            promotion_note=choice.promotion_note,
            student_id=student,
            teachers=list(job.teachers) if job.teaching else None,
            transfer_rows=transfer_rows,
        )

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {"chosen": self.chosen, "reason": self.reason, "seconds": seconds, "candidates": len(self.candidates)}


def candidate_row(
    job: CompressionJob,
    spec: CandidateSpec,
    model_id: str,
    model: Evaluation | None,
    parent: Evaluation,
    reused: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    """One line of the summary and of the artifact table."""
    row: dict[str, Any] = {"model_id": model_id, "kind": spec.kind, "reused": reused, "error": error}
    if model is None:
        return row
    ratios = compare(model, parent)
    return row | {
        "size_bytes": model.size_bytes,
        "parameters": model.parameters,
        "latency_ms_p50": model.latency_ms_p50,
        "latency_ms_p95": model.latency_ms_p95,
        "throughput": model.throughput,
        "validation_accuracy": model.validation["accuracy"],
        "test_accuracy": model.test["accuracy"],
        "test_macro_f1": model.test["macro_f1"],
        "agreement": model.test["agreement"],
        "accuracy_drop_points": ratios["validation_accuracy_drop_points"],
        "size_ratio": ratios["size_ratio"],
        "throughput_ratio": ratios["throughput_ratio"],
        "within_budget": ratios["validation_accuracy_drop_points"] <= job.max_accuracy_drop,
        "temperature": model.temperature,
    }
