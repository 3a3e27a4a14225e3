"""Validation during training: held-out rows, the model's metrics on them as it is now, and the
rule that says whether they improved (early stopping and the weights kept follow from it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sentiflow.tasks.models.metrics import classification_metrics
from sentiflow.tasks.models.training.data import EncodedSplit

NLL_MIN_GAIN = 1e-4  # validation loss drop (nats) that counts as a gain when macro-F1 ties


@dataclass
class Validation:
    """The rows scored during training. Texts are tokenised again, as the classifier will at inference."""

    split: EncodedSplit
    labels: Sequence[str]
    tokenizer: Any

    def metrics(self, model: Any, device: str, max_len: int, batch_size: int) -> dict[str, Any]:
        """Macro-F1 and friends of the model as it is now (eval mode, inference_mode)."""
        from sentiflow.tasks.models.torch_backend import TorchClassifier

        was_training = model.training
        model.eval()
        clf = TorchClassifier(model, self.tokenizer, list(self.labels), 1.0, device, max_length=max_len)
        logits = clf.logits(self.split.texts, batch_size=batch_size)
        model.train(was_training)
        return classification_metrics(logits, np.array(self.split.label_ids), self.labels)


def improved(metrics: dict[str, Any], best_macro_f1: float, best_nll: float) -> bool:
    """Higher macro-F1; on a tie (small validation sets tie often, e.g. at 1.0), lower loss."""
    f1, best_f1 = round(metrics["macro_f1"], 6), round(best_macro_f1, 6)
    return f1 > best_f1 or (f1 == best_f1 and metrics["nll"] < best_nll - NLL_MIN_GAIN)
