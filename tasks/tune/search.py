"""A training-strategy search from start to end, in three steps the Prefect layer wraps:

  plan_search    check every input (one-line UserErrors) before any work starts
  prepare_data   the dataset's splits, the training pool with its recipe features, the tokenizer
  run_search     trials until the budget or --trials runs out, each mirrored into DuckDB; then
                 the best trial's parameters saved as a named training config, and its model
                 judged once on the test split

The study lives in HOME/tune/STUDY.journal (study.py), trial work folders and the best trial's
weights in HOME/tune/STUDY/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from sentiflow.tasks.core.datasets import load_dataset, load_removed
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home, safe_name
from sentiflow.tasks.models.training.data import sample_rows
from sentiflow.tasks.models.training.loop import TrainEvent
from sentiflow.tasks.models.training.named import NamedConfig, save_named_config
from sentiflow.tasks.models.training.schedule import Clock
from sentiflow.tasks.tune import study as studies
from sentiflow.tasks.tune.mirror import mirror_trials
from sentiflow.tasks.tune.recipe import RECIPE_DEFAULTS, RECOVERABLE, FeatureFn, training_pool, with_features
from sentiflow.tasks.tune.space import Space, load_space
from sentiflow.tasks.tune.summary import TuneSummary
from sentiflow.tasks.tune.trial import PROFILE, SearchBudget, SearchData, TrialRunner, best_info, evaluate_on_test

VALIDATION_SEED = 0  # the fixed validation sample: never a trial's seed
MAX_FAILURES_IN_A_ROW = 3  # a search whose trials keep failing stops: something is broken
DATASET_ATTR = "dataset_version"


@dataclass(frozen=True)
class SearchPlan:
    """What one `tune` call will do; JSON-friendly so it can pass between Prefect tasks."""

    home: str
    study: str
    dataset_version: str
    space_path: str | None
    sampler: str | None  # --sampler (None: the space file's)
    pruner: str | None
    max_minutes: float
    trials: int | None  # most new trials this call; None = until the budget runs out
    resume: bool
    base_model: str  # what from_pretrained loads (a folder or hub id), resolved by the caller
    device: str

    def space(self) -> Space:
        return load_space(self.space_path).with_choice(self.sampler, self.pruner)


def plan_search(
    home: Home,
    dataset: str,
    study: str | None,
    max_minutes: float,
    trials: int | None,
    resume: bool,
    space_path: str | None,
    sampler: str | None,
    pruner: str | None,
    base_model: str,
    device: str,
) -> SearchPlan:
    """Validate every input; a one-line UserError for the first mistake.

    `study` None (the weekly deployment) names the study after the dataset version, tune-VERSION,
    and resumes it when it exists: a week without new data continues last week's search."""
    from sentiflow.tasks.models.runtime import pick_device

    if study is None:
        study = f"tune-{load_dataset(home, dataset).version}"
        journal = studies.journal_path(home, study)
        resume = journal.is_file() and journal.stat().st_size > 0
    safe_name(study, "study name")
    if not max_minutes > 0:
        raise UserError("--max-minutes must be > 0")
    if trials is not None and trials < 1:
        raise UserError("--trials must be >= 1")
    load_space(space_path).with_choice(sampler, pruner)
    pick_device(device)
    journal = studies.journal_path(home, study)
    exists = journal.is_file() and journal.stat().st_size > 0
    if exists and not resume:
        raise UserError(f"study {study!r} exists ({journal}): pass --resume to continue it, or another --study name")
    if resume and not exists:
        raise UserError(f"no study {study!r} to resume ({journal} does not exist): drop --resume to start it")
    version = load_dataset(home, dataset).version
    if exists:
        searched = studies.open_storage(journal)
        attrs = optuna.load_study(study_name=study, storage=searched).user_attrs
        if dataset.lower() == "latest":
            version = attrs.get(DATASET_ATTR, version)
        elif attrs.get(DATASET_ATTR, version) != version:
            raise UserError(
                f"study {study!r} searches dataset {attrs[DATASET_ATTR]}, not {version}: "
                "resume it with --dataset latest, or start another --study"
            )
    return SearchPlan(
        str(home.root), study, version, space_path, sampler, pruner, max_minutes, trials, resume, base_model, device
    )


def prepare_data(plan: SearchPlan, features: FeatureFn) -> SearchData:
    """Everything the trials share, read and computed once."""
    from transformers import AutoTokenizer

    from sentiflow.tasks.models.runtime import pick_device, quiet_transformers

    quiet_transformers()
    home = Home.at(plan.home)
    space = plan.space()
    splits = load_dataset(home, plan.dataset_version)
    evaluation = _concat(splits.validation, splits.test)
    pool = training_pool(splits.train, load_removed(home, plan.dataset_version, RECOVERABLE), evaluation, splits.labels)
    pool = with_features(pool, evaluation["text"].astype(str).tolist(), features)
    validation = sample_rows(splits.validation, space.fidelity.max_eval_examples or None, VALIDATION_SEED)
    return SearchData(
        labels=list(splits.labels),
        base_model=plan.base_model,
        tokenizer=AutoTokenizer.from_pretrained(plan.base_model),
        device=pick_device(plan.device),
        pool=pool,
        validation=validation,
        test=splits.test.reset_index(drop=True),
        work_dir=home.tune / plan.study,
    )


def _concat(*frames: Any) -> Any:
    import pandas as pd

    return pd.concat([f[["doc_id", "text"]] for f in frames], ignore_index=True)


