"""One trial: a recipe's training rows, a fresh model, the shared training loop, its best
validation macro-F1. The loop's validation passes are the trial's intermediate scores: each is
reported to Optuna, and the pruner can stop the trial right there.

Scores are reported by training examples seen, not optimizer steps, so the pruner compares
trials at equal data whatever their batch sizes. And it decides nothing before a trial has seen
half an epoch of its sample and finished its learning-rate warm-up: the first SST-2 search
(benchmarks/bench_tune.py, 6,000-row trials, 3 passes per epoch) pruned a trial at its first
pass with 0.368 macro-F1, as low as the start of the trial that went on to 0.847 (0.365):
that early the score says how fast a trial warms up, not where it ends.

What every trial shares (`SearchData`) is prepared once: the training pool with its recipe
features, the fixed validation rows (a seeded sample, the same for every trial, whatever the
recipe removes from training) and the test rows, read only by `evaluate_on_test` at the end.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd

from sentiflow.tasks.models.training.checkpoint import load_weights, save_weights
from sentiflow.tasks.models.training.config import TrainConfig, make_config
from sentiflow.tasks.models.training.loop import TrainEvent, run_training
from sentiflow.tasks.models.training.schedule import Clock
from sentiflow.tasks.tune.recipe import Recipe, apply_recipe
from sentiflow.tasks.tune.space import Space

PROFILE = "full"  # the profile a trial's parameters override, and a saved config names
BEST_FILE, BEST_INFO = "best.safetensors", "best.json"
TRIAL_LOG_EVERY = 50


class BudgetSpent(RuntimeError):
    """Nothing of the search's budget was left for a trial's training."""


@dataclass
class SearchData:
    """What every trial of a search shares."""

    labels: list[str]
    base_model: str  # what from_pretrained loads
    tokenizer: Any
    device: str
    pool: pd.DataFrame  # recipe.training_pool with its features
    validation: pd.DataFrame  # fixed for the whole search
    test: pd.DataFrame
    work_dir: Path  # HOME/tune/STUDY/: trial folders and the best trial's weights


class SearchBudget:
    """The wall-clock budget of the whole search; each trial's loop gets what is left of it."""

    TRIAL_SHARE = 0.95  # of what is left, for the loop; the rest covers its closing evaluation,
    RESERVE_SECONDS = 2.0  # and at least this much (the loop itself keeps 10% of its budget spare)

    def __init__(self, minutes: float, clock: Clock) -> None:
        self.clock = clock
        self.deadline = clock() + minutes * 60

    def seconds_left(self) -> float:
        return self.deadline - self.clock()

    def trial_minutes(self, cap_minutes: float) -> float:
        left = self.seconds_left()
        return max(0.0, min(cap_minutes * 60, left * self.TRIAL_SHARE, left - self.RESERVE_SECONDS)) / 60


def trial_config(space: Space, overrides: dict[str, Any], minutes: float, device: str) -> TrainConfig:
    fidelity = space.fidelity
    return make_config(
        PROFILE,
        **overrides,
        max_train_examples=fidelity.max_train_examples or None,
        evals_per_epoch=fidelity.evals_per_epoch,
        max_minutes=minutes,
        device=device,
        checkpoint_every=0,  # a trial is cheap to rerun; a killed one is marked failed
        log_every=TRIAL_LOG_EVERY,
    )


