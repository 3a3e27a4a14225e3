"""Which model serves after a retrain (flows/production.py), on registry records alone."""

from __future__ import annotations

from sentiflow.flows.production import choose_production, serving_lineage
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse.registry import production_model, register

LABELS = ["negative", "positive"]


def add(home, model_id, test_f1, parent=None, kind="finetuned"):
    folder = home.model(model_id)
    folder.mkdir(parents=True)
    (folder / "weights").write_bytes(b"0" * 10)
    metrics = {"test": {"macro_f1": test_f1, "accuracy": test_f1}} if test_f1 is not None else {}
    register(
        home,
        ModelRecord(
            model_id=model_id,
            base_model="tiny",
            kind=kind,
            format="onnx" if parent else "torch",
            labels=LABELS,
            path=f"models/{model_id}",
            parent_id=parent,
            dataset_version="v1",
            metrics=metrics,
        ),
    )


def test_first_compressed_choice_serves_then_reruns_change_nothing(home):
    add(home, "p1", 0.80)
    add(home, "p1-int8", 0.79, parent="p1", kind="quantized")
    first = choose_production(home, "p1", "p1-int8")
    assert first.changed and first.production_id == "p1-int8" and "first model" in first.reason
    again = choose_production(home, "p1", "p1-int8")
    assert not again.changed and again.production_id == "p1-int8"
    assert serving_lineage(home, "p1") == "p1-int8" and serving_lineage(home, "p2") is None


def test_a_challenger_is_compared_as_it_would_serve(home):
    add(home, "p1", 0.80)
    add(home, "p1-int8", 0.79, parent="p1", kind="quantized")
    choose_production(home, "p1", "p1-int8")
    # p2 beats p1, but its int8 child (what would serve) does not beat p1-int8: nothing changes
    add(home, "p2", 0.81)
    add(home, "p2-int8", 0.785, parent="p2", kind="quantized")
    kept = choose_production(home, "p2", "p2-int8")
    assert not kept.changed and kept.challenger_id == "p2-int8" and production_model(home).model_id == "p1-int8"
    # p3's child beats production: it is promoted, the old one archived
    add(home, "p3", 0.86)
    add(home, "p3-int8", 0.85, parent="p3", kind="quantized")
    won = choose_production(home, "p3", "p3-int8")
    assert won.changed and won.previous_id == "p1-int8" and production_model(home).model_id == "p3-int8"


def test_without_a_usable_compressed_model_the_fine_tune_competes(home):
    add(home, "p1", 0.70)
    assert choose_production(home, "p1", None).production_id == "p1"
    add(home, "p2", 0.75)
    add(home, "p2-pruned", None, parent="p2", kind="pruned")  # no test metrics to compare
    decision = choose_production(home, "p2", "p2-pruned")
    assert decision.changed and decision.production_id == "p2" and "has no test metrics" in decision.reason
