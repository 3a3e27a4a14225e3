"""The tune flow's answer (`TuneSummary`): the study, its best trial and config, and trial counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.summary import Summary


@dataclass(frozen=True)
class TuneSummary(Summary):
    """What `sentiflow tune --json` prints and the tune flow returns (as JSON)."""

    study: str
    dataset_version: str
    sampler: str
    pruner: str
    best_config: str | None  # the named training config saved (HOME/configs/NAME.json); None: no complete trial
    best_value: float | None  # the best trial's validation macro-F1
    best_trial: int | None
    best_params: dict[str, Any]
    trials: dict[str, int]  # the study's trials by state: complete, pruned, failed, running
    trials_this_run: int
    failed_on_resume: list[int]  # trials a killed process left running, marked failed now
    test: dict[str, float] | None  # the best trial's model on the test split (accuracy, macro_f1, n)
    seconds: float
    stop_reason: str  # time budget | trials | no time for another trial
    journal: str  # the Optuna journal file (optuna-dashboard opens it)

    @property
    def failed(self) -> bool:
        return self.trials_this_run > 0 and self.trials["complete"] == 0 and self.trials["pruned"] == 0

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {
            "study": self.study,
            "best_config": self.best_config,
            "best_value": self.best_value,
            "trials": self.trials,
            "seconds": seconds,
        }
