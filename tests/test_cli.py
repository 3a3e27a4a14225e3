"""The command line as a user meets it: help everywhere, fast answers, one-line errors."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from sentiflow.flows.cli import app

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def all_commands():
    root = typer.main.get_command(app)

    def walk(cmd, path):
        yield path, cmd
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                yield from walk(sub, path + [name])

    return list(walk(root, []))


def test_every_command_has_help_text_and_json_where_it_summarises():
    commands = all_commands()
    assert len(commands) > 2
    for path, cmd in commands:
        assert (cmd.help or "").strip(), f"`sentiflow {' '.join(path)}` has no help text"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
        if not hasattr(cmd, "commands") and path not in (["serve"],):
            opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
            assert "--home" in opts, f"`sentiflow {' '.join(path)}` lacks --home"


def test_help_answers_fast_without_heavy_imports():
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            "import sys; sys.argv=['sentiflow','--help'];from sentiflow.flows.cli import main; main()",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("prefect", "torch", "transformers"):
        assert heavy not in imported, f"`sentiflow --help` imports {heavy}"
    assert elapsed < 10


def test_config_shows_settings_with_sources(tmp_path):
    result = runner.invoke(app, ["config", "--home", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["home"]["value"] == str(tmp_path)
    assert data["home"]["env"] == "SENTIFLOW_HOME"
    assert all(row["description"] for row in data.values())


def test_bad_setting_is_one_line_exit_2(tmp_path):
    env = {**os.environ, "SENTIFLOW_SHARD_ROWS": "-5"}
    proc = subprocess.run([SENTIFLOW, "config"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error:") and "shard_rows" in proc.stderr


def test_unknown_command_is_a_usage_error():
    proc = subprocess.run([SENTIFLOW, "no-such-command"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_readme_documents_every_setting():
    from sentiflow.tasks.core.settings import setting_docs

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for env_name in setting_docs():
        assert f"`{env_name}`" in readme, f"README lacks {env_name}"


def test_home_before_the_command_is_the_home_used(prefect_harness, tmp_path, monkeypatch):
    """`sentiflow --home H ingest f.csv`, the habit from `git -C` and `docker -H`."""
    monkeypatch.chdir(tmp_path)  # where a default ./sentiflow-home would land
    data = tmp_path / "f.csv"
    data.write_text("text,label\nfine film,positive\nawful plot,negative\n", encoding="utf-8")
    home = tmp_path / "given-before"
    result = runner.invoke(app, ["--home", str(home), "ingest", str(data), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"]["f"]["written"] == 2
    assert list((home / "lake" / "documents").glob("source=f/*.parquet"))
    assert not (tmp_path / "sentiflow-home").exists()


def test_home_after_the_command_wins_over_the_one_before(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIFLOW_HOME", str(tmp_path / "from-env"))
    before, after = str(tmp_path / "before"), str(tmp_path / "after")
    cases = [
        (["config", "--json"], str(tmp_path / "from-env")),
        (["--home", before, "config", "--json"], before),  # a flag before the command beats the environment
        (["--home", before, "config", "--home", after, "--json"], after),
        (["config", "--home", after, "--json"], after),
    ]
    for args, expected in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["home"]["value"] == expected, args
    # the home before the command is only for that invocation
    assert json.loads(runner.invoke(app, ["config", "--json"]).stdout)["home"]["value"] == str(tmp_path / "from-env")


def test_console_script_takes_home_before_the_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SENTIFLOW_HOME"}
    proc = subprocess.run(
        [SENTIFLOW, "--home", str(tmp_path / "h"), "config", "--json"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["home"]["value"] == str(tmp_path / "h")


def _no_sentiflow_variables(monkeypatch):
    from sentiflow.tasks.core.settings import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(f"SENTIFLOW_{name.upper()}", raising=False)


def test_config_says_where_each_value_comes_from(tmp_path, monkeypatch):
    _no_sentiflow_variables(monkeypatch)
    monkeypatch.setenv("SENTIFLOW_SHARD_ROWS", "1234")
    monkeypatch.setenv("SENTIFLOW_HOME", str(tmp_path / "from-env"))
    defaults = {"max_text_chars", "query_wait_seconds", "score_threads", "offline", "sources_file"}

    for args in (["config", "--home", str(tmp_path), "--json"], ["--home", str(tmp_path), "config", "--json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert {name: row["source"] for name, row in data.items()} == {
            "home": "flag",
            "shard_rows": "environment",
            **dict.fromkeys(defaults, "default"),
        }, args
        assert data["home"]["value"] == str(tmp_path) and data["shard_rows"]["value"] == "1234"
        assert data["sources_file"]["value"] is None

    result = runner.invoke(app, ["config", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["home"]["source"], data["home"]["value"]) == ("environment", str(tmp_path / "from-env"))


def test_config_table_has_a_from_column(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTIFLOW_")}
    env.update({"SENTIFLOW_OFFLINE": "true", "COLUMNS": "200", "NO_COLOR": "1"})
    proc = subprocess.run([SENTIFLOW, "--home", str(tmp_path), "config"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("│")[1].strip(): line.split("│")[3].strip() for line in proc.stderr.splitlines() if "│" in line}
    rows = {name: origin for name, origin in rows.items() if name}
    assert rows["home"] == "flag" and rows["offline"] == "environment" and rows["shard_rows"] == "default", rows
