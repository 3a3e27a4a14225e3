"""The sources file: parsed, validated with one-line errors, turned into ingest jobs."""

from __future__ import annotations

import pytest

from sentiflow.flows.run_config import load_sources, plan_run, select_sources
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
