"""Everything the report shows, read from a home folder and nothing else.

Sources: the newest curated dataset (datasets/LATEST; its report.json's accounting and
balance, or its split and removed/ Parquet files when the report lacks them),
the production model's folder (metrics.json) and the warehouse, opened read-only. Each section
is None when its inputs do not exist yet, with the reason in `missing`, so the report renders
after any run, even a partial one. Pure: no Prefect, no writes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.atomic import TMP_PREFIX
from sentiflow.tasks.core.datasets import SPLITS
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.models.record import parent_metrics_beside
from sentiflow.tasks.report.calibration import reliability_bins
from sentiflow.tasks.report.drift_panel import drift_history
from sentiflow.tasks.report.search_panel import gather_search
from sentiflow.tasks.warehouse.db import connect_ro, table_names

PROBABILITY_COLUMNS = {"negative", "neutral", "positive"}  # predictions.p_<label>
ORCHESTRATION_FLOWS = ("run", "nightly", "retrain", "rescore")  # preferred as "the latest run"


def gather(home: Home, wait_seconds: float = 30.0) -> dict[str, Any]:
    """The report's data: one entry per section (None when unavailable) plus `missing` reasons."""
    data: dict[str, Any] = {
        "home": str(home.root),
        "warehouse": str(home.warehouse),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "missing": {},
    }
    version = _latest_dataset(home)
    data["funnel"] = _funnel(home, version) if version else None
    data["balance"] = _balance(home, version) if version else None
    if version is None:
        data["missing"]["funnel"] = data["missing"]["balance"] = "no curated dataset yet (`sentiflow curate`)"
    elif not any(data["balance"].values()):
        data["balance"] = None
        data["missing"]["balance"] = f"every split of dataset {version} is empty (no labelled documents kept)"
    data.update(
        latest_run=None, production=None, parent=None, confusion=None, reliability=None, sentiment=None, models=None
    )
    data["search"] = None  # the newest `sentiflow tune` study (search_panel.py); optional, so never "missing"
    if not home.warehouse.exists():
        for key in ("confusion", "reliability", "sentiment", "models", "drift"):
            data["missing"][key] = "no warehouse yet (`sentiflow score` or `sentiflow run`)"
        return data
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        tables = table_names(con)
        data["latest_run"] = _latest_run(con) if "runs" in tables else None
        models = _models(con) if "models" in tables else []
        production = next((m for m in models if m["stage"] == "production"), None)
        data["production"] = production
        parent = next((m for m in models if production and m["model_id"] == production["parent_id"]), None)
        if parent is not None:
            parent = {**parent, "metrics": parent_metrics_beside(production["metrics"], parent["metrics"])}
        data["parent"] = parent
        if production is None:
            for key in ("confusion", "reliability", "sentiment"):
                data["missing"][key] = "no production model yet (`sentiflow models promote`)"
        else:
            data["confusion"] = _confusion(home, con, production, tables)
            data["reliability"] = _reliability(home, con, production, tables)
            data["sentiment"] = _sentiment(con) if "sentiment_by_source_day" in tables else None
        data["models"] = _model_family(models, production)
        data["search"] = gather_search(home, con) if "tuning_trials" in tables else None
        data["drift"] = drift_history(con, tables)
    if data.get("drift") is None:
        data["missing"]["drift"] = "no monitored batches of the production model yet (`sentiflow monitor`)"
    for key in ("confusion", "reliability", "sentiment", "models"):
        if data[key] is None and key not in data["missing"]:
            data["missing"][key] = "no scored test documents or registered models for it yet"
    return data


def _latest_dataset(home: Home) -> str | None:
    marker = home.datasets / "LATEST"
    version = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
    return version if version and (home.datasets / version / "report.json").is_file() else None


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith(TMP_PREFIX))


def _rows(folder: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in _parquet_files(folder))


