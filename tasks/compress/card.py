"""The compressed model's card sections: what was done, and what it cost.

The frame (front matter, lineage, text preprocessing, use) is the one every model card shares:
tasks/models/card.py.

The figures come from `measure.Evaluation` for the model and its parent, measured in the same
run on the same splits and hardware, so every ratio on the card compares like with like.
"""

from __future__ import annotations

from typing import Any

from sentiflow.tasks.compress.measure import Evaluation, compare
from sentiflow.tasks.models import card
from sentiflow.tasks.models.record import ModelRecord


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _row(name: str, e: Evaluation, agreement: str) -> str:
    return (
        f"| {name} | {_mb(e.size_bytes)} | {e.parameters:,} | {e.latency_ms_p50:.1f} / {e.latency_ms_p95:.1f} | "
        f"{e.throughput:.0f} | {e.validation['accuracy']:.4f} | {e.test['accuracy']:.4f} | "
        f"{e.test['macro_f1']:.4f} | {agreement} |"
    )


def describe_method(details: dict[str, Any]) -> list[str]:
    """One bullet per step that produced the model (distill / prune / quantize)."""
    lines = []
    if "distill" in details:
        d = details["distill"]
        t = d["training"]
        lines.append(
            f"- distilled into {d['student_layers']} of {d['parent_layers']} layers, initialised from parent layers "
            f"{d['initialised_from_parent_layers']}; {t['steps']} steps, loss {t['loss_first']} -> {t['loss_last']}"
        )
    if "teach" in details:
        d = details["teach"]
        t, rows = d["training"], d["transfer_rows"]
        lines.append(
            f"- distilled from {len(d['teachers'])} teacher(s) ({', '.join(d['teachers'])}; averaged calibrated "
            f"probabilities) into `{d['student_base']}` ({d['student_layers']} layers); loss: KL to the teachers at "
            f"temperature {d['temperature']:g} (weight {d['alpha']:g}) plus cross-entropy on gold labels where a "
            f"row has one; {t['steps']} steps, loss {t['loss_first']} -> {t['loss_last']}"
        )
        lines.append(
            f"- transfer set: {rows['labelled']} labelled train texts, {rows['unlabelled']} unlabelled lake documents, "
            f"{rows['augmented']} augmented texts (vocabulary-neighbour word swaps, labelled by the teachers); "
            f"removed: {d['transfer_removed'] or 'nothing'} (lake rows in the dataset, near-duplicates of "
            "validation/test texts by curation's leakage check)"
        )
    if "prune" in details:
        p = details["prune"]
        lines.append(
            f"- pruned: removed layers {p['removed_layers'] or 'none'} (kept {p['kept_layers']}), FFN neurons "
            f"{p['ffn_neurons_before']} -> {p['ffn_neurons_after']} per layer; {p['parameters_removed']:,} "
            f"parameters removed ({p['parameters_before']:,} -> {p['parameters_after']:,})"
        )
        if p.get("recovery"):
            r = p["recovery"]
            lines.append(
                f"- recovered by distillation from the parent: {r['steps']} steps, loss "
                f"{r['loss_first']} -> {r['loss_last']}"
            )
    if "quantize" in details:
        q = details["quantize"]
        lines.append(
            f"- int8 dynamic quantization with ONNX Runtime (per-channel weights, {q['onnx_file']}): "
            f"{_mb(q['fp32_bytes'])} fp32 graph -> {_mb(q['int8_bytes'])}"
        )
    return lines


def render_card(
    record: ModelRecord, model: Evaluation, parent: Evaluation, details: dict[str, Any], environment: dict[str, Any]
) -> str:
    """Markdown for models/ID/README.md: the compress stage's sections in the common card frame."""
    ratios = compare(model, parent)
    measured = [
        f"Same run, same hardware ({environment['hardware']}), same splits of dataset `{record.dataset_version}`; "
        f"throughput over the test split in length-sorted batches of {environment['batch_size']}, latency over "
        f"{environment['latency_samples']} single-text calls. Agreement: share of test texts where this model "
        "predicts the parent's class.",
        "",
        "| model | size on disk | parameters | latency p50 / p95 (ms) | texts/s | validation acc. | test acc. "
        "| test macro-F1 | agreement |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        _row(f"parent `{record.parent_id}`", parent, "1.0000"),
        _row(f"this model ({record.kind})", model, f"{model.test['agreement']:.4f}"),
        "",
        f"Against the parent: {ratios['size_ratio']}x smaller on disk, {ratios['throughput_ratio']}x its batch "
        f"throughput, {ratios['latency_p50_ratio']}x its speed at batch size 1 (p50); accuracy drop "
        f"{ratios['validation_accuracy_drop_points']} points on validation, "
        f"{ratios['test_accuracy_drop_points']} on test.",
        "",
        f"Calibration: temperature T = {model.temperature} ({model.temperature_source}; the parent's is "
        f"{parent.temperature}).",
    ]
    description = (
        f"A {record.kind} version of `{record.parent_id}` ({', '.join(record.labels)}), made by `sentiflow compress`."
    )
    return card.render_card(
        record,
        description,
        [
            card.CardSection("How it was made", describe_method(details)),
            card.CardSection("Measured against the parent", measured),
            card.CardSection(
                "Limits", ["Those of the parent, plus the accuracy drop and disagreement measured above."]
            ),
        ],
    )
