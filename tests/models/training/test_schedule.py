"""The plan, the learning-rate schedule and the time budget, on a fake clock."""

from __future__ import annotations

from sentiflow.tasks.models.training.schedule import (
    BUDGET_SHARE,
    TIMING_STEPS,
    TimeBudget,
    lr_factor,
    steps_in_budget,
)


def test_lr_warms_up_then_decays_to_zero_at_the_end_of_the_plan():
    factors = [lr_factor(step, 100, 0.1) for step in range(101)]
    assert factors[:10] == [(s + 1) / 11 for s in range(10)]  # 10 warm-up steps
    assert factors[10] == 1.0 and factors[99] == 1 / 90 and factors[100] == 0.0
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))


def test_steps_in_budget_fits_the_pace_within_bounds():
    # 20 steps in 10 s, 60 s budget: 0.9 * 60 s at 0.5 s/step
    assert steps_in_budget(20, 10.0, 60.0, 1000) == round(BUDGET_SHARE * 60 / 0.5)
    assert steps_in_budget(20, 10.0, 60.0, 50) == 50  # never more than planned
    assert steps_in_budget(20, 100.0, 60.0, 1000) == 21  # over budget already: one more step at least


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_no_budget_keeps_the_plan_and_never_stops():
    clock = _Clock()
    budget = TimeBudget(None, 0, 500, clock)
    for step in range(1, 100):
        clock.now += 60.0
        assert budget.check(step, 500) == (500, False)


def test_the_plan_is_refitted_every_so_many_steps_of_this_run():
    clock = _Clock()
    budget = TimeBudget(1.0, 100, 1100, clock)  # resumed at step 100, 1,000 steps left, 60 s
    assert budget.refit_every == 1000 // 20
    plans = []
    for step in range(101, 151):
        clock.now += 0.125
        plans.append(budget.check(step, 1100))
    assert all(p == (1100, False) for p in plans[:-1])  # between re-fits the plan stands
    assert plans[-1] == (100 + 432, False)  # 0.9 * 60 s at 0.125 s/step


def test_it_stops_before_a_step_that_would_end_past_the_budget():
    clock = _Clock()
    budget = TimeBudget(0.5, 0, 100, clock)  # 30 s
    assert budget.refit_every == TIMING_STEPS
    for step in range(1, 21):
        clock.now += 1.0
        planned, stop = budget.check(step, 100)
        assert not stop
    assert planned == 27  # 0.9 * 30 s at 1 s/step
    clock.now += 4.0  # the machine got busy: step 21 took 4 s (24 s in all)
    assert budget.check(21, planned) == (27, False)  # 24 + 4 s ends inside the budget
    clock.now += 4.0
    assert budget.check(22, planned) == (27, True)  # 28 + 4 s would not
