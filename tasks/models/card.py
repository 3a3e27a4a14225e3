"""The model card (README.md in a model folder), in the Hugging Face card layout: one renderer.

Every card has the same frame: YAML front matter the hub and `huggingface_hub.ModelCard` read,
a title and a one-line description, the lineage and text preprocessing from the model's
record, the stage's own sections, and how to use it. A stage supplies only its own
sections: train its hyperparameters, metrics and training run; compress how the model was made
and what it measured against its parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sentiflow.tasks.models.record import ModelRecord


@dataclass(frozen=True)
class CardSection:
    title: str
    lines: Sequence[str]


def _front_matter(record: ModelRecord) -> list[str]:
    library = "onnx" if record.format == "onnx" else "transformers"
    tags = ["sentiment", "sentiflow", *(k for k in record.kind.split("+") if k != "finetuned")]
    return [
        "---",
        f"library_name: {library}",
        "pipeline_tag: text-classification",
        f"base_model: {record.base_model}",
        f"tags: [{', '.join(tags)}]",
        "---",
    ]


def _lineage(record: ModelRecord) -> CardSection:
    lines = [f"- base model: `{record.base_model}`"]
    if record.parent_id:
        lines.append(f"- parent: `{record.parent_id}`")
    lines += [
        f"- dataset version: `{record.dataset_version}` (sentiflow curated dataset; test split held out)",
        f"- created: {record.created_at.isoformat(timespec='seconds')}",
    ]
    if record.preprocessing is None:
        lines.append("- text preprocessing: none (the model was trained on raw text)")
    else:
        settings = ", ".join(f"{k}={v}" for k, v in record.preprocessing.to_json()["normalize_text"].items())
        lines.append(
            f"- text preprocessing: curation's normalize_text ({settings}), recorded in `sentiflow.json` and "
            "applied to raw text by sentiflow's backends before tokenising"
        )
    return CardSection("Lineage", lines)


def _use(record: ModelRecord) -> CardSection:
    lines = [
        "```python",
        "from sentiflow.tasks.models.classifier import predict_proba",
        "from sentiflow.tasks.models.loading import load_classifier",
        "",
        f'clf = load_classifier("models/{record.model_id}")  # applies its preprocessing and temperature',
        'probs = predict_proba(clf, ["what a great film"])',
        "```",
    ]
    if record.format == "torch":
        lines += [
            "",
            'A plain `transformers.pipeline("text-classification", model=FOLDER)` loads it too; it gives the '
            "same labels on text already preprocessed, but applies neither the preprocessing nor the "
            "calibration temperature.",
        ]
    return CardSection("Use", lines)


def render_card(record: ModelRecord, description: str, sections: Sequence[CardSection]) -> str:
    """Markdown for models/ID/README.md: the common frame around a stage's own sections."""
    lines = [*_front_matter(record), "", f"# {record.model_id}", "", description, ""]
    for section in (_lineage(record), *sections, _use(record)):
        lines += [f"## {section.title}", "", *section.lines, ""]
    return "\n".join(lines)
