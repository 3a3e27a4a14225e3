"""The report's search panel: the newest `sentiflow tune` study, its trials over time, the best
value so far, and which parameters mattered (Optuna's fANOVA importance, from the study's journal).

Trials come from the warehouse table `tuning_trials`; importance needs the study itself, read
from HOME/tune/STUDY.journal when it is there (it takes two complete trials or more). Pure
reading: nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from matplotlib.figure import Figure

from sentiflow.tasks.core.home import Home

STATE_COLOURS = {"complete": "#2c7fb8", "pruned": "#bbbbbb", "failed": "#c0392b", "running": "#f39c12"}
TOP_PARAMETERS = 8


def gather_search(home: Home, con: Any) -> dict[str, Any] | None:
    """The newest study's trials (by when its last trial ended) and parameter importance."""
    newest = con.execute(
        "select study from tuning_trials group by study order by max(coalesce(ended_at, started_at)) desc limit 1"
    ).fetchone()
    if newest is None:
        return None
    study = newest[0]
    rows = con.execute(
        "select number, state, value, curve, seconds from tuning_trials where study = ? order by number", [study]
    ).fetchall()
    trials = [
        {"number": n, "state": s, "value": v, "last": (json.loads(c)[-1][1] if json.loads(c) else None), "seconds": t}
        for n, s, v, c, t in rows
    ]
    importance, why = parameter_importance(home, study)
    return {"study": study, "trials": trials, "importance": importance, "importance_missing": why}


def parameter_importance(home: Home, study: str) -> tuple[dict[str, float] | None, str | None]:
    """fANOVA importance of each parameter for the objective; (None, why) when it cannot be had."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path = home.study_journal(study)
    if not path.is_file():
        return None, f"no journal at {path}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        loaded = optuna.load_study(study_name=study, storage=JournalStorage(JournalFileBackend(str(path))))
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        return optuna.importance.get_param_importances(loaded, evaluator=evaluator), None
    except (ValueError, RuntimeError, KeyError) as exc:  # too few complete trials, or no varying parameter
        return None, str(exc).splitlines()[0][:200]


def search_plot(panel: dict[str, Any]) -> bytes:
    """Left: each trial's value (pruned: its last intermediate score) and the best so far;
    right: parameter importance."""
    from sentiflow.tasks.report.plots import _png

    fig = Figure(figsize=(11, 3.8))
    values, importance = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    trials = panel["trials"]
    for state, colour in STATE_COLOURS.items():
        shown = [
            (t["number"], t["value"] if t["value"] is not None else t["last"]) for t in trials if t["state"] == state
        ]
        shown = [(n, v) for n, v in shown if v is not None]
        if shown:
            values.scatter(*zip(*shown), color=colour, label=state, s=22, zorder=3)
    best, line = None, []
    for t in trials:
        if t["state"] == "complete" and t["value"] is not None:
            best = t["value"] if best is None else max(best, t["value"])
        line.append((t["number"], best))
    drawn = [(n, b) for n, b in line if b is not None]
    if drawn:
        values.step(*zip(*drawn), where="post", color="#27ae60", label="best so far")
    values.set_xlabel("trial (in the order they ran)")
    values.set_ylabel("validation macro-F1")
    values.set_title(f"study {panel['study']}: {len(trials)} trials")
    values.legend(fontsize=8, loc="lower right")
    ranked = sorted((panel["importance"] or {}).items(), key=lambda kv: kv[1])[-TOP_PARAMETERS:]
    if ranked:
        importance.barh([k for k, _ in ranked], [v for _, v in ranked], color="#2c7fb8")
        importance.set_xlabel("importance (fANOVA, share of the objective's variance)")
    else:
        importance.text(0.5, 0.5, f"importance not available:\n{panel['importance_missing']}", ha="center", wrap=True)
        importance.set_axis_off()
    importance.set_title("which parameters mattered")
    fig.tight_layout()
    return _png(fig)
