"""`sentiflow train` and `sentiflow models list|promote` through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sentiflow.flows.cli import app
from tests.train.helpers import write_dataset

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))
TOY_FLAGS = ["--epochs", "15", "--batch-size", "16", "--lr", "0.01", "--max-seq-len", "32", "--device", "cpu"]


def test_train_then_list_and_promote(prefect_harness, home, tiny_bert, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # rich tables size themselves to the terminal
    write_dataset(home)
    result = runner.invoke(
        app, ["train", "--home", str(home.root), "--base-model", str(tiny_bert), *TOY_FLAGS, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    model_id = summary["model_id"]
    assert summary["metrics"]["test"]["accuracy"] == 1.0 and not summary["promoted"]
    assert "not requested" in summary["promotion_reason"]

    human = runner.invoke(app, ["train", "--home", str(home.root), "--base-model", str(tiny_bert), *TOY_FLAGS])
    assert human.exit_code == 0, human.output
    assert f"{model_id} reused on dataset v1" in human.output and "macro-F1" in human.output

    listed = runner.invoke(app, ["models", "list", "--home", str(home.root), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["models"]
    assert [(r["model_id"], r["stage"], r["kind"], r["dataset_version"]) for r in rows] == [
        (model_id, "candidate", "finetuned", "v1")
    ]
    assert rows[0]["test_accuracy"] == 1.0 and rows[0]["test_macro_f1"] == 1.0 and rows[0]["size_bytes"] > 0

    promoted = runner.invoke(app, ["models", "promote", model_id, "--home", str(home.root), "--json"])
    assert promoted.exit_code == 0, promoted.output
    assert json.loads(promoted.stdout)["stage"] == "production"

    table = runner.invoke(app, ["models", "list", "--home", str(home.root)])
    assert table.exit_code == 0 and model_id in table.output and "production" in table.output


def test_models_list_on_an_empty_home(tmp_path):
    result = runner.invoke(app, ["models", "list", "--home", str(tmp_path)])
    assert result.exit_code == 0 and "no models registered yet" in result.output


def _sentiflow(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([SENTIFLOW, *args], capture_output=True, text=True, env=env, timeout=120)


def test_bad_inputs_are_one_line_errors_with_exit_2(tmp_path, tiny_bert):
    empty = _sentiflow("train", "--home", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    assert empty.stderr.startswith("error: no curated dataset") and empty.stderr.count("\n") == 1

    unknown = _sentiflow("models", "promote", "nope", "--home", str(tmp_path))
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "model 'nope' not found" in unknown.stderr


def test_models_list_needs_neither_prefect_nor_torch(tmp_path):
    code = (
        "import sys; sys.argv = ['sentiflow', 'models', 'list', '--home', sys.argv[1]];"
        "from sentiflow.flows.cli import main\ntry: main()\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('prefect', 'torch', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
