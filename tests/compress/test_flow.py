"""The compress flow through the real CLI: candidates built, measured, registered, chosen and
promoted; a budget no candidate meets promotes nothing; bad input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.warehouse.registry import get_model, list_models

runner = CliRunner()


def _candidates_artifact() -> list[dict]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["compression-candidates"]))
        )
    data = max(found, key=lambda a: a.created).data
    return json.loads(data) if isinstance(data, str) else data


def test_full_auto_tries_every_kind_and_promotes_the_fastest_within_budget(full_auto):
    home, parent_id, summary = full_auto.home, full_auto.parent_id, full_auto.summary
    rows = {row["kind"]: row for row in summary["candidates"]}
    assert list(rows) == ["quantized", "distilled", "distilled+quantized", "pruned", "pruned+quantized"]
    assert all(row["error"] is None for row in rows.values())
    within = [row for row in rows.values() if row["accuracy_drop_points"] <= 1.0]
    assert all(row["within_budget"] == (row in within) for row in rows.values())
    chosen = max(within, key=lambda r: r["throughput"])["model_id"]
    assert summary["chosen"] == chosen and summary["promoted"]  # the parent was production
    assert get_model(home, "production").model_id == chosen and get_model(home, parent_id).stage == "archived"
    assert rows["quantized"]["size_ratio"] > 2 and rows["quantized"]["agreement"] >= 0.95
    assert rows["distilled"]["parameters"] < summary["parent"]["parameters"]
    assert [r["model_id"] for r in _candidates_artifact()] == [
        parent_id,
        *(r["model_id"] for r in summary["candidates"]),
    ]


def test_every_kind_is_registered_with_a_card_and_loads_through_one_interface(full_auto):
    from sentiflow.tasks.core.datasets import load_split

    home, parent_id = full_auto.home, full_auto.parent_id
    registered = {m.model_id: m for m in list_models(home)}
    test_texts = load_split(home, "v1", "test")["text"].tolist()
    parent_pred = load_classifier(home.model(parent_id), device="cpu").logits(test_texts, batch_size=64).argmax(1)
    for row in full_auto.summary["candidates"]:
        kind, record = row["kind"], registered[row["model_id"]]
        assert (record.kind, record.parent_id, record.dataset_version) == (kind, parent_id, "v1")
        assert record.format == ("onnx" if kind.endswith("quantized") else "torch")
        clf = load_classifier(home.root / record.path)  # a caller never needs to know which it has
        assert clf.labels == ["negative", "positive"] and clf.temperature == record.temperature
        assert 0.05 <= clf.temperature <= 20
        # the agreement the registry stores is what the one interface reproduces
        agreement = float(np.mean(clf.logits(test_texts, batch_size=64).argmax(1) == parent_pred))
        assert agreement == pytest.approx(record.metrics["test"]["agreement"], abs=1e-4), kind
        card = (home.root / record.path / "README.md").read_text()
        for figure in (
            "size on disk",
            "parameters",
            "latency p50 / p95",
            "texts/s",
            "test macro-F1",
            "agreement",
            "refitted on validation",
        ):
            assert figure in card, (kind, figure)
        assert record.metrics["latency_ms_p95"] > 0 and record.metrics["throughput"] > 0
    pruned = json.loads((full_auto.model_dir("pruned") / "metrics.json").read_text())
    assert len(pruned["details"]["prune"]["kept_layers"]) == 2
    assert pruned["model"]["parameters"] == pruned["details"]["prune"]["parameters_after"]


@pytest.fixture
def fragile_parent(parent_home):
    """The parent with one huge row in its word-embedding table, on a token no text uses.

    The fp32 model predicts exactly as before, but int8 gives the whole table one scale, which
    rounds every other embedding to zero: a parent whose int8 copy cannot meet any budget.
    """
    import torch

    from sentiflow.tasks.compress.encoder import load_torch_model
    from sentiflow.tasks.models.record import read_meta
    from sentiflow.tasks.warehouse.registry import promote, register

    home, parent_id = parent_home
    model, tokenizer = load_torch_model(home.model(parent_id))
    with torch.no_grad():
        model.bert.embeddings.word_embeddings.weight[1] = 1000.0  # [unused0]
    fragile = home.model("fragile")
    model.save_pretrained(fragile, safe_serialization=True)
    tokenizer.save_pretrained(fragile)
    record = read_meta(home.model(parent_id))
    record.model_id, record.path, record.size_bytes = "fragile", "models/fragile", None
    register(home, record)
    promote(home, "fragile")
    return home


def test_budget_no_candidate_meets_promotes_nothing_and_names_the_closest(prefect_harness, fragile_parent, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich tables size themselves to the terminal
    home = fragile_parent
    result = runner.invoke(app, ["compress", "--home", str(home.root), "--method", "quantize"])
    assert isinstance(result.exception, UserError), result.output
    message = str(result.exception)
    assert "no candidate stays within 1 points" in message and "closest: fragile-int8 (quantized" in message
    assert "\n" not in message and "nothing promoted" in message
    assert "fragile-int8" in result.output and "over budget" in result.output  # the table is still shown
    assert get_model(home, "production").model_id == "fragile"
    assert get_model(home, "fragile-int8").stage == "candidate"  # measured and kept, not promoted


def test_bad_inputs_are_one_line_user_errors(parent_home, tmp_path):
    import shutil

    from transformers import DistilBertConfig

    from sentiflow.tasks.models.record import read_meta
    from sentiflow.tasks.warehouse.registry import register

    home, parent_id = parent_home
    args = ["compress", "--home", str(home.root)]
    cases = {
        ("--model", "nope"): "model 'nope' not found",
        ("--target-layers", "4"): f"--target-layers 4 must be between 1 and 3: model '{parent_id}' has 4 layers",
        ("--method", "squash"): "unknown --method 'squash'",
        ("--max-accuracy-drop", "-1"): "--max-accuracy-drop must be between 0 and 100 points",
        ("--model", f"{parent_id}", "--dataset", "v9"): "dataset version 'v9' does not exist",
    }
    # an architecture compression does not handle: a registered DistilBERT
    other = home.model("distil")
    shutil.copytree(home.model(parent_id), other)
    DistilBertConfig(vocab_size=30522, dim=32, n_layers=2, n_heads=2, hidden_dim=64).save_pretrained(other)
    record = read_meta(other)
    record.model_id, record.path = "distil", "models/distil"
    register(home, record)
    cases[("--model", "distil")] = "model 'distil' is a 'distilbert' model; compress supports BERT-family encoders"
    for flags, expected in cases.items():
        result = runner.invoke(app, [*args, *flags])
        assert isinstance(result.exception, UserError), (flags, result.output)
        assert expected in str(result.exception) and "\n" not in str(result.exception), flags