def run_search(
    plan: SearchPlan,
    data: SearchData,
    clock: Clock = time.monotonic,
    log: Callable[[str], None] = lambda line: None,
    on_event: Callable[[TrainEvent], None] = lambda e: None,
) -> TuneSummary:
    """Trials until the budget or `plan.trials` runs out; the best config saved; the summary."""
    home, space = Home.at(plan.home), plan.space()
    started, budget = clock(), SearchBudget(plan.max_minutes, clock)
    study, failed_now = studies.open_study(home, plan.study, space.search, plan.resume)
    study.set_user_attr(DATASET_ATTR, plan.dataset_version)
    sampler = space.search.sampler

    def mirror(trial_id: int) -> None:
        frozen = study._storage.get_trial(trial_id)
        mirror_trials(home, plan.study, [frozen], plan.dataset_version, sampler)

    if failed_now:
        log(f"resume: trial(s) {', '.join(map(str, failed_now))} were running when their process died; marked failed")
    if plan.resume:  # the journal is the truth: a kill between its write and the table's left them apart
        mirror_trials(home, plan.study, study.get_trials(deepcopy=False), plan.dataset_version, sampler)
    runner = TrialRunner(data, space, budget, clock, on_event)
    done, failures, stop = 0, 0, "trials"
    while plan.trials is None or done < plan.trials:
        if budget.seconds_left() < space.search.min_trial_minutes * 60:
            stop = "time budget" if done else "no time for another trial"
            break
        trial = study.ask()
        mirror(trial._trial_id)
        best = studies.best_trial(study)
        try:
            state, value = _run_one(runner, trial, best.value if best else None)
        except (KeyboardInterrupt, SystemExit):
            trial.set_user_attr("failed_reason", "interrupted")
            study.tell(trial, state=TrialState.FAIL)
            mirror(trial._trial_id)
            raise
        study.tell(trial, value, state=state)
        mirror(trial._trial_id)
        done += 1
        failures = failures + 1 if state == TrialState.FAIL else 0
        log(_trial_line(study.trials[trial.number], studies.best_trial(study)))
        if failures >= MAX_FAILURES_IN_A_ROW:
            raise RuntimeError(f"{failures} trials in a row failed; the last: {trial.user_attrs.get('failed_reason')}")
    return _finish(plan, data, study, done, failed_now, stop, round(clock() - started, 1), log)


def _run_one(runner: TrialRunner, trial: optuna.Trial, best: float | None) -> tuple[TrialState, float | None]:
    """Run the objective; (the state to record, the value when complete)."""
    try:
        return TrialState.COMPLETE, runner(trial, best)
    except optuna.TrialPruned:
        return TrialState.PRUNED, None
    except UserError:
        raise  # the inputs are wrong for every trial alike: stop and say so
    except Exception as exc:  # one trial's failure (e.g. out of memory at a large batch) ends that trial only
        trial.set_user_attr("failed_reason", f"{type(exc).__name__}: {exc}"[:500])
        return TrialState.FAIL, None


def _trial_line(trial: optuna.trial.FrozenTrial, best: optuna.trial.FrozenTrial | None) -> str:
    state = studies.STATE_NAMES[trial.state]
    value = f" validation macro-F1 {trial.value:.4f}" if trial.value is not None and state == "complete" else ""
    note = trial.user_attrs.get("pruned_reason") or trial.user_attrs.get("failed_reason") or ""
    best_part = f"; best so far {best.value:.4f} (trial {best.number})" if best else ""
    seconds = studies.trial_seconds(trial)
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    return f"trial {trial.number} {state}{value}{took}{f' ({note})' if note else ''}{best_part}"


def split_params(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A trial's parameters as (training overrides, full recipe)."""
    train = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("train.")}
    recipe = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("recipe.")}
    return train, {**RECIPE_DEFAULTS, **recipe}


def _finish(
    plan: SearchPlan,
    data: SearchData,
    study: optuna.Study,
    done: int,
    failed_now: list[int],
    stop: str,
    seconds: float,
    log: Callable[[str], None],
) -> TuneSummary:
    """Save the best trial as a named config and judge its model on test."""
    space, best = plan.space(), studies.best_trial(study)
    test, config_name, params = None, None, {}
    if best is not None:
        params = dict(best.params)
        info = best_info(data.work_dir)
        if info is not None and info["number"] == best.number:
            test = evaluate_on_test(data, info)
            log(
                f"best trial {best.number} on the test split: accuracy {test['accuracy']:.4f}, macro-F1 {test['macro_f1']:.4f}"
            )
        else:
            log(f"the weights of best trial {best.number} were not kept (its process died); no test score")
        # a space's fixed values are part of the config too (Optuna records only what it sampled)
        fixed = {p.name: p.value for p in space.params if p.low is None and p.choices is None}
        train, recipe = split_params({**fixed, **params})
        config_name = plan.study
        path = save_named_config(
            Home.at(plan.home),
            NamedConfig(
                name=config_name,
                profile=PROFILE,
                train=train,
                recipe=recipe,
                origin={
                    "study": plan.study,
                    "dataset_version": plan.dataset_version,
                    "trial": best.number,
                    "validation_macro_f1": best.value,
                    "test": test,
                    "fidelity": {"max_train_examples": space.fidelity.max_train_examples},
                },
            ),
        )
        log(f"best config saved as {config_name!r} ({path}); train with `sentiflow train --config {config_name}`")
    return TuneSummary(
        study=plan.study,
        dataset_version=plan.dataset_version,
        sampler=space.search.sampler,
        pruner=space.search.pruner,
        best_config=config_name,
        best_value=round(best.value, 6) if best else None,
        best_trial=best.number if best else None,
        best_params=params,
        trials=studies.state_counts(study),
        trials_this_run=done,
        failed_on_resume=failed_now,
        test=test,
        seconds=seconds,
        stop_reason=stop,
        journal=str(studies.journal_path(Home.at(plan.home), plan.study)),
    )
