"""The tiny BERT learns the toy set; resuming equals not stopping; the time budget stops cleanly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sentiflow.tasks.models.training.checkpoint import latest_checkpoint
from tests.train.helpers import TINY_CONFIG, toy_rows


def test_tiny_bert_learns_the_toy_set(trained):
    losses = [e.data["loss"] for e in trained.events if e.kind == "progress"]
    assert len(losses) >= 4
    assert losses[-1] < losses[0] / 5, losses  # loss falls
    assert trained.training["stop_reason"] == "completed"
    assert trained.training["steps"] == trained.training["total_steps"] == 30
    assert trained.metrics["test"]["accuracy"] == 1.0
    assert trained.metrics["validation"]["macro_f1"] == 1.0
    header = next(e for e in trained.events if e.kind == "header").message
    assert "train examples 32" in header and "batch size 16" in header and "30 steps" in header
    assert "time budget none" in header and "sample: [" in header


def test_published_folder_and_registry(trained):
    import json

    from sentiflow.tasks.warehouse.registry import get_model

    model_dir = trained.plan.model_dir
    assert {"config.json", "model.safetensors", "tokenizer.json", "metrics.json", "README.md", "sentiflow.json"} <= {
        p.name for p in model_dir.iterdir()
    }
    assert not list(model_dir.glob("*.bin")), "weights must be safetensors only"
    config = json.loads((model_dir / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    assert config["label2id"] == {"negative": 0, "positive": 1}
    assert config["sentiflow_temperature"] == pytest.approx(trained.record.temperature)
    record = get_model(trained.home, trained.plan.model_id)
    assert record.kind == "finetuned" and record.format == "torch" and record.stage == "candidate"
    assert record.dataset_version == "v1" and record.labels == ["negative", "positive"]
    assert record.size_bytes > 0 and record.metrics["test"]["accuracy"] == 1.0
    assert not trained.plan.work_dir.exists(), "checkpoints are removed once the model is published"


def test_metrics_json_fields(trained):
    import json

    metrics = json.loads((trained.plan.model_dir / "metrics.json").read_text())
    for split in ("validation", "test"):
        m = metrics[split]
        assert {"n", "accuracy", "macro_f1", "ece", "ece_uncalibrated", "nll", "per_class", "confusion_matrix"} <= set(
            m
        )
        assert set(m["per_class"]) == {"negative", "positive"}
        assert {"precision", "recall", "f1", "support"} <= set(m["per_class"]["positive"])
        assert m["confusion_matrix"] == [[16, 0], [0, 16]]
    assert {"temperature", "ece_before", "ece_after"} <= set(metrics["calibration"])
    assert metrics["training"]["stop_reason"] == "completed" and metrics["training"]["hardware"]
    assert metrics["config"]["lr"] == TINY_CONFIG.lr and metrics["dataset_version"] == "v1"


def test_model_card_fields(trained):
    card = (trained.plan.model_dir / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: transformers\npipeline_tag: text-classification\n")
    for needed in (
        f"base_model: {trained.plan.base_model_name}",
        "dataset version: `v1`",
        "## Hyperparameters",
        "| peak learning rate | 0.01 |",
        "## Metrics",
        "| test | 32 | 1.0000 | 1.0000 |",
        "Confusion matrix",
        "training time:",
        "hardware:",
        "## Intended use and limits",
        "temperature T =",
    ):
        assert needed in card, needed


def test_saved_folder_loads_in_a_transformers_pipeline(trained):
    from transformers import pipeline

    clf = pipeline("text-classification", model=str(trained.plan.model_dir), device="cpu")
    out = clf(["great wonderful film", "awful terrible film"])
    assert [o["label"] for o in out] == ["positive", "negative"]


def test_rerun_reuses_the_finished_model(trained, tiny_bert):
    from sentiflow.tasks.train import finetune

    plan = finetune.plan_training(trained.home, "latest", str(tiny_bert), TINY_CONFIG)
    assert plan.model_id == trained.plan.model_id and plan.reuse
    # a budget or device change is the same recipe; a new seed is a new model
    assert finetune.plan_training(trained.home, "v1", str(tiny_bert), replace(TINY_CONFIG, max_minutes=5)).reuse
    other = finetune.plan_training(trained.home, "v1", str(tiny_bert), replace(TINY_CONFIG, seed=7))
    assert other.model_id != plan.model_id and not other.reuse
    record, metrics = finetune.reuse_model(plan)
    assert record.model_id == plan.model_id and metrics["test"]["accuracy"] == 1.0


class _Interrupt(Exception):
    pass


def _loop_run(tiny_bert: Path, work_dir: Path, config, resume=False, stop_at: int | None = None):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from sentiflow.tasks.models.training.data import encode_split
    from sentiflow.tasks.models.training.loop import run_training
    from sentiflow.tasks.models.training.validation import Validation

    labels = ["negative", "positive"]
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    split = encode_split(tokenizer, toy_rows(), labels, config.max_seq_len)
    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=2, use_safetensors=True)
    events = []

    def on_event(event):
        events.append(event)
        if stop_at is not None and event.kind == "step" and event.step == stop_at:
            raise _Interrupt()  # as if the process were killed here

    result = run_training(
        model,
        split,
        config,
        pad_id=tokenizer.pad_token_id,
        validation=Validation(split, labels, tokenizer),
        work_dir=work_dir,
        resume=resume,
        on_event=on_event,
    )
    return model, result, events


def test_resume_after_interruption_matches_uninterrupted_run(tmp_path, tiny_bert):
    import torch

    config = replace(TINY_CONFIG, epochs=8, evals_per_epoch=1)  # 16 steps, checkpoints at 10
    straight, straight_result, _ = _loop_run(tiny_bert, tmp_path / "a", config)
    with pytest.raises(_Interrupt):
        _loop_run(tiny_bert, tmp_path / "b", config, stop_at=13)
    assert latest_checkpoint(tmp_path / "b").name == "ckpt-0000010"
    resumed, resumed_result, events = _loop_run(tiny_bert, tmp_path / "b", config, resume=True)
    assert resumed_result.resumed_from_step == 10
    assert "resuming from checkpoint at step 10" in events[0].message
    assert resumed_result.history == straight_result.history
    assert resumed_result.best_step == straight_result.best_step
    a, b = straight.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from the uninterrupted run"


def test_time_budget_stops_cleanly_keeps_best_and_can_resume(tmp_path, tiny_bert):
    config = replace(TINY_CONFIG, max_minutes=1e-6)  # spent after the first step
    _, result, events = _loop_run(tiny_bert, tmp_path / "w", config)
    assert result.stop_reason == "time budget" and result.steps == 1
    stop = next(e for e in events if e.kind == "stop").message
    assert "stopped at the time budget" in stop and "kept the best checkpoint" in stop and "--resume" in stop
    assert latest_checkpoint(tmp_path / "w") is not None
    _, resumed, _ = _loop_run(tiny_bert, tmp_path / "w", replace(config, max_minutes=None), resume=True)
    assert resumed.resumed_from_step == 1 and resumed.stop_reason == "completed" and resumed.steps == 30


def test_early_stopping_on_validation_macro_f1(tmp_path, tiny_bert):
    # lr 0: nothing is learned, so macro-F1 never improves after the first evaluation
    config = replace(TINY_CONFIG, lr=1e-12, patience=2)
    _, result, _ = _loop_run(tiny_bert, tmp_path / "w", config)
    assert result.stop_reason == "early stopping"
    assert result.steps < result.total_steps


def test_a_left_checkpoint_is_announced(home, tiny_bert):
    from sentiflow.tasks.train import finetune
    from tests.train.helpers import write_dataset

    write_dataset(home)
    plan = finetune.plan_training(home, "latest", str(tiny_bert), TINY_CONFIG)
    assert plan.notice() is None
    checkpoint = plan.work_dir / "ckpt-0000010"
    checkpoint.mkdir(parents=True)
    (checkpoint / "state.json").write_text("{}")
    fresh = finetune.plan_training(home, "latest", str(tiny_bert), TINY_CONFIG)
    assert "left a checkpoint at step 10" in fresh.notice() and "--resume" in fresh.notice()
    resumed = finetune.plan_training(home, "latest", str(tiny_bert), TINY_CONFIG, resume=True)
    assert resumed.notice() == f"resuming {plan.model_id} from its checkpoint at step 10" and not resumed.reuse
