"""A search on the tiny model: trials run and prune, each is mirrored into DuckDB, the best one is
saved as a named config and judged on test; the budget bounds every trial (on a fake clock)."""

from __future__ import annotations

import json

import pytest

from sentiflow.flows.tune import curation_features
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.named import curation_path, load_named_config, training_config
from sentiflow.tasks.tune import search
from sentiflow.tasks.tune.trial import SearchBudget
from sentiflow.tasks.warehouse.db import connect_ro, connect_rw
from tests.tune.helpers import TINY_SPACE, tiny_space


def _plan(home, tiny_bert, tmp_path, study="s1", minutes=5.0, trials=8, resume=False, text=TINY_SPACE):
    space = str(tiny_space(tmp_path, text))
    return search.plan_search(home, "latest", study, minutes, trials, resume, space, None, None, str(tiny_bert), "cpu")


def test_a_study_runs_prunes_records_and_saves_its_best_config(tune_home, tiny_bert, tmp_path):
    plan = _plan(tune_home, tiny_bert, tmp_path)
    lines: list[str] = []
    summary = search.run_search(plan, search.prepare_data(plan, curation_features), log=lines.append)

    assert summary.trials_this_run == 8 and summary.stop_reason == "trials"
    assert summary.trials["complete"] >= 2 and summary.trials["pruned"] >= 1, summary.trials
    assert sum(summary.trials.values()) == 8 and summary.trials["running"] == 0
    assert summary.best_value == 1.0 and summary.test == {"n": 8, "accuracy": 1.0, "macro_f1": 1.0}
    assert any(line.startswith("trial 0 ") for line in lines)

    with connect_ro(tune_home.warehouse) as con:
        rows = con.execute(
            "select number, state, value, params, curve, seconds, dataset_version, note from tuning_trials "
            "where study = 's1' order by number"
        ).fetchall()
        best = con.execute("select number, value from best_trials where study = 's1'").fetchall()
    assert [r[0] for r in rows] == list(range(8))
    states = [r[1] for r in rows]
    assert states.count("complete") == summary.trials["complete"] and states.count("pruned") == summary.trials["pruned"]
    complete_curves = [len(json.loads(r[4])) for r in rows if r[1] == "complete"]
    for _, state, value, params, curve, seconds, version, note in rows:
        assert version == "v1" and seconds is not None and "train.lr" in json.loads(params)
        if state == "pruned":
            assert value is None and note.startswith("pruned at step") and note.endswith("examples seen)")
            assert 0 < len(json.loads(curve)) < max(complete_curves)  # stopped before the end
    assert best == [(summary.best_trial, 1.0)]

    named = load_named_config(tune_home, "s1")
    assert named.origin["trial"] == summary.best_trial and named.origin["test"]["accuracy"] == 1.0
    assert named.train["batch_size"] == 16 and named.train["lr"] == summary.best_params["train.lr"]  # fixed and sampled
    assert named.recipe["near_dedup"] == summary.best_params["recipe.near_dedup"]
    assert named.recipe["leakage_threshold"] == 0.5  # not searched: curation's default
    config = training_config(tune_home, "s1", "quick", max_minutes=2.0)
    assert config.lr == named.train["lr"] and config.max_minutes == 2.0 and config.max_seq_len == 32
    assert config.label_smoothing == named.train["label_smoothing"]
    toml = curation_path(tune_home, "s1").read_text(encoding="utf-8")
    assert ("near_dedup" in toml) == named.recipe["near_dedup"] and "leakage_threshold = 0.5" in toml


def test_a_second_start_of_the_same_study_needs_resume(tune_home, tiny_bert, tmp_path):
    plan = _plan(tune_home, tiny_bert, tmp_path, trials=1)
    search.run_search(plan, search.prepare_data(plan, curation_features))
    with pytest.raises(UserError, match="study 's1' exists .*pass --resume"):
        _plan(tune_home, tiny_bert, tmp_path, trials=1)
    with connect_rw(tune_home.warehouse) as con:  # the table lost the first trial (a kill before its write)
        con.execute("delete from tuning_trials")
    resumed = _plan(tune_home, tiny_bert, tmp_path, trials=1, resume=True)
    summary = search.run_search(resumed, search.prepare_data(resumed, curation_features))
    assert sum(summary.trials.values()) == 2 and summary.failed_on_resume == []
    with connect_ro(tune_home.warehouse) as con:  # a resume writes the journal's trials again
        assert con.execute("select list(number order by number) from tuning_trials").fetchone()[0] == [0, 1]


class FakeClock:
    """Seconds that advance by one at every reading: time passes only as the work looks at it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_the_budget_bounds_every_trial_and_the_search(tune_home, tiny_bert, tmp_path):
    no_pruning = TINY_SPACE.replace('pruner = "successive_halving"', 'pruner = "none"')
    plan = _plan(tune_home, tiny_bert, tmp_path, minutes=2.0, trials=None, text=no_pruning)
    clock = FakeClock()
    steps: list[float] = []  # when each optimizer step ended
    ends: list[float] = []  # when each trial's loop returned

    def on_event(event):
        (steps if event.kind == "step" else ends if event.kind == "stop" else []).append(clock.now)

    summary = search.run_search(plan, search.prepare_data(plan, curation_features), clock=clock, on_event=on_event)
    deadline = 1.0 + 2.0 * 60  # the budget started at the first reading
    assert steps and max(steps) <= deadline, (max(steps), deadline)  # no trial trained past the budget
    reserve = SearchBudget.RESERVE_SECONDS  # what a trial's closing evaluation may take beyond its training
    assert max(ends) <= deadline + reserve, (ends, deadline)
    assert summary.stop_reason == "time budget" and summary.trials_this_run == len(ends)
    assert summary.trials_this_run >= 2  # the budget was shared out, not spent on one trial


def test_the_pruner_judges_no_trial_before_half_an_epoch_and_its_warm_up(tune_home, tiny_bert, tmp_path, monkeypatch):
    import optuna

    from sentiflow.tasks.tune import study as study_module

    class AlwaysPrune(optuna.pruners.BasePruner):
        def prune(self, study, trial) -> bool:
            return True

    monkeypatch.setattr(study_module, "make_pruner", lambda settings: AlwaysPrune())
    text = (
        TINY_SPACE.replace("evals_per_epoch = 1", "evals_per_epoch = 4")
        .replace("epochs = { low = 6, high = 12 }", "epochs = 2")
        .replace("warmup_ratio = 0.0", "warmup_ratio = 0.4")
    )
    plan = _plan(tune_home, tiny_bert, tmp_path, study="judged", trials=1, text=text)
    summary = search.run_search(plan, search.prepare_data(plan, curation_features))
    assert summary.trials["pruned"] == 1
    with connect_ro(tune_home.warehouse) as con:
        curve, rows, note = con.execute(
            "select curve, train_rows, note from tuning_trials where study = 'judged'"
        ).fetchone()
    seen = [examples for examples, _ in json.loads(curve)]
    assert len(seen) >= 2  # the first passes were reported, not judged: a pruner that always says yes waited
    assert seen[-1] >= rows / 2 and seen[-1] >= 0.4 * 2 * rows  # judged after half an epoch and the warm-up
    assert note.endswith(f"({seen[-1]} examples seen)")
