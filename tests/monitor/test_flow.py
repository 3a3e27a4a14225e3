"""Monitoring after scoring under Prefect: the table, the view, the named query, the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.flows.score import score_flow
from sentiflow.tasks.monitor.check import METRICS
from sentiflow.tasks.monitor.reference import reference_path
from sentiflow.tasks.report.build import build_report
from sentiflow.tasks.warehouse.registry import get_model
from tests.monitor.conftest import reviews
from tests.warehouse.builders import add_shard

runner = CliRunner()

# invoices are no movie reviews: a batch of them must drift on the text measures
INVOICES = [
    f"Invoice #{i:05d}: payment of ${i * 7 % 900}.99 due 2024-0{i % 9 + 1}-15, ref ACCT-{i * 31}" for i in range(80)
]


def rows(home, sql, params=None):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_score_monitors_each_loaded_batch(prefect_harness, monitored_home):
    home = monitored_home
    add_shard(home, "reviews", reviews(80)[::-1])
    add_shard(home, "billing", INVOICES)
    add_shard(home, "tiny", ["one line", "two lines"])
    summary = score_flow(home=str(home.root), batch_size=32)
    run_id = summary["run_id"]
    assert reference_path(home, get_model(home, "m1")).is_file()  # built lazily on first use

    stored = rows(
        home,
        "select source, metric, drifted, insufficient, n_current, n_reference from drift_metrics where run_id = ?",
        [run_id],
    )
    by_source = {}
    for source, metric, drifted, insufficient, n_current, n_reference in stored:
        by_source.setdefault(source, {})[metric] = (drifted, insufficient, n_current, n_reference)
    assert set(by_source) == {"reviews", "billing", "tiny"}
    assert all(set(m) == set(METRICS) for m in by_source.values())
    assert by_source["billing"]["domain_classifier"][0] and by_source["billing"]["non_letter_share"][0]
    assert all(v[1] and not v[0] for v in by_source["tiny"].values())  # 2 documents: insufficient
    assert not any(v[0] for v in by_source["reviews"].values())
    assert {v[2:] for v in by_source["billing"].values()} == {(80, 80)}
    assert rows(home, "select count(*) from drift_metrics where metric = 'estimated_accuracy' and drifted") == [(0,)]
    estimated = rows(
        home, "select value, lower, upper from drift_metrics where metric = 'estimated_accuracy' and source = 'reviews'"
    )
    value, lower, upper = estimated[0]
    assert 0.0 <= lower < value < upper <= 1.0 and value >= 0.5  # binary: the top class has p >= 0.5

    alerts = rows(home, "select distinct source, run_id from drift_alerts")
    assert alerts == [("billing", run_id)]
    # a newer batch of billing that does not drift replaces it in the view
    add_shard(home, "billing", reviews(80), name="part-1.parquet")
    score_flow(home=str(home.root), sources=["billing"])
    assert rows(home, "select distinct source from drift_alerts") == []
    assert rows(home, "select count(distinct run_id) from drift_metrics where source = 'billing'") == [(2,)]

    result = runner.invoke(
        app,
        [
            "query",
            "--home",
            str(home.root),
            "--name",
            "drift_history",
            "--param",
            "metric=domain_classifier",
            "--param",
            "source=billing",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    history = json.loads(result.stdout)
    assert [r["drifted"] for r in history] == [True, False]

    report = build_report(home)  # the drift panel: measures over the batches, against thresholds
    assert "drift" in report["plots"] and "drift" not in report["missing"]


def test_monitor_command_reruns_latest_batches_and_replaces_rows(prefect_harness, monitored_home):
    home = monitored_home
    add_shard(home, "billing", INVOICES)
    score_flow(home=str(home.root), monitor=False)
    assert rows(home, "select count(*) from drift_metrics") == [(0,)]
    for _ in range(2):  # the second run replaces the first's rows
        result = runner.invoke(app, ["monitor", "--home", str(home.root), "--source", "billing", "--json"])
        assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [b["status"] for b in out["batches"]] == ["drifted"] and out["events_emitted"] == 1
    assert rows(home, "select count(*) from drift_metrics") == [(len(METRICS),)]


def test_monitor_command_unknown_source_is_one_line_exit_2(monitored_home):
    sentiflow = str(Path(sys.executable).with_name("sentiflow"))
    proc = subprocess.run(
        [sentiflow, "monitor", "--home", str(monitored_home.root), "--source", "nope"], capture_output=True, text=True
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "'nope'" in proc.stderr


def test_an_orchestration_flow_runs_monitor_as_its_own_stage(prefect_harness, monitored_home):
    from sentiflow.flows.rescore import rescore_flow

    home = monitored_home
    add_shard(home, "billing", INVOICES)
    result = rescore_flow(home=str(home.root))
    assert result["status"] == "completed"  # drift is news, not a failure
    run_id = result["score"]["run_id"]
    (batch,) = result["monitor"]["batches"]
    assert (batch["source"], batch["run_id"], batch["status"]) == ("billing", run_id, "drifted")
    assert rows(home, "select count(*) from drift_alerts where run_id = ?", [run_id]) == [
        (len(batch["drifted_metrics"]),)
    ]
