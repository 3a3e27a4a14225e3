"""Build, measure and publish candidate models.

  build_candidate    distil / prune / quantize into runs/compress-ID/ (a staging folder), or
                     find the finished model a previous run with the same settings built
  measure_candidate  load it through `load_classifier`; accuracy and agreement vs the parent
  measure_speeds     throughput and latency of the parent and every candidate, in turns
  publish_candidate  metrics.json, model card, temperature; move into models/ID; register

A half-built candidate never appears under models/: it is published by one rename.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sentiflow.tasks.compress.auto import FFN_KEEP_RATIO, CandidateSpec
from sentiflow.tasks.compress.card import render_card
from sentiflow.tasks.compress.job import CompressionJob, Log, TrainingData
from sentiflow.tasks.compress.measure import BATCH_SIZE, EvalSets, Evaluation, compare, evaluate, measure_speed
from sentiflow.tasks.core.atomic import write_json, write_text
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import META_FILE, PARENT_ON_SAME_ROWS, ModelRecord, folder_size, read_meta
from sentiflow.tasks.warehouse.registry import register

METRICS_FILE = "metrics.json"
TEMPERATURE_KEY = "sentiflow_temperature"  # as the training stage writes it into config.json


@dataclass
class BuiltCandidate:
    spec: CandidateSpec
    model_id: str
    folder: Path  # staging folder, or models/ID when reused
    format: str  # torch | onnx
    parameters: int
    details: dict[str, Any] = field(default_factory=dict)  # per step: what was done
    reused: bool = False


@dataclass
class CandidateResult:
    """One planned candidate after building and measuring: a model, or the error that stopped it."""

    spec: CandidateSpec
    model_id: str
    built: BuiltCandidate | None = None
    evaluation: Evaluation | None = None
    error: str | None = None


def _finished(folder: Path) -> bool:
    return (folder / META_FILE).is_file() and (folder / METRICS_FILE).is_file()


def _record(job: CompressionJob, built: BuiltCandidate, temperature: float = 1.0) -> ModelRecord:
    """The candidate's record; it inherits its parent's text preprocessing (students and int8
    copies learn from and mimic the parent on the same preprocessed text)."""
    parent = job.parent
    # read from the parent's folder: the registry table (where job.parent comes from) does not
    # hold the preprocessing
    preprocessing = read_meta(job.parent_dir).preprocessing
    base_model = parent.base_model
    if job.teaching:  # a separate student: its own base, trained on the dataset's preprocessed text
        from sentiflow.tasks.compress.teaching import student_base_name
        from sentiflow.tasks.models.preprocessing import dataset_preprocessing

        preprocessing = dataset_preprocessing(Home.at(job.home), job.dataset_version)
        base_model = student_base_name(job.student_base)
    return ModelRecord(
        model_id=built.model_id,
        base_model=base_model,
        kind=built.spec.kind,
        format=built.format,
        labels=list(parent.labels),
        path=f"models/{built.model_id}",
        parent_id=parent.model_id,
        dataset_version=job.dataset_version,
        temperature=temperature,
        preprocessing=preprocessing,
    )


def build_candidate(
    job: CompressionJob,
    spec: CandidateSpec,
    training: TrainingData | None,
    earlier: list[CandidateResult] = (),
    log: Log | None = None,
) -> BuiltCandidate:
    """The candidate's model files, built now or found finished from an earlier run.

    A quantize step after distil/prune starts from that fp32 candidate, found among `earlier`.
    """
    from sentiflow.tasks.compress.encoder import count_parameters, load_torch_model

    home = Home.at(job.home)
    model_id = job.model_id(spec)
    final = home.model(model_id)
    if _finished(final):
        stored = json.loads((final / METRICS_FILE).read_text(encoding="utf-8"))
        if log:
            log(f"{model_id}: built by an earlier run with the same settings; measuring it again")
        return BuiltCandidate(
            spec, model_id, final, read_meta(final).format, stored["parameters"], stored["details"], reused=True
        )

    staging = home.runs / f"compress-{model_id}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if spec.steps[0] == "quantize" or len(spec.steps) > 1:
        source, details = job.parent_dir, {}
        if spec.source is not None:
            found = next((r.built for r in earlier if r.spec == spec.source and r.built), None)
            if found is None:
                raise RuntimeError(f"its source candidate {job.model_id(spec.source)} was not built")
            source, details = found.folder, dict(found.details)
        model, tokenizer = load_torch_model(source)
        details["quantize"] = _quantize(model, tokenizer, staging, log).to_json()
        fmt = "onnx"
    elif job.teaching:
        from sentiflow.tasks.compress.teaching import train_student_from_teachers

        if training is None or training.transfer is None:
            raise ValueError("a student needs its transfer set")
        model, tokenizer, details = train_student_from_teachers(job, training.transfer, log)
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        fmt = "torch"
    else:
        model, tokenizer = load_torch_model(job.parent_dir)
        model, details = _structural(job, spec, model, training, log)
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        fmt = "torch"
    built = BuiltCandidate(spec, model_id, staging, fmt, count_parameters(model), details)
    # load_classifier dispatches on sentiflow.json: a provisional one lets measuring use it
    write_json(_record(job, built).to_json(), staging / META_FILE)
    return built


def _quantize(model, tokenizer, out_dir: Path, log: Log | None):
    from sentiflow.tasks.compress.quantize import quantize_model

    report = quantize_model(model, tokenizer, out_dir)
    if log:
        log(
            f"int8: {report.fp32_bytes / 1e6:.1f} MB fp32 graph -> {report.int8_bytes / 1e6:.1f} MB ({report.onnx_file})"
        )
    return report


def _structural(
    job: CompressionJob, spec: CandidateSpec, parent, training: TrainingData | None, log: Log | None
) -> tuple[Any, dict[str, Any]]:
    from sentiflow.tasks.compress.distill import DistillConfig, distill
    from sentiflow.tasks.compress.prune import PruneConfig, prune

    if training is None:
        raise ValueError(f"{spec.kind} needs training data")
    if spec.steps[0] == "distill":
        config = DistillConfig(layers=spec.layers, training=job.profile.distill)
        model, report = distill(
            parent, training.pad_id, training.split, training.targets, config, model_id=job.parent.model_id, log=log
        )
        return model, {"distill": report.to_json()}
    config = PruneConfig(
        layers=spec.layers,
        ffn_keep_ratio=FFN_KEEP_RATIO,
        importance_batches=job.profile.importance_batches,
        recovery=job.profile.prune_recovery,
    )
    model, report = prune(
        parent,
        training.pad_id,
        training.split,
        config,
        recovery_data=(training.split, training.targets),
        model_id=job.parent.model_id,
        log=log,
    )
    return model, {"prune": report.to_json()}


def measure_parent(job: CompressionJob, data: EvalSets) -> Evaluation:
    from sentiflow.tasks.compress.encoder import count_parameters
    from sentiflow.tasks.models.loading import load_classifier

    clf = load_classifier(job.parent_dir, device="cpu", threads=job.threads)
    return evaluate(clf, data, folder_size(job.parent_dir), count_parameters(clf.model))


def measure_candidate(job: CompressionJob, built: BuiltCandidate, data: EvalSets, parent: Evaluation) -> Evaluation:
    from sentiflow.tasks.models.loading import load_classifier

    clf = load_classifier(built.folder, device="cpu", threads=job.threads)
    return evaluate(clf, data, folder_size(built.folder), built.parameters, parent=parent)


def measure_speeds(
    job: CompressionJob, data: EvalSets, parent: Evaluation, results: list[CandidateResult]
) -> tuple[Evaluation, list[CandidateResult]]:
    """The parent and the results again, with throughput and latency measured for each model."""
    from sentiflow.tasks.models.loading import load_classifier

    measured = [r for r in results if r.evaluation is not None and r.built is not None]
    classifiers = {"parent": load_classifier(job.parent_dir, device="cpu", threads=job.threads)}
    for r in measured:
        classifiers[r.model_id] = load_classifier(r.built.folder, device="cpu", threads=job.threads)
    speed = measure_speed(classifiers, data, job.profile.speed_repeats)
    timed = [
        replace(r, evaluation=replace(r.evaluation, **speed[r.model_id])) if r.model_id in speed else r for r in results
    ]
    return replace(parent, **speed["parent"]), timed


def environment(job: CompressionJob, data: EvalSets) -> dict[str, Any]:
    from sentiflow.tasks.models.runtime import describe_hardware

    return {
        "hardware": describe_hardware("cpu"),
        "threads": job.threads,
        "batch_size": BATCH_SIZE,
        "latency_samples": len(data.latency_texts),
        "validation_examples": len(data.validation),
        "test_examples": len(data.test),
        "profile": job.profile.name,
        "seed": job.seed,
    }


def registry_metrics(model: Evaluation, parent: Evaluation) -> dict[str, Any]:
    """The compact metrics stored in the `models` table (test.macro_f1 as training stores it)."""
    keep = ("n", "accuracy", "macro_f1", "ece", "agreement")

    def splits(evaluation: Evaluation) -> dict[str, dict[str, Any]]:
        return {
            split: {k: figures[k] for k in keep if k in figures}
            for split, figures in (("validation", evaluation.validation), ("test", evaluation.test))
        }

    return {
        **splits(model),
        "size_bytes": model.size_bytes,
        "parameters": model.parameters,
        "throughput": model.throughput,
        "latency_ms_p50": model.latency_ms_p50,
        "latency_ms_p95": model.latency_ms_p95,
        **compare(model, parent),
        PARENT_ON_SAME_ROWS: splits(parent),  # for side-by-side views
    }


def publish_candidate(
    job: CompressionJob, built: BuiltCandidate, model: Evaluation, parent: Evaluation, env: dict[str, Any]
) -> ModelRecord:
    """Write metrics.json, README.md and the temperature; move into models/ID; register."""
    home = Home.at(job.home)
    final = home.model(built.model_id)
    record = _record(job, built, model.temperature)
    if built.reused:  # keep its registry history: creation time and stage
        previous = read_meta(final)
        record.created_at, record.stage = previous.created_at, previous.stage
    record.metrics = registry_metrics(model, parent)
    if "teach" in built.details:  # lineage beyond parent_id (the first teacher): every teacher
        record.metrics["teachers"] = built.details["teach"]["teachers"]
        record.metrics["transfer_rows"] = built.details["teach"]["transfer_rows"]
    folder = built.folder if built.folder.exists() else final  # a retried publish finds it moved
    write_json(
        {
            "model_id": built.model_id,
            "kind": record.kind,
            "parent_id": record.parent_id,
            "parameters": built.parameters,
            "details": built.details,
            "environment": env,
            "model": model.to_json(),
            "parent": parent.to_json(),
            "ratios": compare(model, parent),
        },
        folder / METRICS_FILE,
    )
    write_text(render_card(record, model, parent, built.details, env), folder / "README.md")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    write_json({**config, TEMPERATURE_KEY: model.temperature}, folder / "config.json")
    if folder != final:
        shutil.rmtree(final, ignore_errors=True)  # an older copy of this id, unfinished or superseded
        final.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(final)
    record.size_bytes = None  # measured by register, with the card and metrics in place
    return register(home, record)
