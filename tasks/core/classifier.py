"""One interface for every model format: a caller never needs to know which it has.

`load_classifier(model_dir)` reads the folder's sentiflow.json and returns a Classifier:
torch (fine-tuned or pruned/distilled fp32, Hugging Face format) or onnx (int8 artefacts).
Probabilities always include the model's calibration temperature.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sentiflow.tasks.core.errors import UserError

if TYPE_CHECKING:
    from sentiflow.tasks.warehouse.registry import ModelRecord

SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")


class Classifier(Protocol):
    labels: list[str]  # class id order
    temperature: float  # calibration temperature fitted on validation (1.0 = none)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Raw logits, shape (len(texts), len(labels)), in input order."""
        ...


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits.astype(np.float64) / float(temperature)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def predict_proba(clf: Classifier, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Calibrated class probabilities."""
    return softmax(clf.logits(texts, batch_size=batch_size), clf.temperature)


def require_safetensors(folder: Path, what: str) -> None:
    """UserError unless `folder` holds safetensors weights: pickled weights are never loaded."""
    if any((folder / name).is_file() for name in SAFETENSORS_FILES):
        return
    pickled = sorted(p.name for p in folder.glob("*.bin"))
    hint = f" (found {', '.join(pickled)}: convert it to safetensors first)" if pickled else ""
    raise UserError(f"{what} {folder} holds no safetensors weights (model.safetensors){hint}")


def check_model_files(model_dir: Path) -> "ModelRecord":
    """The folder's record; UserError when it lacks the files its format loads from."""
    from sentiflow.tasks.warehouse.registry import read_meta

    meta = read_meta(Path(model_dir))
    if meta.format == "onnx":
        from sentiflow.tasks.compress.onnx_classifier import find_onnx_file

        find_onnx_file(Path(model_dir))
    else:
        require_safetensors(Path(model_dir), f"model {meta.model_id}: folder")
    return meta


def load_classifier(model_dir: Path, device: str = "auto", threads: int | None = None) -> Classifier:
    """Load any registered model folder through the same interface."""
    meta = check_model_files(Path(model_dir))
    if meta.format == "onnx":
        from sentiflow.tasks.compress.onnx_classifier import OnnxClassifier

        return OnnxClassifier.load(Path(model_dir), meta, threads=threads)
    from sentiflow.tasks.train.torch_classifier import TorchClassifier

    return TorchClassifier.load(Path(model_dir), meta, device=device, threads=threads)
