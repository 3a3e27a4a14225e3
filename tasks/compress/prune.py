"""Structured pruning: remove whole encoder layers and FFN neurons, then recover.

What is removed is chosen by importance measured on a few labelled validation batches:
- layers: greedily, the layer whose removal raises the loss least (direct ablation; with 6-12
  layers this costs a few dozen forward passes);
- FFN neurons: first-order importance of a gate on each neuron's activation,
  sum over batches of |dL/dgate| (Michel et al., 2019, applied to neurons instead of heads).
The same number of neurons is kept in every layer, so the pruned model is a plain BERT with a
smaller `intermediate_size` and `num_hidden_layers`: it reloads with `from_pretrained`, needs
no custom code, and every removed weight is gone from the matrices, which is what makes it
faster on CPU (unstructured zeros would not be).

Attention heads are not pruned: transformers 5 removed `prune_heads` and the `pruned_heads`
config field, so a head-pruned BERT would no longer reload as a standard model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sentiflow.tasks.compress.distill import train_student
from sentiflow.tasks.compress.encoder import check_target_layers, count_parameters, encoder_layers, renumber_layers
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import StudentTrainingConfig
from sentiflow.tasks.models.training.data import EncodedSplit, collate
from sentiflow.tasks.models.training.loop import LoopResult
from sentiflow.tasks.models.training.losses import TeacherTargets

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel


@dataclass(frozen=True)
class PruneConfig:
    layers: int | None = None  # encoder layers to keep; None = drop a third (6 -> 4, 12 -> 8)
    ffn_keep_ratio: float = 0.5  # share of FFN neurons kept in every layer; 1.0 = no FFN pruning
    importance_batches: int = 8  # labelled validation batches used to score importance
    batch_size: int = 32
    recovery: StudentTrainingConfig = field(default_factory=StudentTrainingConfig)


@dataclass
class PruneReport:
    """Exactly what was removed; `parameters_before - parameters_removed == parameters_after`."""

    removed_layers: list[int]  # indices in the parent
    kept_layers: list[int]
    ffn_neurons_before: int  # per layer
    ffn_neurons_after: int  # per layer
    layer_loss_increase: dict[int, float]  # validation loss increase when each layer was removed
    parameters_before: int
    parameters_removed_with_layers: int
    parameters_removed_with_ffn: int
    parameters_after: int
    recovery: LoopResult | None = None

    @property
    def parameters_removed(self) -> int:
        return self.parameters_removed_with_layers + self.parameters_removed_with_ffn

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "recovery"}
        out["layer_loss_increase"] = {str(k): round(v, 5) for k, v in self.layer_loss_increase.items()}
        out["parameters_removed"] = self.parameters_removed
        if self.recovery is not None:
            out["recovery"] = self.recovery.to_json()
        return out


def default_pruned_layers(parent_layers: int) -> int:
    return max(1, parent_layers - parent_layers // 3)


def _batches(split: EncodedSplit, pad_id: int, batch_size: int, limit: int) -> list[tuple[dict, torch.Tensor]]:
    """The first `limit` batches of `split` as (model inputs, gold labels)."""
    rows = list(range(min(len(split), batch_size * limit)))
    out = []
    for start in range(0, len(rows), batch_size):
        batch = collate(split, rows[start : start + batch_size], pad_id)
        out.append((batch, batch.pop("labels")))
    return out


def _mean_loss(model: PreTrainedModel, batches: list) -> float:
    import torch
    import torch.nn.functional as F

    with torch.inference_mode():
        return float(np.mean([F.cross_entropy(model(**enc).logits, gold).item() for enc, gold in batches]))


def choose_layers_to_remove(model: PreTrainedModel, batches: list, remove: int) -> tuple[list[int], dict[int, float]]:
    """Greedily remove the layer that raises the loss least, `remove` times (parent indices)."""
    import torch

    original = encoder_layers(model)
    alive = list(range(len(original)))
    removed, increase = [], {}
    try:
        for _ in range(remove):
            model.base_model.encoder.layer = torch.nn.ModuleList([original[i] for i in alive])
            base = _mean_loss(model, batches)
            trials = {}
            for i in alive:
                model.base_model.encoder.layer = torch.nn.ModuleList([original[j] for j in alive if j != i])
                trials[i] = _mean_loss(model, batches) - base
            victim = min(trials, key=trials.get)
            removed.append(victim)
            increase[victim] = trials[victim]
            alive.remove(victim)
    finally:
        model.base_model.encoder.layer = original
    return sorted(removed), increase


def ffn_neuron_importance(model: PreTrainedModel, batches: list) -> list[torch.Tensor]:
    """Per layer, sum over batches of |dL/dgate| for a gate of 1.0 on each FFN neuron."""
    import torch
    import torch.nn.functional as F

    layers = encoder_layers(model)
    gates = [torch.ones(layer.intermediate.dense.out_features, requires_grad=True) for layer in layers]
    scores = [torch.zeros_like(g) for g in gates]
    hooks = [
        layer.intermediate.register_forward_hook(lambda _m, _i, out, gate=gate: out * gate)
        for layer, gate in zip(layers, gates)
    ]
    trainable = [p for p in model.parameters() if p.requires_grad]
    for p in trainable:  # only the gates need gradients here
        p.requires_grad_(False)
    try:
        for enc, gold in batches:
            F.cross_entropy(model(**enc).logits, gold).backward()
            for gate, score in zip(gates, scores):
                score += gate.grad.abs()
                gate.grad = None
    finally:
        for hook in hooks:
            hook.remove()
        for p in trainable:
            p.requires_grad_(True)
    return scores


def prune_ffn(model: PreTrainedModel, keep_per_layer: list[torch.Tensor]) -> None:
    """Keep only the given FFN neurons (same count in every layer) and update the config."""
    import torch

    for layer, keep in zip(encoder_layers(model), keep_per_layer):
        up, down = layer.intermediate.dense, layer.output.dense
        new_up = torch.nn.Linear(up.in_features, len(keep))
        new_down = torch.nn.Linear(len(keep), down.out_features)
        with torch.no_grad():
            new_up.weight.copy_(up.weight[keep])
            new_up.bias.copy_(up.bias[keep])
            new_down.weight.copy_(down.weight[:, keep])
            new_down.bias.copy_(down.bias)
        layer.intermediate.dense, layer.output.dense = new_up, new_down
    model.config.intermediate_size = len(keep_per_layer[0])


def prune(
    parent: PreTrainedModel,
    pad_id: int,
    importance_split: EncodedSplit,
    config: PruneConfig,
    recovery_data: tuple[EncodedSplit, TeacherTargets] | None = None,
    model_id: str = "parent",
    log: Callable[[str], None] | None = None,
) -> tuple[PreTrainedModel, PruneReport]:
    """A pruned copy of `parent`; recovery_data = (train split, parent's soft targets) to recover on."""
    import copy

    if not 0.0 < config.ffn_keep_ratio <= 1.0:
        raise UserError(f"ffn_keep_ratio must be in (0, 1], got {config.ffn_keep_ratio}")
    parent_layers = len(encoder_layers(parent))
    keep_layers = config.layers if config.layers is not None else default_pruned_layers(parent_layers)
    if keep_layers != parent_layers:
        check_target_layers(keep_layers, parent_layers, model_id)
    ffn_before = parent.config.intermediate_size
    ffn_after = max(1, math.ceil(ffn_before * config.ffn_keep_ratio))
    if keep_layers == parent_layers and ffn_after == ffn_before:
        raise UserError("nothing to prune: keep fewer layers or fewer FFN neurons")

    model = copy.deepcopy(parent).eval()
    batches = _batches(importance_split, pad_id, config.batch_size, config.importance_batches)
    if not batches:
        raise UserError("pruning needs labelled validation examples to measure importance; the split is empty")
    before = count_parameters(model)

    removed, increase = choose_layers_to_remove(model, batches, parent_layers - keep_layers)
    kept = [i for i in range(parent_layers) if i not in removed]
    renumber_layers(model, kept)
    after_layers = count_parameters(model)
    if log:
        log(f"removed layers {removed} (loss increase {increase}); kept {kept}")

    if ffn_after < ffn_before:
        scores = ffn_neuron_importance(model, batches)
        keep = [s.topk(ffn_after).indices.sort().values for s in scores]
        prune_ffn(model, keep)
        if log:
            log(f"kept {ffn_after} of {ffn_before} FFN neurons in each of {len(kept)} layers")
    after = count_parameters(model)

    report = PruneReport(
        removed_layers=removed,
        kept_layers=kept,
        ffn_neurons_before=ffn_before,
        ffn_neurons_after=ffn_after,
        layer_loss_increase=increase,
        parameters_before=before,
        parameters_removed_with_layers=before - after_layers,
        parameters_removed_with_ffn=after_layers - after,
        parameters_after=after,
    )
    if recovery_data is not None:
        train, targets = recovery_data
        report.recovery = train_student(model, pad_id, train, targets, config.recovery, log=log)
    return model, report
