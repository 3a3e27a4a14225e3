"""`--method auto`: which candidates to build, and which one to return.

Candidates: the parent quantized, and (in the `full` profile) a distilled student and a
pruned model, each also quantized. Each is measured on validation; the answer is the fastest
(batch throughput) whose validation accuracy is within `max_accuracy_drop` points of the
parent's. When none is, nothing is chosen and the decision names the closest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sentiflow.tasks.compress.distill import default_student_layers
from sentiflow.tasks.compress.encoder import METHODS, check_target_layers
from sentiflow.tasks.compress.profiles import CompressProfile
from sentiflow.tasks.compress.prune import default_pruned_layers
from sentiflow.tasks.core.errors import UserError

_KIND = {"quantize": "quantized", "distill": "distilled", "prune": "pruned"}
FFN_KEEP_RATIO = 0.5  # pruning keeps half of each layer's FFN neurons


@dataclass(frozen=True)
class CandidateSpec:
    """One model to build: its steps in order, e.g. ("distill", "quantize")."""

    steps: tuple[str, ...]
    layers: int | None = None  # student depth (distill) or layers kept (prune)

    @property
    def kind(self) -> str:
        return "+".join(_KIND[s] for s in self.steps)

    @property
    def trains(self) -> bool:
        return self.steps[0] in ("distill", "prune")

    @property
    def source(self) -> CandidateSpec | None:
        """The fp32 candidate a quantize step starts from (None: the parent itself)."""
        return CandidateSpec(self.steps[:-1], self.layers) if len(self.steps) > 1 else None

    def tag(self) -> str:
        """Readable model-id suffix: int8, distil3, distil3-int8, prune4-ffn50-int8."""
        names = {
            "quantize": "int8",
            "distill": f"distil{self.layers}",
            "prune": f"prune{self.layers}-ffn{round(FFN_KEEP_RATIO * 100)}",
        }
        return "-".join(names[s] for s in self.steps)


def plan_candidates(
    method: str, profile: CompressProfile, parent_layers: int, target_layers: int | None, model_id: str
) -> list[CandidateSpec]:
    """Candidates in build order (a quantized candidate comes after its fp32 source)."""
    if method not in METHODS:
        raise UserError(f"unknown --method {method!r}: use one of {', '.join(METHODS)}")
    check_target_layers(target_layers, parent_layers, model_id)
    if method == "quantize" and target_layers is not None:
        raise UserError("--target-layers applies to distill, prune and auto, not to quantize")
    if parent_layers < 2 and (method in ("distill", "prune") or target_layers is not None):
        raise UserError(
            f"model {model_id!r} has {parent_layers} layer: there is no layer to distil or prune away; "
            "use --method quantize"
        )
    distill_layers = target_layers or default_student_layers(parent_layers)
    prune_layers = target_layers or default_pruned_layers(parent_layers)
    single = {
        "quantize": [CandidateSpec(("quantize",))],
        "distill": [CandidateSpec(("distill",), distill_layers)],
        "prune": [CandidateSpec(("prune",), prune_layers)],
    }
    if method != "auto":
        return single[method]
    plan: list[CandidateSpec] = []
    for name in profile.auto_methods if parent_layers > 1 else ("quantize",):
        plan.extend(single[name])
        if name != "quantize":
            plan.append(CandidateSpec((name, "quantize"), single[name][0].layers))
    return plan


@dataclass
class Outcome:
    """What choosing needs to know about one measured candidate."""

    model_id: str
    kind: str
    accuracy_drop_points: float  # parent validation accuracy minus the candidate's, in points
    throughput: float  # texts per second


@dataclass
class Decision:
    chosen: str | None
    reason: str
    closest: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def choose(outcomes: list[Outcome], max_accuracy_drop: float) -> Decision:
    """The fastest candidate within the budget, or none (naming the closest)."""
    if not outcomes:
        return Decision(None, "no candidate was built")
    within = [o for o in outcomes if o.accuracy_drop_points <= max_accuracy_drop]
    if within:
        best = max(within, key=lambda o: o.throughput)
        return Decision(
            best.model_id,
            f"{best.model_id} ({best.kind}) is the fastest of {len(within)} of {len(outcomes)} candidates within "
            f"{max_accuracy_drop:g} points of the parent's validation accuracy: {best.throughput:.0f} texts/s, "
            f"accuracy drop {best.accuracy_drop_points:.2f} points",
            best.model_id,
        )
    closest = min(outcomes, key=lambda o: o.accuracy_drop_points)
    return Decision(
        None,
        f"no candidate stays within {max_accuracy_drop:g} points of the parent's validation accuracy; closest: "
        f"{closest.model_id} ({closest.kind}, {closest.accuracy_drop_points:.2f} points lower); nothing promoted",
        closest.model_id,
    )


def validate_budget(max_accuracy_drop: float) -> None:
    if not 0 <= max_accuracy_drop <= 100:
        raise UserError(f"--max-accuracy-drop must be between 0 and 100 points, got {max_accuracy_drop:g}")
