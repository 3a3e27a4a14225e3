"""`run_flow` end to end on a tiny corpus and a tiny BERT; a second run is incremental."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


@pytest.fixture(scope="module")
def two_runs(prefect_harness, tmp_path_factory, tiny_bert):
    """The same configured home run twice; (home, first summary, second summary, (the stage
    outputs with their modification times after each run))."""
    from sentiflow.flows.run import run_flow
    from sentiflow.tasks.core.home import Home
    from tests.flows.conftest import write_corpus

    root = tmp_path_factory.mktemp("run")
    corpus = write_corpus(root / "data" / "reviews.csv")
    home = Home.at(root / "home")
    home.root.mkdir()
    (home.root / "sentiflow.toml").write_text(f'[[sources]]\nname = "reviews"\npaths = ["{corpus}"]\n')
    results = []
    for _ in range(2):
        summary = run_flow(home=str(home.root), sources=["reviews"], base_model=str(tiny_bert))
        results.append((summary, _stage_outputs(home)))
    return home, results[0][0], results[1][0], (results[0][1], results[1][1])


def _stage_outputs(home) -> dict[str, int]:
    """The data curate, train and compress wrote (splits, weights), each file with its modification
    time; pointers such as datasets/LATEST are rewritten by design, and scored predictions live in
    the warehouse once loaded (the summary's documents_scored says none were redone)."""
    folders = (home.datasets, home.root / "models")
    return {
        str(p.relative_to(home.root)): p.stat().st_mtime_ns
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".parquet", ".safetensors", ".onnx")
    }


def test_first_run_goes_through_every_stage(two_runs):
    home, first, _, _ = two_runs
    assert first["status"] == "completed", first["failed_stage"]
    stages = first["stages"]
    assert list(stages) == ["ingest", "curate", "train", "compress", "production", "score", "monitor"]
    assert stages["ingest"]["written"] == 120 and stages["ingest"]["read"] == 120
    curate = stages["curate"]
    assert curate["rows_in"] == 120 == sum(curate["kept"].values()) + sum(curate["removed"].values())
    assert stages["score"]["documents_scored"] == 120
    production = first["models"]["production"]
    # the scored batch is compared with the new production model's reference, stored at promotion
    monitor = stages["monitor"]
    assert monitor["model_id"] == production["model_id"] and monitor["not_monitored"] is None
    assert monitor["batches"] >= 1
    assert stages["production"]["changed"] and stages["production"]["production_id"] == production["model_id"]
    # the compressed choice serves; its fine-tuned parent is shown beside it
    if stages["compress"]["chosen"]:
        assert production["model_id"] == stages["compress"]["chosen"]
        assert first["models"]["parent"]["model_id"] == stages["train"]["model_id"]
        # ... measured on the same rows as the compressed model, so the columns compare
        for split in ("validation", "test"):
            assert first["models"]["parent"]["metrics"][split]["n"] == production["metrics"][split]["n"]
    assert first["warehouse"] == str(home.warehouse) and home.warehouse.is_file()
    assert Path(first["report"]).is_file()
    assert first["throughput_docs_per_second"] > 0


def test_second_run_is_incremental(two_runs):
    _, first, second, (after_first, after_second) = two_runs
    stages = second["stages"]
    assert second["status"] == "completed", second["failed_stage"]
    assert stages["ingest"]["written"] == 0 and stages["ingest"]["already_ingested"] == 120
    assert stages["curate"]["reused"] and stages["curate"]["version"] == first["stages"]["curate"]["version"]
    assert stages["train"]["reused"] and stages["train"]["model_id"] == first["stages"]["train"]["model_id"]
    assert stages["compress"]["skipped"] and not stages["production"]["changed"]
    assert stages["score"]["documents_scored"] == 0 and stages["score"]["documents_skipped"] == 120
    assert second["models"]["production"]["model_id"] == first["models"]["production"]["model_id"]
    # the work itself was not redone: no split or weight file was written again
    # (how much faster that makes the second run is bench_run.py's to measure, not a test's)
    assert {path.split("/")[0] for path in after_first} == {"datasets", "models"}, after_first
    assert after_second == after_first


