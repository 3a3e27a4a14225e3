"""A home for teacher distillation: the tiny parent as a teacher, a second teacher, a dataset whose
splits hold different texts, and a lake with fresh, dataset and evaluation-like documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA

TRAIN = pd.DataFrame(
    {
        "text": ["great wonderful film", "lovely happy day", "awful terrible film", "horrible sad day"] * 3,
        "label": ["positive", "positive", "negative", "negative"] * 3,
    }
)
VALIDATION = pd.DataFrame({"text": ["excellent superb acting", "bad boring acting"], "label": ["positive", "negative"]})
TEST = pd.DataFrame({"text": ["good fun movie", "dreadful dull movie"], "label": ["positive", "negative"]})
FRESH = ["what a superb day at the movies", "an awful, horrible, bad film", "lovely acting, awful plot"]
EVALUATION_LIKE = ["Excellent superb acting!", "GOOD fun movie"]  # the same dedup tokens as evaluation texts


def write_lake(home: Home, source: str, texts: list[str]) -> None:
    from sentiflow.tasks.core.lake import write_documents_shard
    from sentiflow.tasks.core.schema import make_doc_id

    now = datetime.now(UTC)
    rows = {
        "doc_id": [make_doc_id(source, f"f:{i}", t) for i, t in enumerate(texts)],
        "text": texts,
        "label": [None] * len(texts),
        "label_confidence": [None] * len(texts),
        "source": [source] * len(texts),
        "split": [None] * len(texts),
        "created_at": [None] * len(texts),
        "ingested_at": [now] * len(texts),
        "origin": [f"f:{i}" for i in range(len(texts))],
    }
    write_documents_shard(home, pa.table(rows, schema=DOCUMENT_SCHEMA), "part-0.parquet")


def register_copy(home: Home, model_id: str, new_id: str, temperature: float, labels: list[str] | None = None):
    """Another registered model with the same weights: a second teacher (its own temperature)."""
    import shutil

    from sentiflow.tasks.models.record import read_meta, write_meta
    from sentiflow.tasks.warehouse.registry import register

    folder = home.model(new_id)
    shutil.copytree(home.model(model_id), folder)
    record = read_meta(folder)
    record.model_id, record.path, record.size_bytes, record.stage = new_id, f"models/{new_id}", None, "candidate"
    record.temperature = temperature
    if labels is not None:
        record.labels = labels
    write_meta(folder, record)
    return register(home, record)


def make_other_width_student(out_dir, hidden: int = 48, layers: int = 2):
    """A random BERT of another width and depth than the tiny teachers (hidden 32, 4 layers)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from tests.tinybert import bundled_model_dir

    torch.manual_seed(5)
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_dir())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=3,
        intermediate_size=2 * hidden,
        max_position_embeddings=128,
        num_labels=2,
    )
    BertForSequenceClassification(config).save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir
