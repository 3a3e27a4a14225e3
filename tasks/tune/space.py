"""The search space: a TOML file (tasks/tune/space.toml is the default) read into typed parameters.

Sections: [search] (sampler, pruner, limits), [fidelity] (the cheap-fidelity sample sizes),
[train] (TrainConfig hyperparameters) and [recipe] (the data recipe, recipe.py). Each parameter
is fixed (a value), a range ({low, high[, log]}) or a list ({choices}). Every mistake (a file
that is not TOML, an unknown section or parameter, an empty range, a value the training
config refuses, an unknown sampler or pruner) is a one-line UserError naming the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.training.config import PROFILES, TrainConfig
from sentiflow.tasks.tune.recipe import RECIPE_DEFAULTS, Recipe

SAMPLERS = ("tpe", "nsga2", "random", "cmaes")
PRUNERS = ("hyperband", "successive_halving", "median", "none")
# Hyperparameters a space may search: what changes the weights, less what [fidelity] and the
# search itself set (sample sizes, validation cadence) and run limits.
TRAIN_PARAMS = tuple(
    n for n in TrainConfig().recipe() if n not in ("max_train_examples", "max_eval_examples", "evals_per_epoch")
) + ("label_smoothing", "layer_lr_decay")


@dataclass(frozen=True)
class Param:
    """One parameter: fixed (`value`), a range (`low`, `high`, `log`) or `choices`."""

    name: str  # section.key, e.g. train.lr
    value: Any = None
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None

    @property
    def key(self) -> str:
        return self.name.split(".", 1)[1]

    def suggest(self, trial: Any) -> Any:
        """This parameter's value in an Optuna trial."""
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.low is None:
            return self.value
        if isinstance(self.low, int) and isinstance(self.high, int):
            return trial.suggest_int(self.name, self.low, self.high, log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def extremes(self) -> list[Any]:
        """The values to check against the training config: both ends, every choice, or the value."""
        if self.choices is not None:
            return list(self.choices)
        return [self.value] if self.low is None else [self.low, self.high]


@dataclass(frozen=True)
class SearchSettings:
    sampler: str = "tpe"
    pruner: str = "hyperband"
    seed: int = 7
    min_trial_minutes: float = 0.5
    max_trial_minutes: float = 20.0
    startup_trials: int = 4


@dataclass(frozen=True)
class Fidelity:
    max_train_examples: int = 20_000  # 0 = every row the recipe keeps
    max_eval_examples: int = 2_000  # 0 = the whole validation split
    evals_per_epoch: int = 4


@dataclass(frozen=True)
class Space:
    search: SearchSettings = SearchSettings()
    fidelity: Fidelity = Fidelity()
    params: tuple[Param, ...] = field(default_factory=tuple)
    source: str = "default"  # the file it came from

    def suggest(self, trial: Any) -> tuple[dict[str, Any], Recipe]:
        """(training overrides, data recipe) for one trial."""
        train = {p.key: p.suggest(trial) for p in self.params if p.name.startswith("train.")}
        recipe = {p.key: p.suggest(trial) for p in self.params if p.name.startswith("recipe.")}
        return train, Recipe(**{**RECIPE_DEFAULTS, **recipe})

    def with_choice(self, sampler: str | None, pruner: str | None) -> Space:
        """The space with the command line's --sampler / --pruner, checked."""
        search = replace(self.search, sampler=sampler or self.search.sampler, pruner=pruner or self.search.pruner)
        _check_choice("--sampler" if sampler else f"{self.source}: [search] sampler", search.sampler, SAMPLERS)
        _check_choice("--pruner" if pruner else f"{self.source}: [search] pruner", search.pruner, PRUNERS)
        return replace(self, search=search)


def default_space_path() -> Path:
    return Path(str(resources.files("sentiflow.tasks.tune").joinpath("space.toml")))


def load_space(path: str | Path | None = None) -> Space:
    """Read and check a space file (the packaged default when None)."""
    file = Path(path).expanduser() if path else default_space_path()
    where = str(file)
    if not file.is_file():
        raise UserError(f"search space file {file} does not exist: pass a TOML file to --space")
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{where}: not valid TOML ({exc})") from None
    unknown = sorted(set(document) - {"search", "fidelity", "train", "recipe"})
    if unknown:
        raise UserError(f"{where}: unknown section [{unknown[0]}]; use [search], [fidelity], [train] and [recipe]")
    search = _settings(where, "search", document.get("search", {}), SearchSettings)
    fidelity = _settings(where, "fidelity", document.get("fidelity", {}), Fidelity)
    params = [
        *(_param(where, "train", k, v, TRAIN_PARAMS) for k, v in document.get("train", {}).items()),
        *(_param(where, "recipe", k, v, tuple(RECIPE_DEFAULTS)) for k, v in document.get("recipe", {}).items()),
    ]
    space = Space(search, fidelity, tuple(params), where)
    _check_against_configs(space)
    return space.with_choice(None, None)


def _settings(where: str, section: str, table: Any, cls: type) -> Any:
    if not isinstance(table, dict):
        raise UserError(f"{where}: [{section}] must be a table")
    known = {f.name: f for f in fields(cls)}
    for key, value in table.items():
        if key not in known:
            raise UserError(f"{where}: unknown key {section}.{key}; known: {', '.join(known)}")
        default = getattr(cls(), key)
        if type(value) is not type(default) and not (isinstance(default, float) and type(value) is int):
            raise UserError(f"{where}: {section}.{key} must be a {type(default).__name__}, got {value!r}")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise UserError(f"{where}: {section}.{key} must be >= 0, got {value!r}")
    settings = cls(**table)
    if isinstance(settings, SearchSettings) and settings.min_trial_minutes > settings.max_trial_minutes:
        raise UserError(f"{where}: search.min_trial_minutes is above search.max_trial_minutes")
    if isinstance(settings, Fidelity) and settings.evals_per_epoch < 1:
        raise UserError(f"{where}: fidelity.evals_per_epoch must be >= 1")
    return settings


def _param(where: str, section: str, key: str, spec: Any, allowed: tuple[str, ...]) -> Param:
    name = f"{section}.{key}"
    if key not in allowed:
        raise UserError(f"{where}: unknown parameter {name}; [{section}] takes {', '.join(allowed)}")
    if not isinstance(spec, dict):
        return Param(name, value=spec)
    extra = sorted(set(spec) - {"low", "high", "log", "choices"})
    if extra:
        raise UserError(f"{where}: {name} has unknown key {extra[0]!r}; use low/high[/log] or choices")
    if "choices" in spec:
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices or len(spec) > 1:
            raise UserError(f"{where}: {name}: choices must be a non-empty list, alone")
        return Param(name, choices=tuple(choices))
    low, high, log = spec.get("low"), spec.get("high"), spec.get("log", False)
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high))
    if not numbers:
        raise UserError(f"{where}: {name} needs numeric low and high (or choices)")
    if not low < high:
        raise UserError(f"{where}: {name} is an empty range (low {low} is not below high {high})")
    if not isinstance(log, bool) or (log and low <= 0):
        raise UserError(f"{where}: {name}: log must be true or false, and needs low > 0")
    return Param(name, low=low, high=high, log=log)


def _check_against_configs(space: Space) -> None:
    """Each end of each range must make a valid training config and recipe."""
    base = PROFILES["full"]
    for p in space.params:
        for value in p.extremes():
            try:
                if p.name.startswith("train."):
                    replace(base, **{p.key: value}).validate()
                else:
                    Recipe(**{**RECIPE_DEFAULTS, p.key: value}).validate()
            except (UserError, TypeError) as exc:
                raise UserError(f"{space.source}: {p.name} = {value!r} is not usable: {exc}") from None


def _check_choice(where: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UserError(f"{where}: unknown {value!r}; use one of {', '.join(allowed)}")
