"""`sentiflow tune` through the real CLI and its Prefect flow, then `train --config` with its result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from tests.tune.helpers import tiny_space

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def test_tune_then_train_with_the_config_it_saved(prefect_harness, tune_home, tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    args = ["tune", "--home", str(tune_home.root), "--base-model", str(tiny_bert), "--device", "cpu"]
    args += ["--space", str(tiny_space(tmp_path)), "--trials", "3", "--max-minutes", "5", "--study", "cli"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["study"] == "cli" and summary["best_config"] == "cli"
    assert sum(summary["trials"].values()) == 3 and summary["best_value"] is not None
    assert set(summary["test"]) == {"n", "accuracy", "macro_f1"}
    assert summary["journal"].endswith("tune/cli.journal") and Path(summary["journal"]).is_file()

    resumed = runner.invoke(app, [*args, "--resume", "--trials", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert "study cli on dataset v1: 1 trial(s) this run" in resumed.output and "train --config cli" in resumed.output

    trained = runner.invoke(
        app, ["train", "--home", str(tune_home.root), "--base-model", str(tiny_bert), "--config", "cli", "--json"]
    )
    assert trained.exit_code == 0, trained.output
    config = json.loads((tune_home.configs / "cli.json").read_text(encoding="utf-8"))
    used = json.loads(Path(json.loads(trained.stdout)["model_dir"], "metrics.json").read_text(encoding="utf-8"))
    assert used["config"]["lr"] == config["train"]["lr"] and used["config"]["epochs"] == config["train"]["epochs"]


@pytest.mark.parametrize("command", ["train", "run"])
def test_an_unknown_config_is_one_line_with_exit_2(command, tune_home):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [SENTIFLOW, command, "--home", str(tune_home.root), "--config", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr[-2000:]
    assert "no training config 'nope'" in result.stderr and "sentiflow tune" in result.stderr


def test_tune_runs_are_named_after_the_study_else_the_dataset(prefect_harness):
    from prefect import flow
    from prefect.runtime import flow_run

    from sentiflow.flows.tune import _run_name

    @flow(flow_run_name=_run_name)
    def named(dataset: str = "latest", study: str | None = None) -> str:
        return flow_run.name

    assert named(dataset="v7", study="weekly") == "tune-weekly"
    assert named(dataset="v7", study=None) == "tune-v7"  # was "tune-None"
