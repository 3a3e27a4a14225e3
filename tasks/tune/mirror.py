"""Each trial mirrored into the warehouse table `tuning_trials` (sql/tables/tuning_trials.sql).

The journal is the study's truth; the table makes trials queryable with the rest of the home
(`sentiflow query "select * from best_trials"`). One short read-write transaction per write,
as every warehouse writer does (docs/ARCHITECTURE.md, "One writer").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from optuna.trial import FrozenTrial

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.tune.study import STATE_NAMES, curve, trial_seconds
from sentiflow.tasks.warehouse.db import connect_rw

COLUMNS = (
    "study, number, state, value, params, curve, seconds, train_rows, dataset_version, sampler, "
    "started_at, ended_at, note"
)


def trial_row(study: str, trial: FrozenTrial, dataset_version: str, sampler: str) -> tuple[Any, ...]:
    state = STATE_NAMES.get(trial.state, "failed")
    note = trial.user_attrs.get("failed_reason") or trial.user_attrs.get("pruned_reason") or ""
    return (
        study,
        trial.number,
        state,
        trial.value if state == "complete" else None,
        json.dumps(trial.params, sort_keys=True),
        json.dumps(curve(trial)),
        trial_seconds(trial),
        trial.user_attrs.get("train_rows"),
        dataset_version,
        sampler,
        trial.datetime_start,
        trial.datetime_complete,
        note,
    )


def mirror_trials(home: Home, study: str, trials: Iterable[FrozenTrial], dataset_version: str, sampler: str) -> int:
    """Insert or replace these trials' rows; how many were written."""
    rows = [trial_row(study, t, dataset_version, sampler) for t in trials]
    if not rows:
        return 0
    with connect_rw(home.warehouse) as con:
        con.begin()
        con.executemany(f"insert or replace into tuning_trials ({COLUMNS}) values ({', '.join('?' * 13)})", rows)
        con.commit()
    return len(rows)
