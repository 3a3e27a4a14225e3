"""The orchestration commands: help on every option, one-line errors before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.core.errors import UserError

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def commands():
    root = typer.main.get_command(app)
    return [(name, cmd) for name, cmd in root.commands.items()]


@pytest.mark.parametrize(("name", "command"), commands(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_and_option_has_help(name, command):
    assert (command.help or "").strip(), f"`sentiflow {name}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert (param.help or "").strip(), f"`sentiflow {name} {param.opts[0]}` has no help text"
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "fast"], "unknown --profile 'fast': use one of quick, full"),
        (["--runner", "spark"], "unknown --runner 'spark'"),
        (["--dask-address", "tcp://127.0.0.1:8786"], "--dask-address needs --runner dask"),
        (["--runner", "dask", "--dask-address", "localhost"], "invalid --dask-address 'localhost'"),
        (["--sources", "reviews"], "no sources file at"),
        (["--sources-file", "x.toml"], "--sources-file needs --sources NAME"),
        (["--base-model", "/no/such/model"], "/no/such/model"),
    ],
)
def test_run_rejects_bad_parameters_in_one_line_before_any_work(tmp_path, args, message):
    home = tmp_path / "home"
    result = runner.invoke(app, ["run", "--home", str(home), *args])
    assert isinstance(result.exception, UserError), result.output  # main() prints it, exits 2
    assert message in str(result.exception) and "\n" not in str(result.exception)
    assert not home.exists(), "validation must happen before anything is written"


def test_the_console_script_prints_one_line_and_exits_2(tmp_path):
    proc = subprocess.run(
        [SENTIFLOW, "run", "--home", str(tmp_path / "h"), "--profile", "fast"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: unknown --profile 'fast': use one of quick, full"


def test_run_names_the_bad_key_in_the_sources_file(configured_home):
    home, _ = configured_home
    (home.root / "sentiflow.toml").write_text('[[sources]]\nname = "reviews"\npath = "x.csv"\n')
    result = runner.invoke(app, ["run", "--home", str(home.root), "--sources", "reviews"])
    assert isinstance(result.exception, UserError)
    assert "unknown key(s) path; allowed: name, paths" in str(result.exception)
    assert not home.lake.exists()


def test_report_command_writes_the_page_and_says_what_is_missing(tmp_path):
    import json

    from sentiflow.tasks.core.home import Home
    from tests.flows.report_home import make_report_home

    home = make_report_home(Home.at(tmp_path / "home"))
    result = runner.invoke(app, ["report", "--home", str(home.root), "--out", str(tmp_path / "r.html"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["report"] == str(tmp_path / "r.html") and len(summary["plots"]) == 7  # the drift panel included
    missing = runner.invoke(app, ["report", "--home", str(tmp_path / "nowhere")])
    assert isinstance(missing.exception, UserError) and "no home folder" in str(missing.exception)
