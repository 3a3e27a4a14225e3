"""A tiny but complete home for report tests, written with the real warehouse code.

Twelve documents in two sources over three days, a curated dataset with a removed reason, a
fine-tuned model and its int8 child in production, predictions for every document, one run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.atomic import write_json
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse.db import connect_rw
from sentiflow.tasks.warehouse.registry import promote, register
from sentiflow.tasks.warehouse.runs import RunRecord, record_run

LABELS = ["negative", "positive"]
TEMPERATURE = 3.0
DAY0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
SPLIT_OF = ["train"] * 6 + ["validation"] * 2 + ["test"] * 4


def _docs() -> list[dict]:
    docs = []
    for i, split in enumerate(SPLIT_OF):
        label = LABELS[i % 2]
        docs.append(
            {
                "doc_id": f"d{i:02d}",
                "text": f"{label} text number {i}",
                "label": label,
                "source": "alpha" if i % 3 else "beta",
                "split": split,
                "created_at": DAY0 + timedelta(days=i % 3),
            }
        )
    return docs


def _write_dataset(home: Home, docs: list[dict]) -> str:
    version = "v-tiny"
    root = home.dataset(version)
    for split in ("train", "validation", "test"):
        rows = [d for d in docs if d["split"] == split]
        table = pa.table(
            {
                "doc_id": [d["doc_id"] for d in rows],
                "text": [d["text"] for d in rows],
                "label": [d["label"] for d in rows],
                "source": [d["source"] for d in rows],
            }
        )
        (root / split).mkdir(parents=True)
        pq.write_table(table, root / split / "part-0.parquet")
    (root / "removed" / "exact_duplicate").mkdir(parents=True)
    pq.write_table(
        pa.table({"doc_id": ["x1", "x2"], "reason": ["exact_duplicate"] * 2}),
        root / "removed" / "exact_duplicate" / "part-0.parquet",
    )
    kept = {split: sum(d["split"] == split for d in docs) for split in ("train", "validation", "test")}
    balance = {
        split: {label: sum(d["split"] == split and d["label"] == label for d in docs) for label in LABELS}
        for split in kept
    }
    write_json(
        {
            "version": version,
            "labels": LABELS,
            "balance": {"per_split": balance},
            "accounting": {"rows_in": len(docs) + 2, "kept": kept, "removed": {"exact_duplicate": 2}},
        },
        root / "report.json",
    )
    (home.datasets / "LATEST").write_text(version + "\n")
    return version


def _calibrated_probs(i: int) -> list[float]:
    """Model output for doc i: right on 3 of 4 test documents, overconfident before calibration."""
    gold = i % 2
    predicted = gold if i != 9 else 1 - gold
    logits = np.zeros(2)
    logits[predicted] = 6.0  # confidence 0.998 raw, 0.88 at T = 3: accuracy is 0.75
    z = logits / TEMPERATURE
    p = np.exp(z - z.max())
    return list(p / p.sum())


PARENT_SAME_ROWS = 0.8  # the parent's test accuracy on the compressed model's rows


def _register_models(home: Home, version: str) -> tuple[str, str]:
    metrics = {
        "validation": {"accuracy": 1.0, "macro_f1": 1.0, "ece": 0.05},
        "test": {
            "accuracy": 0.75,
            "macro_f1": 0.73,
            "ece": 0.21,
            "n": 4,
            "labels": LABELS,
            "confusion_matrix": [[2, 0], [1, 1]],
        },
    }
    ids = []
    for model_id, parent, kind, fmt, size in (
        ("ft-tiny", None, "finetuned", "torch", 4_000_000),
        ("ft-tiny-int8", "ft-tiny", "quantized", "onnx", 1_000_000),
    ):
        folder = home.model(model_id)
        folder.mkdir(parents=True)
        (folder / "weights.bin").write_bytes(b"\0" * size)
        figures = dict(metrics)
        if parent:  # as compress stores it: the parent measured on the candidate's rows
            figures["parent"] = {
                "validation": {"accuracy": 1.0, "n": 2},
                "test": {"accuracy": PARENT_SAME_ROWS, "n": 4},
            }
        write_json({"model_id": model_id, **figures}, folder / "metrics.json")
        register(
            home,
            ModelRecord(
                model_id=model_id,
                base_model="tiny-bert",
                kind=kind,
                format=fmt,
                labels=LABELS,
                path=f"models/{model_id}",
                parent_id=parent,
                dataset_version=version,
                temperature=TEMPERATURE,
                metrics=figures,
            ),
        )
        ids.append(model_id)
    promote(home, ids[1])
    return ids[0], ids[1]


def make_report_home(home: Home) -> Home:
    """Write the tiny home; returns it."""
    docs = _docs()
    version = _write_dataset(home, docs)
    _, production = _register_models(home, version)
    now = datetime.now(UTC)
    run = RunRecord(run_id="run-tiny", flow="run", parameters={"profile": "quick"}, started_at=now)
    run.finish("completed", {"scored": len(docs), "ingested": len(docs)})
    with connect_rw(home.warehouse) as con:
        for i, d in enumerate(docs):
            con.execute(
                "insert into documents (doc_id, text, label, label_confidence, source, split, created_at, "
                "ingested_at, origin, loaded_at) values (?, ?, ?, null, ?, null, ?, ?, ?, ?)",
                [d["doc_id"], d["text"], d["label"], d["source"], d["created_at"], now, f"tiny.csv#{i}", now],
            )
            p_neg, p_pos = _calibrated_probs(i)
            con.execute(
                "insert into predictions (doc_id, model_id, run_id, label, confidence, p_negative, p_neutral, "
                "p_positive, polarity, scored_at) values (?, ?, ?, ?, ?, ?, null, ?, ?, ?)",
                [
                    d["doc_id"],
                    production,
                    run.run_id,
                    LABELS[int(p_pos > p_neg)],
                    max(p_neg, p_pos),
                    p_neg,
                    p_pos,
                    p_pos - p_neg,
                    now,
                ],
            )
        record_run(con, run)
        # two monitored batches of one source: the drift panel's data (tasks/monitor writes these)
        for batch, (value, drifted) in enumerate([(0.05, False), (0.3, True)]):
            con.execute(
                "insert into drift_metrics (run_id, model_id, source, metric, value, threshold, drifted, n_current, "
                "n_reference, computed_at) values (?, ?, 'web', 'label_share', ?, 0.1, ?, 500, 400, ?)",
                [f"run-{batch}", production, value, drifted, now - timedelta(days=1 - batch)],
            )
    return home


def oracle_test_split() -> tuple[list[str], list[int], np.ndarray]:
    """doc ids, gold ids and calibrated probabilities of the test split (for oracle checks)."""
    docs = _docs()
    rows = [(d["doc_id"], i % 2, _calibrated_probs(i)) for i, d in enumerate(docs) if d["split"] == "test"]
    return [r[0] for r in rows], [r[1] for r in rows], np.array([r[2] for r in rows])
