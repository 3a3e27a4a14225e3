"""Load any registered model folder as a Classifier: one place maps a format to its backend.

`load_classifier(model_dir)` reads the folder's sentiflow.json and returns the backend its
`format` names: torch (fine-tuned or pruned/distilled fp32, Hugging Face format) or onnx
(int8 artefacts). A new format is one entry in BACKENDS.

Each backend takes the record and applies what it says to every call: the text preprocessing
the model was trained with (through `batching.padded_batches`, where every backend tokenises)
and the calibration temperature. So callers pass raw text, as it sits in the lake.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.classifier import Classifier
from sentiflow.tasks.models.record import ModelRecord, read_meta

SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")


def require_safetensors(folder: Path, what: str) -> None:
    """UserError unless `folder` holds safetensors weights: pickled weights are never loaded."""
    if any((folder / name).is_file() for name in SAFETENSORS_FILES):
        return
    pickled = sorted(p.name for p in folder.glob("*.bin"))
    hint = f" (found {', '.join(pickled)}: convert it to safetensors first)" if pickled else ""
    raise UserError(f"{what} {folder} holds no safetensors weights (model.safetensors){hint}")


def _check_torch(model_dir: Path, meta: ModelRecord) -> None:
    require_safetensors(model_dir, f"model {meta.model_id}: folder")


def _check_onnx(model_dir: Path, meta: ModelRecord) -> None:
    from sentiflow.tasks.models.onnx_backend import find_onnx_file

    find_onnx_file(model_dir)


def _load_torch(model_dir: Path, meta: ModelRecord, device: str, threads: int | None) -> Classifier:
    from sentiflow.tasks.models.torch_backend import TorchClassifier

    return TorchClassifier.load(model_dir, meta, device=device, threads=threads)


def _load_onnx(model_dir: Path, meta: ModelRecord, device: str, threads: int | None) -> Classifier:
    from sentiflow.tasks.models.onnx_backend import OnnxClassifier

    return OnnxClassifier.load(model_dir, meta, threads=threads)


# format -> (check the folder holds what it loads from, load it); backends import lazily so
# that reading a record never pulls in torch or onnxruntime
BACKENDS: dict[str, tuple[Callable[[Path, ModelRecord], None], Callable[..., Classifier]]] = {
    "torch": (_check_torch, _load_torch),
    "onnx": (_check_onnx, _load_onnx),
}


def _backend(meta: ModelRecord) -> tuple[Callable[[Path, ModelRecord], None], Callable[..., Classifier]]:
    if meta.format not in BACKENDS:
        raise UserError(
            f"model {meta.model_id} has format {meta.format!r}, which this sentiflow cannot load "
            f"(known: {', '.join(BACKENDS)})"
        )
    return BACKENDS[meta.format]


def check_model_files(model_dir: Path) -> ModelRecord:
    """The folder's record; UserError when it lacks the files its format loads from."""
    meta = read_meta(Path(model_dir))
    check, _ = _backend(meta)
    check(Path(model_dir), meta)
    return meta


def load_classifier(model_dir: Path, device: str = "auto", threads: int | None = None) -> Classifier:
    """Load any registered model folder through the same interface."""
    meta = check_model_files(Path(model_dir))
    _, load = _backend(meta)
    return load(Path(model_dir), meta, device, threads)