class TrialRunner:
    """The objective: trial -> best validation macro-F1 of the model its parameters train."""

    def __init__(
        self,
        data: SearchData,
        space: Space,
        budget: SearchBudget,
        clock: Clock,
        on_event: Callable[[TrainEvent], None] = lambda e: None,
    ) -> None:
        self.data, self.space, self.budget, self.clock, self.on_event = data, space, budget, clock, on_event

    def __call__(self, trial: optuna.Trial, best_so_far: float | None) -> float:
        from sentiflow.tasks.models.training.data import encode_split, sample_rows
        from sentiflow.tasks.models.training.head import fresh_classifier
        from sentiflow.tasks.models.training.validation import Validation

        data = self.data
        overrides, recipe = self.space.suggest(trial)
        rows = apply_recipe(data.pool, recipe)
        trial.set_user_attr("train_rows", len(rows))
        if rows["label"].nunique() < 2:
            trial.set_user_attr("pruned_reason", f"the recipe keeps {len(rows)} rows of fewer than 2 classes")
            raise optuna.TrialPruned(trial.user_attrs["pruned_reason"])
        config = trial_config(self.space, overrides, self.space.search.max_trial_minutes, data.device)
        train = encode_split(
            data.tokenizer, sample_rows(rows, config.max_train_examples, config.seed), data.labels, config.max_seq_len
        )
        validation = encode_split(data.tokenizer, data.validation, data.labels, config.max_seq_len)
        model = fresh_classifier(data.base_model, data.labels, config.seed).to(data.device)
        work = data.work_dir / f"trial-{trial.number}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)

        def report(event: TrainEvent) -> None:
            self.on_event(event)
            if event.kind == "eval":
                seen = event.step * config.batch_size
                trial.report(event.data["macro_f1"], seen)
                judged_from = max(len(train) / 2, config.warmup_ratio * event.total_steps * config.batch_size)
                if seen >= judged_from and trial.should_prune():
                    trial.set_user_attr(
                        "pruned_reason", f"pruned at step {event.step} of {event.total_steps} ({seen} examples seen)"
                    )
                    raise optuna.TrialPruned(trial.user_attrs["pruned_reason"])

        # the loop's budget is what is left of the search's now, after loading and tokenising
        minutes = self.budget.trial_minutes(self.space.search.max_trial_minutes)
        if minutes <= 0:
            raise BudgetSpent("the search's budget ran out while the trial loaded its data and model")
        config = trial_config(self.space, overrides, minutes, data.device)
        try:
            result = run_training(
                model,
                train,
                config,
                pad_id=data.tokenizer.pad_token_id or 0,
                device=data.device,
                validation=Validation(validation, data.labels, data.tokenizer),
                work_dir=work,
                on_event=report,
                clock=self.clock,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        value = float(result.best_validation_macro_f1)
        trial.set_user_attr("steps", result.steps)
        trial.set_user_attr("stop_reason", result.stop_reason)
        if best_so_far is None or value > best_so_far:
            keep_best(data.work_dir, model, trial.number, value, overrides, recipe)
        return value


def keep_best(work_dir: Path, model: Any, number: int, value: float, train: dict[str, Any], recipe: Recipe) -> None:
    """The best trial's weights, kept so the test split can judge it once the search ends."""
    from sentiflow.tasks.core.atomic import write_json

    save_weights(model, work_dir / BEST_FILE)
    write_json({"number": number, "value": value, "train": train, "recipe": recipe.to_json()}, work_dir / BEST_INFO)


def best_info(work_dir: Path) -> dict[str, Any] | None:
    path = work_dir / BEST_INFO
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() and (work_dir / BEST_FILE).is_file() else None


def evaluate_on_test(data: SearchData, info: dict[str, Any]) -> dict[str, float]:
    """The kept best trial's model on the test split: the only time a search reads it."""
    from sentiflow.tasks.models.training.data import encode_split
    from sentiflow.tasks.models.training.head import fresh_classifier
    from sentiflow.tasks.models.training.validation import Validation

    config = make_config(PROFILE, **info["train"])
    model = fresh_classifier(data.base_model, data.labels, config.seed).to(data.device)
    load_weights(model, data.work_dir / BEST_FILE)
    test = encode_split(data.tokenizer, data.test, data.labels, config.max_seq_len)
    metrics = Validation(test, data.labels, data.tokenizer).metrics(model, data.device, config.max_seq_len, 128)
    return {"n": len(test), "accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4)}
