"""One loaded model per process, shared by every shard that process scores.

Loading a model (weights, tokenizer, ONNX session) takes seconds; a run maps over many shards,
and a Dask worker process keeps running between tasks. Keyed by folder, its sentiflow.json's
modification time (a re-registered model is reloaded) and the thread count. The lock stops two
threads of a ThreadPoolTaskRunner from loading the same model twice at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from sentiflow.tasks.models.classifier import Classifier
from sentiflow.tasks.models.loading import load_classifier
from sentiflow.tasks.models.record import META_FILE

MAX_MODELS = 2  # a re-score compares two models at most; each may hold ~100 MB-1 GB

_lock = threading.Lock()
_models: OrderedDict[tuple[str, int, int | None], Classifier] = OrderedDict()
loads = 0  # models loaded by this process (tests check that shards share one)


def cached_classifier(model_dir: Path, threads: int | None = None) -> Classifier:
    """The classifier in `model_dir`, loaded once per process."""
    global loads
    model_dir = Path(model_dir).resolve()
    meta = model_dir / META_FILE
    key = (str(model_dir), meta.stat().st_mtime_ns if meta.exists() else 0, threads)
    with _lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
        clf = load_classifier(model_dir, threads=threads)
        loads += 1
        _models[key] = clf
        while len(_models) > MAX_MODELS:
            _models.popitem(last=False)
        return clf


def clear() -> None:
    """Forget every cached model (tests; or to free memory)."""
    with _lock:
        _models.clear()
