"""Which model serves after a retrain: the policy `run` and `retrain` apply (no Prefect here).

The candidate that would serve is the compressed model `compress --method auto` chose, when
there is one, else the fine-tuned model itself. A compressed choice is already within the
accuracy budget of its parent (at most 1.0 point of validation accuracy by default, measured
by compress on the same split) while scoring several times faster and taking a quarter of the
disk, and scoring is what production does all night; so it is what should serve.

Whether it replaces production is then the training stage's champion/challenger rule
(tasks/train/promotion.py): it must beat production's test macro-F1 on its own test split.
Comparing what would actually serve (int8 against int8, or fp32 against fp32) keeps an fp32
challenger from winning on precision its compressed child then gives back.

A rerun that reuses the same models finds them already in production and changes nothing, so
the production model never flips between a parent and its compressed child.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.summary import Summary
from sentiflow.tasks.train.promotion import promote_if_better, stored_test_macro_f1
from sentiflow.tasks.warehouse.registry import get_model, production_model


@dataclass
class ProductionDecision(Summary):
    """What serves now, and why (the `production` line of a run's summary)."""

    production_id: str | None
    changed: bool
    reason: str
    challenger_id: str | None = None
    previous_id: str | None = None

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return self.to_json()


def serving_lineage(home: Home, finetuned_id: str) -> str | None:
    """The production model's id when it is `finetuned_id` or compressed from it, else None.

    Then a rerun that reused the fine-tuned model has nothing to decide: compressing it again
    would rebuild (or re-measure) the same candidates and choose the same one.
    """
    production = production_model(home)
    if production is not None and finetuned_id in (production.model_id, production.parent_id):
        return production.model_id
    return None


def serving_candidate(home: Home, finetuned_id: str, compressed_id: str | None) -> str:
    """The compressed choice when it has test metrics to compare, else the fine-tuned model."""
    if compressed_id and stored_test_macro_f1(get_model(home, compressed_id)) is not None:
        return compressed_id
    return finetuned_id


def choose_production(home: Home, finetuned_id: str, compressed_id: str | None) -> ProductionDecision:
    """Apply the policy above; promotes at most one model."""
    previous = production_model(home)
    previous_id = previous.model_id if previous else None
    family = {finetuned_id, compressed_id} - {None}
    if previous is not None and (previous.model_id in family or previous.parent_id == finetuned_id):
        return ProductionDecision(
            previous.model_id,
            False,
            f"{previous.model_id} (from this run's models) is already production",
            previous.model_id,
            previous_id,
        )
    challenger = serving_candidate(home, finetuned_id, compressed_id)
    decision = promote_if_better(home, challenger)
    note = (
        ""
        if challenger == compressed_id
        else (
            "; no compressed model within the accuracy budget"
            if not compressed_id
            else f"; {compressed_id} has no test metrics to compare"
        )
    )
    if decision.promote:
        return ProductionDecision(challenger, True, decision.reason + note, challenger, previous_id)
    return ProductionDecision(previous_id, False, decision.reason + note, challenger, previous_id)
