"""fp32 (or bf16 on CUDA) inference for Hugging Face format models, behind the Classifier interface."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentiflow.tasks.warehouse.registry import ModelRecord


def pick_device(device: str = "auto") -> str:
    import torch

    from sentiflow.tasks.core.errors import UserError

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was given but no CUDA GPU is available; use --device cpu or auto")
    if device not in ("cpu", "cuda"):
        raise UserError(f"unknown --device {device!r}: use auto, cpu or cuda")
    return device


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so dynamic padding pads little."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class TorchClassifier:
    """A sequence classifier in Hugging Face format (safetensors only)."""

    def __init__(self, model, tokenizer, labels: list[str], temperature: float, device: str, max_length: int = 128):
        self.model, self.tokenizer = model, tokenizer
        self.labels, self.temperature = labels, temperature
        self.device, self.max_length = device, max_length

    @classmethod
    def load(cls, model_dir: Path, meta: ModelRecord, device: str = "auto", threads: int | None = None) -> "TorchClassifier":
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        dev = pick_device(device)
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True)
        model.to(dev).eval()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        return cls(model, tokenizer, list(meta.labels), float(meta.temperature), dev)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        for batch in length_sorted_batches([len(x) for x in ids], batch_size):
            enc = self.tokenizer.pad({"input_ids": [ids[i] for i in batch]}, return_tensors="pt")
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with torch.inference_mode(), torch.autocast(
                device_type="cuda", dtype=torch.bfloat16, enabled=self.device == "cuda"
            ):
                logits = self.model(**enc).logits
            out[batch] = logits.float().cpu().numpy()
        return out
