"""What compression needs to know about a parent model: its architecture, layers and size.

Distillation and pruning edit the encoder's layer stack directly, so they support the
BERT family only (`model_type == "bert"`: bert-base, MiniLM, TinyBERT...). Quantization goes
through the ONNX exporter and works for any BERT-family encoder too; the same check keeps one
rule for all methods.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sentiflow.tasks.core.errors import UserError

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

SUPPORTED_MODEL_TYPES = ("bert",)
METHODS = ("quantize", "prune", "distill", "auto")


def check_supported(model_type: str, model_id: str) -> None:
    """Raise a one-line UserError naming an architecture compression cannot handle."""
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise UserError(
            f"model {model_id!r} is a {model_type!r} model; compress supports BERT-family encoders "
            f"(model_type {', '.join(SUPPORTED_MODEL_TYPES)}) only"
        )


def check_target_layers(target_layers: int | None, parent_layers: int, model_id: str) -> None:
    """A student or pruned model must keep at least one layer and drop at least one."""
    if target_layers is None:
        return
    if target_layers < 1 or target_layers >= parent_layers:
        raise UserError(
            f"--target-layers {target_layers} must be between 1 and {parent_layers - 1}: "
            f"model {model_id!r} has {parent_layers} layers"
        )


def load_torch_model(model_dir: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The parent's Hugging Face model (safetensors, eval mode) and tokenizer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    return model.eval(), tokenizer


def encoder_layers(model: PreTrainedModel) -> torch.nn.ModuleList:
    """The transformer blocks, in order (BertForSequenceClassification.bert.encoder.layer)."""
    return model.base_model.encoder.layer


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def renumber_layers(model: PreTrainedModel, keep: list[int]) -> None:
    """Keep only the encoder blocks at indices `keep` (in that order) and update the config."""
    import torch

    layers = encoder_layers(model)
    kept = torch.nn.ModuleList([layers[i] for i in keep])
    for new_index, layer in enumerate(kept):
        # layer_idx addresses a decoder's KV cache; keep it consistent for the new positions
        for module in layer.modules():
            if hasattr(module, "layer_idx"):
                module.layer_idx = new_index
    model.base_model.encoder.layer = kept
    model.config.num_hidden_layers = len(kept)
