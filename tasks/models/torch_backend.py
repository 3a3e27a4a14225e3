"""fp32 (or bf16 on CUDA) inference for Hugging Face format models, behind the Classifier interface.

Texts go through the model's recorded preprocessing (if any) before tokenising, as in the ONNX backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sentiflow.tasks.models.batching import padded_batches
from sentiflow.tasks.models.preprocessing import Preprocessing
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.models.runtime import pick_device


class TorchClassifier:
    """A sequence classifier in Hugging Face format (safetensors only)."""

    def __init__(
        self,
        model,
        tokenizer,
        labels: list[str],
        temperature: float,
        device: str,
        max_length: int = 128,
        preprocessing: Preprocessing | None = None,
    ):
        self.model, self.tokenizer = model, tokenizer
        self.labels, self.temperature = labels, temperature
        self.device, self.max_length = device, max_length
        self.preprocessing = preprocessing  # applied to raw texts before tokenising; None = as given

    @classmethod
    def load(
        cls, model_dir: Path, meta: ModelRecord, device: str = "auto", threads: int | None = None
    ) -> TorchClassifier:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if threads:
            torch.set_num_threads(threads)
        dev = pick_device(device)
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True)
        model.to(dev).eval()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        return cls(model, tokenizer, list(meta.labels), float(meta.temperature), dev, preprocessing=meta.preprocessing)

    def logits(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        for batch, enc in padded_batches(
            self.tokenizer, texts, self.max_length, batch_size, "pt", preprocessing=self.preprocessing
        ):
            enc = {k: v.to(self.device) for k, v in enc.items()}
            with (
                torch.inference_mode(),
                torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=self.device == "cuda"),
            ):
                logits = self.model(**enc).logits
            out[batch] = logits.float().cpu().numpy()
        return out
