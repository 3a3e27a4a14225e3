"""The one card frame: front matter, lineage with preprocessing, the stage's sections, use."""

from sentiflow.tasks.models.card import CardSection, render_card
from sentiflow.tasks.models.preprocessing import Preprocessing
from sentiflow.tasks.models.record import ModelRecord


def record(**overrides) -> ModelRecord:
    fields = dict(
        model_id="m-int8",
        base_model="minilm",
        kind="quantized",
        format="onnx",
        labels=["negative", "positive"],
        path="models/m-int8",
        parent_id="m",
        dataset_version="v1",
    )
    return ModelRecord(**{**fields, **overrides})


def test_card_frame_orders_lineage_then_stage_sections_then_use():
    card = render_card(record(), "A quantized version.", [CardSection("Measured", ["| a | b |"])])
    assert card.startswith("---\nlibrary_name: onnx\npipeline_tag: text-classification\nbase_model: minilm\n")
    assert "tags: [sentiment, sentiflow, quantized]" in card
    headings = [line for line in card.splitlines() if line.startswith("## ")]
    assert headings == ["## Lineage", "## Measured", "## Use"]
    assert "- parent: `m`" in card and "- dataset version: `v1`" in card
    assert "trained on raw text" in card  # no preprocessing recorded
    assert "transformers.pipeline" not in card  # an ONNX folder is not a pipeline model


def test_card_names_the_recorded_preprocessing_and_the_pipeline_caveat_for_torch():
    card = render_card(
        record(kind="finetuned", format="torch", parent_id=None, preprocessing=Preprocessing()), "A classifier.", []
    )
    assert "library_name: transformers" in card and "tags: [sentiment, sentiflow]" in card
    assert "- parent:" not in card
    assert "curation's normalize_text (" in card and "mask_urls=True" in card
    assert "applies neither the preprocessing nor the calibration temperature" in card