def test_runs_are_recorded_and_the_report_shows_the_latest(two_runs):
    from sentiflow.tasks.report.gather import gather
    from sentiflow.tasks.warehouse.db import connect_ro

    home, first, second, _ = two_runs
    with connect_ro(home.warehouse) as con:
        rows = con.execute("select run_id, status from runs where flow = 'run' order by started_at").fetchall()
    assert rows == [(first["run_id"], "completed"), (second["run_id"], "completed")]
    data = gather(home)
    assert data["latest_run"]["run_id"] == second["run_id"]
    assert data["funnel"]["rows_in"] == 120 and data["confusion"] is not None


def test_example_queries_work_as_printed(two_runs):
    _, _, second, _ = two_runs
    assert len(second["example_queries"]) == 3
    for command in second["example_queries"]:
        # through a shell, from the directory the run was started in, exactly as printed
        assert shlex.split(command)[0] in ("sentiflow", os.path.relpath(SENTIFLOW))
        proc = subprocess.run(f"{command} --format csv", shell=True, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, (command, proc.stderr[-1500:])
        lines = proc.stdout.strip().splitlines()
        assert len(lines) >= 2, (command, proc.stdout)  # a header and at least one row


def test_retrain_nightly_and_rescore_on_the_same_home(two_runs, tmp_path, tiny_bert):
    """After the runs: retrain changes nothing; nightly takes a new inbox file; rescore backfills."""
    from sentiflow.flows.nightly import nightly_flow
    from sentiflow.flows.rescore import rescore_flow
    from sentiflow.flows.retrain import retrain_flow
    from tests.flows.conftest import write_corpus

    home, first, _, _ = two_runs
    retrained = retrain_flow(home=str(home.root), sources=["reviews"], base_model=str(tiny_bert))
    assert retrained["status"] == "completed", retrained["failed_stage"]
    assert retrained["stages"]["train"]["reused"] and not retrained["stages"]["production"]["changed"]

    inbox = tmp_path / "inbox"
    write_corpus(inbox / "day-1.csv", rows=10, seed=7, start=1000)
    (home.root / "nightly.toml").write_text(f'[[sources]]\nname = "reviews"\ninbox = "{inbox}"\n')
    nightly = nightly_flow(home=str(home.root), sources_file=str(home.root / "nightly.toml"))
    assert nightly["status"] == "completed", nightly["failed_stage"]
    assert nightly["files"] == 1 and nightly["ingest"]["written"] == 10
    assert nightly["score"]["documents_scored"] == 10
    assert nightly["score"]["model_id"] == first["models"]["production"]["model_id"]
    again = nightly_flow(home=str(home.root), sources_file=str(home.root / "nightly.toml"))
    assert again["ingest"]["already_ingested"] == 10 and again["score"]["documents_scored"] == 0

    parent = first["stages"]["train"]["model_id"]
    backfill = rescore_flow(home=str(home.root), model=parent, sources=["reviews"])
    assert backfill["status"] == "completed" and backfill["score"]["documents_scored"] == 130
    assert rescore_flow(home=str(home.root), model=parent)["score"]["documents_scored"] == 0


def test_a_failing_stage_stops_the_run_and_is_recorded(prefect_harness, configured_home, tiny_bert):
    """Unlabelled documents curate into empty splits; training then fails: one line, a failed run row."""
    from sentiflow.flows.run import run_flow
    from sentiflow.tasks.warehouse.db import connect_ro

    home, corpus = configured_home
    corpus.write_text("text\n" + "".join(f"an unlabelled review number {i}\n" for i in range(30)))
    summary = run_flow(home=str(home.root), sources=["reviews"], base_model=str(tiny_bert))
    assert summary["status"] == "failed"
    assert summary["failed_stage"]["stage"] == "train" and "\n" not in summary["failed_stage"]["error"]
    assert "score" not in summary["stages"] and summary["example_queries"] == []
    with connect_ro(home.warehouse) as con:
        assert con.execute("select status from runs where flow = 'run'").fetchall() == [("failed",)]
