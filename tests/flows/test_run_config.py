"""The sources file: parsed, validated with one-line errors, turned into ingest jobs."""

from __future__ import annotations

import pytest

from sentiflow.flows.run_config import load_sources, plan_run, select_sources, sources_file_for
from sentiflow.tasks.core.errors import UserError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_resolve_relative_paths_and_carry_ingest_options(tmp_path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "a.tsv", "text\tlabel\nok\t1\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("2024-01.csv", "2024-02.csv", "notes.txt", ".hidden.csv"):
        write(inbox / name, "text\nx\n")
    config = write(
        tmp_path / "sentiflow.toml",
        """
[[sources]]
name = "tickets"
paths = ["data/a.tsv", "demo"]
inbox = "inbox"
pattern = "*.csv"
text_column = "body"
label_column = 2
format = "tsv"
""",
    )
    (source,) = load_sources(config)
    assert source.paths == (str(tmp_path / "data" / "a.tsv"), "demo")
    assert source.inbox_files() == [str(inbox / "2024-01.csv"), str(inbox / "2024-02.csv")]
    assert source.ingest_kwargs() == {"source": "tickets", "fmt": "tsv", "text_column": "body", "label_column": "2"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nname = 'a'\npaths = ['missing.csv']\n", "path"),
        ("[[sources]]\nname = '../up'\npaths = ['demo']\n", "invalid source name '../up'"),
        ("[[sources]]\npaths = ['demo']\n", "missing key 'name'"),
        ("[[sources]]\nname = 'a'\n", "give 'paths' (files to ingest) or 'inbox'"),
        ("[[sources]]\nname = 'a'\npaths = 'demo'\n", "'paths' must be a list of strings"),
        (
            "[[sources]]\nname = 'a'\npaths = ['demo']\n[[sources]]\nname = 'a'\npaths = ['demo']\n",
            "configured twice: a",
        ),
        ("[inbox]\nfolder = 'x'\n", "unknown table(s) inbox"),
        ("[[sources]\n", "not valid TOML"),
        ("[[sources]]\nname = 'a'\ninbox = 'nowhere'\n", "inbox"),
    ],
)
def test_bad_sources_files_fail_in_one_line(tmp_path, text, message):
    with pytest.raises(UserError) as err:
        load_sources(write(tmp_path / "sentiflow.toml", text))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_plan_picks_the_demo_by_default_and_named_sources_otherwise(tmp_path):
    plan = plan_run(str(tmp_path / "home"))
    assert plan.source_names == ("demo",) and plan.ingest_jobs[0].inputs == ("demo",)
    (tmp_path / "home").mkdir()
    write(
        tmp_path / "home" / "sentiflow.toml",
        "[[sources]]\nname = 'a'\npaths = ['demo']\n[[sources]]\nname = 'b'\npaths = ['demo']\n",
    )
    assert plan_run(str(tmp_path / "home"), sources=["b"]).source_names == ("b",)
    assert plan_run(str(tmp_path / "home"), sources=["all"]).source_names == ("a", "b")
    with pytest.raises(UserError, match="source\\(s\\) c not configured .* \\(configured: a, b\\)"):
        select_sources(load_sources(tmp_path / "home" / "sentiflow.toml"), ["c"], tmp_path / "x")
    write(tmp_path / "file", "")
    with pytest.raises(UserError, match="is not a folder"):
        plan_run(str(tmp_path / "file"))


def test_sentiflow_sources_file_names_the_sources_file_and_the_flag_wins(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    write(home / "sentiflow.toml", "[[sources]]\nname = 'in-home'\npaths = ['demo']\n")
    from_env = write(tmp_path / "env.toml", "[[sources]]\nname = 'from-env'\npaths = ['demo']\n")
    from_flag = write(tmp_path / "flag.toml", "[[sources]]\nname = 'from-flag'\npaths = ['demo']\n")

    monkeypatch.delenv("SENTIFLOW_SOURCES_FILE", raising=False)
    assert sources_file_for(home) == home / "sentiflow.toml"
    assert plan_run(str(home), sources=["all"]).source_names == ("in-home",)

    monkeypatch.setenv("SENTIFLOW_SOURCES_FILE", str(from_env))
    assert sources_file_for(home) == from_env
    assert plan_run(str(home), sources=["all"]).source_names == ("from-env",)
    assert plan_run(str(home), sources=["all"], sources_file=str(from_flag)).source_names == ("from-flag",)
    assert plan_run(str(home)).source_names == ("demo",)  # the variable alone does not ask for sources

    monkeypatch.chdir(tmp_path)  # a relative path is relative to where sentiflow runs, as the flag's
    monkeypatch.setenv("SENTIFLOW_SOURCES_FILE", "env.toml")
    assert sources_file_for(home) == from_env
    monkeypatch.setenv("SENTIFLOW_SOURCES_FILE", "")  # set but empty: unset
    assert sources_file_for(home) == home / "sentiflow.toml"


def test_run_command_reads_sentiflow_sources_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sentiflow.flows.cli import app

    missing = tmp_path / "elsewhere" / "sources.toml"
    monkeypatch.setenv("SENTIFLOW_SOURCES_FILE", str(missing))
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["run", "--home", str(home), "--sources", "reviews"])
    assert isinstance(result.exception, UserError), result.output
    assert f"no sources file at {missing}" in str(result.exception)
    assert not home.exists()