def _dataset_report(home: Home, version: str) -> dict[str, Any]:
    try:
        return json.loads((home.dataset(version) / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _funnel(home: Home, version: str) -> dict[str, Any]:
    """Rows kept per split and removed per reason: report.json's accounting, else the files."""
    accounting = _dataset_report(home, version).get("accounting") or {}
    if {"rows_in", "kept", "removed"} <= set(accounting):
        kept, removed, rows_in = accounting["kept"], accounting["removed"], accounting["rows_in"]
    else:
        root = home.dataset(version)
        kept = {split: _rows(root / split) for split in SPLITS}
        removed_root = root / "removed"
        folders = sorted(p for p in removed_root.iterdir() if p.is_dir()) if removed_root.is_dir() else []
        removed = {p.name: _rows(p) for p in folders}
        rows_in = sum(kept.values()) + sum(removed.values())
    return {
        "version": version,
        "rows_in": int(rows_in),
        "kept": {k: int(kept.get(k, 0)) for k in SPLITS},
        "removed": {reason: int(n) for reason, n in removed.items() if n},
    }


def _balance(home: Home, version: str) -> dict[str, dict[str, int]]:
    """Documents per label in each split: report.json's balance, else counted from the splits."""
    per_split = (_dataset_report(home, version).get("balance") or {}).get("per_split")
    if isinstance(per_split, dict) and per_split:
        return {split: dict(sorted(per_split.get(split, {}).items())) for split in SPLITS}
    balance: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        counts: dict[str, int] = {}
        for path in _parquet_files(home.dataset(version) / split):
            for item in pq.read_table(path, columns=["label"]).column("label").value_counts().to_pylist():
                label = item["values"] if item["values"] is not None else "(none)"
                counts[label] = counts.get(label, 0) + item["counts"]
        balance[split] = dict(sorted(counts.items()))
    return balance


def _latest_run(con) -> dict[str, Any] | None:
    rows = con.execute(
        "select run_id, flow, status, started_at, finished_at, counts from runs "
        "order by (flow in (select unnest(?::varchar[]))) desc, started_at desc limit 1",
        [list(ORCHESTRATION_FLOWS)],
    ).fetchall()
    if not rows:
        return None
    run_id, flow, status, started, finished, counts = rows[0]
    seconds = (finished - started).total_seconds() if finished else None
    return {
        "run_id": run_id,
        "flow": flow,
        "status": status,
        "started_at": started.isoformat(),
        "seconds": seconds,
        "counts": json.loads(counts) if counts else {},
    }


def _models(con) -> list[dict[str, Any]]:
    rows = con.execute(
        "select model_id, parent_id, kind, format, size_bytes, metrics, stage, temperature, "
        "dataset_version, path, labels from models order by created_at"
    ).fetchall()
    keys = (
        "model_id",
        "parent_id",
        "kind",
        "format",
        "size_bytes",
        "metrics",
        "stage",
        "temperature",
        "dataset_version",
        "path",
        "labels",
    )
    models = [dict(zip(keys, row)) for row in rows]
    for m in models:
        m["metrics"] = json.loads(m["metrics"]) if m["metrics"] else {}
        m["labels"] = list(m["labels"])
    return models


def _test_split(home: Home, version: str | None) -> pa.Table | None:
    """doc_id and gold label of a dataset version's test split (None if it is gone)."""
    if not version:
        return None
    files = _parquet_files(home.datasets / version / "test")
    if not files:
        return None
    return pa.concat_tables([pq.read_table(p, columns=["doc_id", "label"]) for p in files])


def _scored_test(home: Home, con, model: dict[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """The model's calibrated probabilities and gold class ids on its test split, from the warehouse."""
    gold = _test_split(home, model["dataset_version"])
    if gold is None:
        return None
    labels = model["labels"]
    if not set(labels) <= PROBABILITY_COLUMNS:
        return None
    columns = ", ".join(f"p.p_{label}" for label in labels)
    con.register("report_gold", gold)
    try:
        rows = con.execute(
            f"select g.label, {columns} from predictions as p "
            "inner join report_gold as g on g.doc_id = p.doc_id where p.model_id = ?",
            [model["model_id"]],
        ).fetchall()
    finally:
        con.unregister("report_gold")
    index = {label: i for i, label in enumerate(labels)}
    rows = [r for r in rows if r[0] in index and None not in r[1:]]
    if not rows:
        return None
    probs = np.array([r[1:] for r in rows], dtype=np.float64)
    return probs, np.array([index[r[0]] for r in rows])


def _confusion(home: Home, con, model: dict[str, Any], tables: set[str]) -> dict[str, Any] | None:
    """From the model's own test evaluation (metrics.json), else from its scored test documents."""
    metrics_file = home.root / model["path"] / "metrics.json"
    if metrics_file.is_file():
        test = json.loads(metrics_file.read_text(encoding="utf-8")).get("test") or {}
        if test.get("confusion_matrix"):
            return {
                "model_id": model["model_id"],
                "split": f"test ({test.get('n', '?')} documents)",
                "labels": test.get("labels", model["labels"]),
                "matrix": test["confusion_matrix"],
            }
    scored = _scored_test(home, con, model) if "predictions" in tables else None
    if scored is None:
        return None
    probs, gold = scored
    k = len(model["labels"])
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (gold, probs.argmax(axis=1)), 1)
    return {
        "model_id": model["model_id"],
        "split": f"test, as scored ({len(gold)} documents)",
        "labels": model["labels"],
        "matrix": matrix.tolist(),
    }


def _reliability(home: Home, con, model: dict[str, Any], tables: set[str]) -> dict[str, Any] | None:
    scored = _scored_test(home, con, model) if "predictions" in tables else None
    if scored is None:
        return None
    probs, gold = scored
    return {
        "model_id": model["model_id"],
        "temperature": float(model["temperature"]),
        "n": int(len(gold)),
        **reliability_bins(probs, gold, float(model["temperature"])),
    }


def _sentiment(con) -> list[dict[str, Any]] | None:
    rows = con.execute(
        "select source, day, sum(documents), sum(mean_polarity * documents) / sum(documents) "
        "from sentiment_by_source_day group by source, day order by source, day"
    ).fetchall()
    if not rows:
        return None
    return [{"source": s, "day": d.isoformat(), "documents": int(n), "mean_polarity": float(p)} for s, d, n, p in rows]


def _model_family(models: list[dict[str, Any]], production: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """The production model's fine-tuned root and every model compressed from it, with accuracy."""
    if production is None:
        return None
    root = production["parent_id"] or production["model_id"]
    family = [m for m in models if m["model_id"] == root or m["parent_id"] == root]
    split = "test" if all("test" in m["metrics"] for m in family) else "validation"
    points = []
    for m in family:
        accuracy = (m["metrics"].get(split) or {}).get("accuracy")
        if accuracy is not None and m["size_bytes"]:
            points.append(
                {
                    "model_id": m["model_id"],
                    "kind": m["kind"],
                    "format": m["format"],
                    "size_bytes": int(m["size_bytes"]),
                    "accuracy": float(accuracy),
                    "stage": m["stage"],
                    "split": split,
                }
            )
    return points or None
