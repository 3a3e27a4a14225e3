"""A real SIGKILL mid-study, then --resume: finished trials stay, the running one ends as failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sentiflow.flows.tune import curation_features
from sentiflow.tasks.tune import search
from sentiflow.tasks.warehouse.db import connect_ro
from tests.tune.helpers import TINY_SPACE, tiny_space

SLOW_SPACE = TINY_SPACE.replace('pruner = "successive_halving"', 'pruner = "none"').replace(
    "epochs = { low = 6, high = 12 }", "epochs = 40"
)

CHILD = """
import sys, torch
torch.set_num_threads(1)
from sentiflow.flows.tune import curation_features
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.tune import search

home, base, space = sys.argv[1:4]
plan = search.plan_search(Home.at(home), "latest", "killed", 30.0, None, False, space, None, None, base, "cpu")
data = search.prepare_data(plan, curation_features)

def on_event(event):
    if event.kind == "header":
        print("TRAINING", flush=True)

search.run_search(plan, data, log=lambda line: print(line, flush=True), on_event=on_event)
"""


def test_sigkill_mid_study_then_resume(tune_home, tiny_bert, tmp_path):
    space = str(tiny_space(tmp_path, SLOW_SPACE))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tune_home.root), str(tiny_bert), space],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    finished, deadline = 0, time.monotonic() + 300
    try:
        for line in child.stdout:  # wait for two finished trials and the start of a third
            finished += line.startswith("trial ")
            if finished >= 2 and line.startswith("TRAINING"):
                break
            assert time.monotonic() < deadline, "the child never got to its third trial"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL and finished == 2

    plan = search.plan_search(tune_home, "latest", "killed", 5.0, 1, True, space, None, None, str(tiny_bert), "cpu")
    summary = search.run_search(plan, search.prepare_data(plan, curation_features))
    assert summary.failed_on_resume == [2]  # the trial the kill interrupted
    assert summary.trials == {"complete": 3, "pruned": 0, "failed": 1, "running": 0}  # 0, 1 kept; 3 new
    with connect_ro(tune_home.warehouse) as con:
        states = con.execute(
            "select number, state, note from tuning_trials where study = 'killed' order by 1"
        ).fetchall()
    assert [(n, s) for n, s, _ in states] == [(0, "complete"), (1, "complete"), (2, "failed"), (3, "complete")]
    assert "ended before it did" in states[2][2]
