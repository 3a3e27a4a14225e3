"""One fine-tune from dataset to registered model, in four steps the Prefect layer wraps:

  plan_training   check inputs, choose the model id, decide whether a finished model is reused
  train_model     tokenise, train (loop.py), save the Hugging Face folder to a staging folder
  evaluate_model  validation and test metrics, temperature fitted on validation
  publish_model   metrics.json, model card, temperature in config.json, move into models/ID,
                  register (sentiflow.json + the `models` table)

The model id is `<base>-<dataset version>-<recipe hash>`: the same dataset and recipe give the
same id, so a rerun finds the finished model and reuses it instead of training again.
Checkpoints and the staging folder live in runs/train-ID/ until the model is published.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import write_json, write_text
from sentiflow.tasks.core.datasets import load_dataset
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import META_FILE, ModelRecord, read_meta
from sentiflow.tasks.models.runtime import configure_threads, describe_hardware, quiet_transformers
from sentiflow.tasks.models.training.checkpoint import latest_checkpoint
from sentiflow.tasks.models.training.config import TrainConfig, config_from_json
from sentiflow.tasks.models.training.loop import EventSink
from sentiflow.tasks.train.card import render_card
from sentiflow.tasks.train.inputs import check_seq_len, resolve_base_model
from sentiflow.tasks.warehouse.registry import get_model, register

METRICS_FILE = "metrics.json"
TEMPERATURE_KEY = "sentiflow_temperature"  # added to config.json beside id2label


@dataclass
class TrainPlan:
    """What one `train` call will do; JSON-friendly so it can pass between Prefect tasks."""

    home: str
    dataset_version: str
    labels: list[str]
    base_model: str  # what from_pretrained loads: a folder or a hub id
    base_model_name: str  # what lineage records: the hub id, or the folder
    config: dict[str, Any]
    model_id: str
    reuse: bool  # a finished model with this id exists and there is nothing to resume
    resume: bool
    checkpoint_step: int | None = None  # step of an earlier run's newest checkpoint, if one is left

    def notice(self) -> str | None:
        """What a user should know before this run starts, if anything."""
        if self.checkpoint_step is None:
            return None
        if self.resume:
            return f"resuming {self.model_id} from its checkpoint at step {self.checkpoint_step}"
        return (
            f"an earlier run of {self.model_id} left a checkpoint at step {self.checkpoint_step}; "
            "starting over (pass --resume to continue it instead)"
        )

    @property
    def train_config(self) -> TrainConfig:
        return config_from_json(self.config)

    @property
    def model_dir(self) -> Path:
        return Home.at(self.home).model(self.model_id)

    @property
    def work_dir(self) -> Path:
        return Home.at(self.home).runs / f"train-{self.model_id}"

    @property
    def staging_dir(self) -> Path:
        return self.work_dir / "model"


def model_complete(model_dir: Path) -> bool:
    """A published model folder: weights, config, metrics and sentiflow.json all present."""
    needed = ("config.json", "model.safetensors", METRICS_FILE, META_FILE)
    return all((model_dir / name).is_file() for name in needed)


def plan_training(
    home: Home, dataset: str, base_model: str | None, config: TrainConfig, resume: bool = False, offline: bool = False
) -> TrainPlan:
    """Validate every input (one-line UserErrors) and name the model this run produces."""
    from sentiflow.tasks.models.runtime import pick_device

    config.validate()
    pick_device(config.device)
    splits = load_dataset(home, dataset)
    base = resolve_base_model(base_model, offline=offline)
    check_seq_len(base, config.max_seq_len)
    version_part = re.sub(r"[^A-Za-z0-9_-]+", "-", splits.version)[:20].strip("-") or "data"
    model_id = f"{base.short_name}-{version_part}-{config.recipe_hash(splits.version, base.name)}"
    model_dir = home.model(model_id)
    checkpoint = latest_checkpoint(home.runs / f"train-{model_id}")
    step = int(checkpoint.name.split("-")[1]) if checkpoint else None
    return TrainPlan(
        home=str(home.root),
        dataset_version=splits.version,
        labels=splits.labels,
        base_model=base.source,
        base_model_name=base.name,
        config=asdict(config),
        model_id=model_id,
        reuse=model_complete(model_dir) and not (resume and checkpoint),
        resume=resume,
        checkpoint_step=step if not model_complete(model_dir) or resume else None,
    )


def train_model(plan: TrainPlan, on_event: EventSink = lambda e: None) -> dict[str, Any]:
    """Fine-tune and save the Hugging Face folder to the staging folder; the training summary."""
    from transformers import AutoTokenizer

    from sentiflow.tasks.models.runtime import pick_device
    from sentiflow.tasks.models.training.data import encode_split, sample_rows
    from sentiflow.tasks.models.training.head import fresh_classifier
    from sentiflow.tasks.models.training.loop import run_training
    from sentiflow.tasks.models.training.validation import Validation

    started = time.monotonic()
    config = plan.train_config
    configure_threads(config.threads)
    quiet_transformers()
    device = pick_device(config.device)
    splits = load_dataset(Home.at(plan.home), plan.dataset_version)
    tokenizer = AutoTokenizer.from_pretrained(plan.base_model)
    train = encode_split(
        tokenizer, sample_rows(splits.train, config.max_train_examples, config.seed), plan.labels, config.max_seq_len
    )
    validation = encode_split(
        tokenizer,
        sample_rows(splits.validation, config.max_eval_examples, config.seed),
        plan.labels,
        config.max_seq_len,
    )
    model = fresh_classifier(plan.base_model, plan.labels, config.seed)
    model.to(device)
    if not plan.resume:
        shutil.rmtree(plan.work_dir, ignore_errors=True)  # a fresh run never mixes old checkpoints
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    result = run_training(
        model,
        train,
        config,
        pad_id=tokenizer.pad_token_id or 0,
        device=device,
        validation=Validation(validation, plan.labels, tokenizer),
        work_dir=plan.work_dir,
        resume=plan.resume,
        on_event=on_event,
    )
    shutil.rmtree(plan.staging_dir, ignore_errors=True)
    model.save_pretrained(plan.staging_dir, safe_serialization=True)
    tokenizer.save_pretrained(plan.staging_dir)
    return {
        **result.to_json(),
        "device": device,
        "hardware": describe_hardware(device),
        "train_examples": len(train),
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def evaluate_model(plan: TrainPlan, model_dir: Path | None = None) -> dict[str, Any]:
    """Fit the temperature on validation; metrics on validation and test with it applied."""
    from sentiflow.tasks.models.calibration import calibration_report
    from sentiflow.tasks.models.classifier import softmax
    from sentiflow.tasks.models.metrics import classification_metrics, expected_calibration_error, gold_ids
    from sentiflow.tasks.models.preprocessing import dataset_preprocessing
    from sentiflow.tasks.models.torch_backend import TorchClassifier

    config = plan.train_config
    configure_threads(config.threads)
    quiet_transformers()
    splits = load_dataset(Home.at(plan.home), plan.dataset_version)
    record = ModelRecord(plan.model_id, plan.base_model_name, "finetuned", "torch", plan.labels, "")
    record.preprocessing = dataset_preprocessing(Home.at(plan.home), plan.dataset_version)
    clf = TorchClassifier.load(model_dir or plan.staging_dir, record, device=config.device)
    clf.max_length = config.max_seq_len
    logits, gold = {}, {}
    for split in ("validation", "test"):
        frame = getattr(splits, split)
        gold[split] = gold_ids(frame["label"].tolist(), plan.labels)
        # Raw text through the model's preprocessing, exactly as scoring feeds lake text: the
        # figures measure the path predictions take. Curated `text` would be normalised a second
        # time (not idempotent: '&amp;lt;' -> '&lt;' -> '<'); for a dataset curated with these
        # settings the model sees the same tokens as training's validation passes did.
        logits[split] = clf.logits(frame["text_original"].astype(str).tolist(), batch_size=128)
    calibration = calibration_report(logits["validation"], gold["validation"])
    metrics: dict[str, Any] = {"calibration": calibration}
    for split in ("validation", "test"):
        m = classification_metrics(logits[split], gold[split], plan.labels, calibration["temperature"])
        m["ece_uncalibrated"] = expected_calibration_error(softmax(logits[split]), gold[split])
        metrics[split] = m
    return metrics


def publish_model(plan: TrainPlan, training: dict[str, Any], metrics: dict[str, Any]) -> ModelRecord:
    """Finish the staging folder, move it to models/ID and register it."""
    import json

    from sentiflow.tasks.models.preprocessing import dataset_preprocessing

    home, staging = Home.at(plan.home), plan.staging_dir
    temperature = metrics["calibration"]["temperature"]
    config_json = json.loads((staging / "config.json").read_text(encoding="utf-8"))
    config_json[TEMPERATURE_KEY] = temperature
    write_json(config_json, staging / "config.json")
    write_json(
        {
            "model_id": plan.model_id,
            "dataset_version": plan.dataset_version,
            **metrics,
            "training": training,
            "config": plan.config,
        },
        staging / METRICS_FILE,
    )
    record = ModelRecord(
        model_id=plan.model_id,
        base_model=plan.base_model_name,
        kind="finetuned",
        format="torch",
        labels=list(plan.labels),
        path=str(plan.model_dir.relative_to(home.root)),
        dataset_version=plan.dataset_version,
        temperature=temperature,
        metrics={k: metrics[k] for k in ("validation", "test", "calibration")},
        # the dataset's curation text settings: scoring applies them to raw lake text
        preprocessing=dataset_preprocessing(home, plan.dataset_version),
    )
    write_text(render_card(record, plan.train_config, metrics, training), staging / "README.md")
    shutil.rmtree(plan.model_dir, ignore_errors=True)  # an older, unfinished copy of this id
    plan.model_dir.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, plan.model_dir)
    registered = register(home, record)
    if training.get("stop_reason") != "time budget":
        shutil.rmtree(plan.work_dir, ignore_errors=True)  # nothing left to resume
    return registered


def reuse_model(plan: TrainPlan) -> tuple[ModelRecord, dict[str, Any]]:
    """The finished model with this id (registered again if the warehouse lost it) and its metrics."""
    import json

    from sentiflow.tasks.core.errors import UserError

    home = Home.at(plan.home)
    try:
        record = get_model(home, plan.model_id)
    except UserError:
        record = read_meta(plan.model_dir)
        record.stage = "candidate"
        record = register(home, record)
    metrics = json.loads((plan.model_dir / METRICS_FILE).read_text(encoding="utf-8"))
    return record, metrics
