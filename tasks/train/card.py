"""The fine-tuned model's card sections: hyperparameters, metrics, the training run, limits.

The frame (front matter, lineage, text preprocessing, use) is the one every model card shares:
tasks/models/card.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sentiflow.tasks.models import card
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.models.training.config import TrainConfig

_HYPERPARAMETERS = (
    ("epochs", "epochs"),
    ("batch_size", "batch size"),
    ("lr", "peak learning rate"),
    ("weight_decay", "weight decay"),
    ("warmup_ratio", "warm-up share of steps"),
    ("max_grad_norm", "gradient clipping (L2)"),
    ("max_seq_len", "max sequence length (tokens)"),
    ("max_steps", "step cap"),
    ("max_train_examples", "train sample cap"),
    ("patience", "early-stopping patience (evaluations)"),
    ("max_minutes", "time budget (minutes)"),
    ("seed", "seed"),
)


def _metrics_rows(metrics: dict[str, Any]) -> list[str]:
    rows = [
        "| split | examples | accuracy | macro-F1 | ECE (calibrated) | ECE (T = 1) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for split in ("validation", "test"):
        m = metrics[split]
        rows.append(
            f"| {split} | {m['n']} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | "
            f"{m['ece']:.4f} | {m.get('ece_uncalibrated', m['ece']):.4f} |"
        )
    rows += [
        "",
        "Per class on test:",
        "",
        "| class | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, c in metrics["test"]["per_class"].items():
        rows.append(f"| {name} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | {c['support']} |")
    labels = metrics["test"]["labels"]
    rows += [
        "",
        "Confusion matrix on test (rows: true class, columns: predicted):",
        "",
        "| | " + " | ".join(labels) + " |",
        "| --- |" + " ---: |" * len(labels),
    ]
    for name, row in zip(labels, metrics["test"]["confusion_matrix"]):
        rows.append(f"| **{name}** | " + " | ".join(str(v) for v in row) + " |")
    return rows


def render_card(record: ModelRecord, config: TrainConfig, metrics: dict[str, Any], training: dict[str, Any]) -> str:
    """Markdown for models/ID/README.md: the train stage's sections in the common card frame."""
    values = asdict(config)
    calibration = metrics["calibration"]
    minutes = training.get("wall_seconds", 0) / 60
    hyperparameters = [
        "| setting | value |",
        "| --- | --- |",
        *(f"| {label} | {values[key] if values[key] is not None else 'none'} |" for key, label in _HYPERPARAMETERS),
        "| optimizer | AdamW, linear warm-up then linear decay to 0 |",
    ]
    measured = [
        *_metrics_rows(metrics),
        "",
        f"Calibration: temperature T = {calibration['temperature']:.4f}, fitted on validation by minimising "
        f"negative log-likelihood; validation ECE {calibration['ece_before']:.4f} -> {calibration['ece_after']:.4f} "
        "(15 bins). The temperature is stored in `config.json` (`sentiflow_temperature`) and `sentiflow.json`; "
        "sentiflow's scoring divides logits by it. A plain `transformers.pipeline` ignores it: "
        "its labels are right, its probabilities uncalibrated.",
    ]
    run = [
        f"- steps: {training['steps']} of {training['total_steps']} planned; stop: {training['stop_reason']}; "
        f"best checkpoint at step {training['best_step']} (validation macro-F1 {training['best_validation_macro_f1']:.4f})",
        f"- training time: {minutes:.1f} min wall clock, {training['samples_per_second']:.0f} samples/s "
        f"over {training['train_examples']} train examples",
        f"- hardware: {training['hardware']}",
    ]
    limits = [
        "- Intended: batch sentiment scoring of short English texts like the training data "
        "(tweets, review sentences), to measure sentiment in aggregate.",
        "- Not intended: decisions about individual people, or text far from the training domain "
        "(other languages, long documents: texts are truncated to "
        f"{config.max_seq_len} tokens in training).",
        "- Sarcasm, negation across clauses and mixed sentiment are common errors; check the "
        "confusion matrix above for which classes are confused.",
        "- Labels come from the curated dataset; any bias in how it was labelled is learned too.",
    ]
    description = (
        f"A {len(record.labels)}-class sentiment classifier ({', '.join(record.labels)}) fine-tuned by sentiflow."
    )
    return card.render_card(
        record,
        description,
        [
            card.CardSection("Hyperparameters", hyperparameters),
            card.CardSection("Metrics", measured),
            card.CardSection("Training", run),
            card.CardSection("Intended use and limits", limits),
        ],
    )
