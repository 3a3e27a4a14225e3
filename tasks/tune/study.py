"""The Optuna study: where it is stored, how it samples and prunes, and how a resume repairs it.

Storage is Optuna's JournalStorage on a file in the home (HOME/tune/STUDY.journal): an
append-only log of every trial event, so a process killed at any moment leaves every finished
trial readable, and `optuna-dashboard HOME/tune/STUDY.journal` opens it. A trial that was
running when its process died stays RUNNING in the log; `--resume` marks it FAIL before the
search goes on (`fail_orphaned_trials`). Optuna's heartbeat does the same only for RDB storages.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import optuna
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
from optuna.trial import FrozenTrial, TrialState

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.tune.space import SearchSettings

STATE_NAMES = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
    TrialState.RUNNING: "running",
    TrialState.WAITING: "waiting",
}
ORPHANED = "the process running this trial ended before it did (killed?); marked failed on --resume"
NSGA2_POPULATION = 4  # a generation a 2-core machine finishes in reasonable time


def journal_path(home: Home, study: str) -> Path:
    return home.study_journal(study)


def open_storage(path: Path) -> JournalStorage:
    path.parent.mkdir(parents=True, exist_ok=True)
    # open() with O_EXCL as the lock works on every file system (symlinks do not everywhere)
    return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))


def make_sampler(settings: SearchSettings) -> optuna.samplers.BaseSampler:
    if settings.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=settings.seed, n_startup_trials=settings.startup_trials)
    if settings.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=NSGA2_POPULATION, seed=settings.seed)
    if settings.sampler == "random":
        return optuna.samplers.RandomSampler(seed=settings.seed)
    try:
        import cmaes  # noqa: F401  (optuna's CmaEsSampler needs it)
    except ImportError:
        raise UserError("sampler 'cmaes' needs the cmaes package: pip install cmaes (or use tpe or nsga2)") from None
    return optuna.samplers.CmaEsSampler(seed=settings.seed, n_startup_trials=settings.startup_trials)


def make_pruner(settings: SearchSettings) -> optuna.pruners.BasePruner:
    if settings.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
    if settings.pruner == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if settings.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    return optuna.pruners.NopPruner()


def open_study(home: Home, name: str, settings: SearchSettings, resume: bool) -> tuple[optuna.Study, list[int]]:
    """Create the study, or load it with --resume; (study, numbers of trials marked failed now)."""
    path = journal_path(home, name)
    exists = path.is_file() and path.stat().st_size > 0
    if exists and not resume:
        raise UserError(f"study {name!r} exists ({path}): pass --resume to continue it, or another --study name")
    if resume and not exists:
        raise UserError(f"no study {name!r} to resume ({path} does not exist): drop --resume to start it")
    storage = open_storage(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # trials are reported in our own lines
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        direction="maximize",
        sampler=make_sampler(settings),
        pruner=make_pruner(settings),
        load_if_exists=True,
    )
    return study, fail_orphaned_trials(study) if resume else []


def fail_orphaned_trials(study: optuna.Study) -> list[int]:
    """Mark trials left RUNNING by a dead process as FAIL; their numbers."""
    storage = study._storage  # the public Study API cannot change another trial's state
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_user_attr(trial._trial_id, "failed_reason", ORPHANED)
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        failed.append(trial.number)
    return failed


def state_counts(study: optuna.Study) -> dict[str, int]:
    counts = Counter(STATE_NAMES[t.state] for t in study.get_trials(deepcopy=False))
    return {name: counts.get(name, 0) for name in ("complete", "pruned", "failed", "running")}


def best_trial(study: optuna.Study) -> FrozenTrial | None:
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return max(complete, key=lambda t: (t.value, -t.number)) if complete else None


def trial_seconds(trial: FrozenTrial) -> float | None:
    if trial.datetime_start is None or trial.datetime_complete is None:
        return None
    return round((trial.datetime_complete - trial.datetime_start).total_seconds(), 2)


def curve(trial: FrozenTrial) -> list[list[Any]]:
    """The intermediate validation macro-F1 by training examples seen: [[examples, value], ...]."""
    return [[int(step), float(value)] for step, value in sorted(trial.intermediate_values.items())]
