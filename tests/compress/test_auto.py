"""`auto`: the candidates it plans and the rule it chooses by."""

from __future__ import annotations

import pytest

from sentiflow.tasks.compress.auto import CandidateSpec, Outcome, choose, plan_candidates, validate_budget
from sentiflow.tasks.compress.profiles import PROFILES, get_profile
from sentiflow.tasks.core.errors import UserError


def _plan(method: str, profile: str = "full", layers: int = 6, target: int | None = None) -> list[tuple]:
    return [(s.steps, s.layers) for s in plan_candidates(method, PROFILES[profile], layers, target, "m")]


def test_plans_for_each_method_and_profile():
    assert _plan("auto", "quick") == [(("quantize",), None)]
    assert _plan("auto", "full") == [
        (("quantize",), None),
        (("distill",), 3),
        (("distill", "quantize"), 3),
        (("prune",), 4),
        (("prune", "quantize"), 4),
    ]
    assert _plan("auto", "full", target=2)[1:3] == [(("distill",), 2), (("distill", "quantize"), 2)]
    assert _plan("distill", layers=12) == [(("distill",), 6)]
    assert _plan("prune", layers=12) == [(("prune",), 8)]
    assert CandidateSpec(("distill", "quantize"), 3).kind == "distilled+quantized"
    assert CandidateSpec(("prune", "quantize"), 4).tag() == "prune4-ffn50-int8"
    assert CandidateSpec(("distill", "quantize"), 3).source == CandidateSpec(("distill",), 3)


@pytest.mark.parametrize("target", [6, 7, 0])
def test_target_layers_must_be_below_the_parents(target):
    with pytest.raises(UserError, match=f"--target-layers {target} must be between 1 and 5: model 'm' has 6 layers"):
        _plan("distill", target=target)


def test_other_bad_plans_are_user_errors():
    with pytest.raises(UserError, match="unknown --method 'shrink'"):
        _plan("shrink")
    with pytest.raises(UserError, match="has 1 layer: there is no layer to distil or prune away"):
        _plan("distill", layers=1)
    assert _plan("auto", "full", layers=1) == [(("quantize",), None)]  # nothing to remove: quantize only
    with pytest.raises(UserError, match="not to quantize"):
        _plan("quantize", target=3)
    with pytest.raises(UserError, match="between 0 and 100 points"):
        validate_budget(-1)
    with pytest.raises(UserError, match="unknown --profile 'medium'"):
        get_profile("medium")


def test_max_minutes_is_shared_among_training_candidates():
    profile = get_profile("full", seed=7, max_minutes=10, trained_candidates=2)
    assert profile.distill.recipe.max_minutes == 5 and profile.prune_recovery.recipe.max_minutes == 5
    assert profile.distill.recipe.seed == 7


def test_choose_returns_the_fastest_candidate_within_the_budget():
    outcomes = [
        Outcome("int8", "quantized", 0.2, 300.0),
        Outcome("distil3-int8", "distilled+quantized", 1.5, 900.0),  # fastest, but over budget
        Outcome("prune4-int8", "pruned+quantized", 0.9, 500.0),
        Outcome("distil3", "distilled", -0.3, 400.0),
    ]
    decision = choose(outcomes, max_accuracy_drop=1.0)
    assert decision.chosen == "prune4-int8"
    assert "fastest of 3 of 4 candidates within 1 points" in decision.reason
    assert choose(outcomes, max_accuracy_drop=2.0).chosen == "distil3-int8"


def test_choose_names_the_closest_when_none_meets_the_budget():
    outcomes = [Outcome("int8", "quantized", 3.0, 300.0), Outcome("distil3", "distilled", 1.2, 400.0)]
    decision = choose(outcomes, max_accuracy_drop=1.0)
    assert decision.chosen is None and decision.closest == "distil3"
    assert "closest: distil3 (distilled, 1.20 points lower); nothing promoted" in decision.reason
    assert choose([], 1.0).chosen is None
