"""`sentiflow ingest` and the ingest flow as users and other flows meet them: help, one-line
errors with exit codes 0/1/2, --json, the Prefect flow and its artifact, and the demo corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.core.errors import PartialFailure, UserError

from .helpers import documents, write

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([SENTIFLOW, *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_help_lists_every_option():
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0, result.output
    for option in (
        "--source",
        "--split",
        "--format",
        "--text-column",
        "--label-column",
        "--confidence-column",
        "--date-column",
        "--runner",
        "--dask-address",
        "--home",
        "--json",
    ):
        assert option in result.output


def test_user_mistakes_are_one_line_with_exit_code_2(tmp_path):
    home = str(tmp_path / "home")
    for args, message in {
        ("ingest", str(tmp_path / "missing.csv"), "--home", home): "missing.csv: no such file or folder",
        ("ingest", "demo", "--format", "xml", "--home", home): "unknown --format 'xml'",
    }.items():
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], proc.stderr


def test_bad_options_are_refused_before_any_work(tmp_path):
    home = str(tmp_path / "home")
    for args, message in {
        ("--source", "../up"): "invalid --source name '../up'",
        ("--runner", "spark"): "unknown --runner 'spark'",
        ("--text-column", "1", "--label-column", "sentiment"): "not a mix",
        ("--split", " "): "--split must not be empty",
    }.items():
        result = runner.invoke(app, ["ingest", "demo", *args, "--home", home])
        assert isinstance(result.exception, UserError) and message in str(result.exception), (args, result.output)
        assert "\n" not in str(result.exception)
    assert not (tmp_path / "home").exists()


def test_no_input_is_a_usage_error():
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2 and "Missing argument" in result.output


def test_flow_summary_artifact_and_idempotent_rerun(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from sentiflow.flows.ingest import ingest_flow
    from sentiflow.tasks.core.home import Home

    a = write(tmp_path / "a.tsv", "sentence\tlabel\nfine\t1\n\t0\n")
    b = write(tmp_path / "b.jsonl.gz", '{"text": "json", "rating": 4}\n', gz=True)
    home = str(tmp_path / "home")
    summary = ingest_flow([str(a), str(b), str(tmp_path / "nope.csv")], home, source="mixed", split="train")
    assert json.loads(json.dumps(summary)) == summary  # JSON-serialisable
    mixed = summary["sources"]["mixed"]
    assert (mixed["read"], mixed["written"], mixed["quarantined"], mixed["files"]) == (3, 2, 1, 2)
    assert mixed["quarantined_by_reason"] == {"empty_text": 1}
    assert [f["input"] for f in summary["failures"]] == [str(tmp_path / "nope.csv")]
    assert {d["split"] for d in documents(Home.at(home), "mixed")} == {"train"}
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-summary"]))
        )
    assert any("mixed" in str(a.data) for a in artifacts)

    again = ingest_flow([str(a), str(b)], home, source="mixed")
    assert again["sources"]["mixed"]["written"] == 0 and again["sources"]["mixed"]["already_ingested"] == 3


def test_demo_corpus_through_the_cli(prefect_harness, tmp_path):
    home = tmp_path / "home"
    result = runner.invoke(app, ["ingest", "demo", "--home", str(home), "--json"])
    assert result.exit_code == 0, result.output
    demo = json.loads(result.stdout)["sources"]["demo"]
    assert 37_000 < demo["read"] < 39_000
    assert demo["read"] == demo["written"] + demo["quarantined"]
    assert demo["repaired"] > 0  # the corpus has Latin-1 bytes in otherwise good rows
    assert json.loads(result.stdout)["files"][0]["columns"] == {
        "text": "text",
        "label": "sentiment",
        "confidence": "confidence",
        "date": None,
    }


def test_some_inputs_failing_is_a_partial_failure_and_the_rest_is_ingested(prefect_harness, tmp_path):
    good = write(tmp_path / "good.csv", "review,stars\nlovely,5\n")
    bad_columns = write(tmp_path / "cols.csv", "id,payload\n1,x\n")
    args = ["ingest", str(good), str(tmp_path / "missing.jsonl"), str(bad_columns), "--home", str(tmp_path / "h")]
    result = runner.invoke(app, [*args, "--json"])
    assert isinstance(result.exception, PartialFailure), result.output  # main() turns it into exit code 1
    summary = json.loads(result.stdout)
    assert summary["sources"]["good"]["written"] == 1
    errors = [f["error"] for f in summary["failures"]]
    assert len(errors) == 2 and any("missing.jsonl: no such file" in e for e in errors)
    assert any("cols.csv" in e and "columns found: id, payload" in e for e in errors)


def test_human_summary_is_a_table_per_source(prefect_harness, tmp_path):
    good = write(tmp_path / "good.csv", 'text\nfine\n"broken,1\n')
    result = runner.invoke(app, ["ingest", str(good), str(tmp_path / "gone.txt"), "--home", str(tmp_path / "h")])
    assert isinstance(result.exception, PartialFailure), result.output
    assert "already" in result.output and "good: quarantined malformed_row 1" in result.output
    assert "gone.txt: no such file or folder" in result.output
