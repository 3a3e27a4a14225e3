"""The curate flow under a Prefect test harness, and `sentiflow curate` as a user meets it."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.warehouse.db import connect_rw
from tests.curate.corpus import NEGATIVE, POSITIVE, row, write_lake

runner = CliRunner()


def small_lake(home) -> None:
    rows = [row(t, "positive", n=i) for i, t in enumerate(POSITIVE)]
    rows += [row(t, "negative", n=100 + i) for i, t in enumerate(NEGATIVE)]
    rows += [row("RT @x: " + POSITIVE[2] + " http://t.co/q", "positive", n=200), row("huh", "meh", n=201)]
    write_lake(home, rows)


def _artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def test_flow_curates_reports_and_reuses(prefect_harness, home):
    from sentiflow.flows.curate import curate_flow

    small_lake(home)
    with connect_rw(home.warehouse):
        pass  # with a warehouse present, curation_stats is loaded
    first = curate_flow(home=str(home.root))
    assert json.loads(json.dumps(first)) == first
    assert not first["reused"] and first["rows_in"] == 26
    assert first["removed"] == {"near_duplicate": 1, "unknown_label": 1}
    assert sum(first["kept"].values()) == 24 and first["labels"] == ["negative", "positive"]
    assert first["warehouse_rows"] > 0
    assert any(first["version"] in str(a.data) for a in _artifacts("curation-report"))

    again = curate_flow(home=str(home.root), sources=["tweets"])
    assert again["reused"] and again["version"] == first["version"]


def test_cli_summary_table_and_json(prefect_harness, home, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    small_lake(home)
    human = runner.invoke(app, ["curate", "--home", str(home.root), "--name", "cli"])
    assert human.exit_code == 0, human.output
    assert "removed: unknown_label" in human.output and "kept: train" in human.output
    as_json = runner.invoke(app, ["curate", "--home", str(home.root), "--name", "cli", "--json"])
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.stdout)
    assert summary["reused"] and summary["version"].startswith("cli-")


def test_cli_mistakes_are_one_line_with_exit_code_2(tmp_path, home, monkeypatch, capsys):
    from sentiflow.flows.cli import main

    small_lake(home)
    bad = tmp_path / "bad.toml"
    bad.write_text("[split]\ntrain = 0.9\nvalidation = 0.1\ntest = 0.1\n", encoding="utf-8")
    cases = {
        ("--config", str(bad)): "sum to 1.1; allowed: fractions in 0..1 that sum to 1",
        ("--sources", "tweets,nope"): "no documents for source(s) nope",
        ("--name", "../up"): "invalid dataset name '../up'",
    }
    for args, message in cases.items():
        monkeypatch.setattr(sys, "argv", ["sentiflow", "curate", "--home", str(home.root), *args])
        with pytest.raises(SystemExit) as exit_info:
            main()  # the console script's entry point, in process
        err = capsys.readouterr().err
        assert exit_info.value.code == 2, err
        assert message in err and len(err.strip().splitlines()) == 1
