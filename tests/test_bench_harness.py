"""benchmarks/harness.py: a baseline's process gets none of sentiflow's settings."""

from __future__ import annotations

import pytest

from benchmarks.harness import clean_env, python_child, run_child

PRINT_ENV = (
    "import json, os; print(json.dumps({'omp': os.environ.get('OMP_WAIT_POLICY'), 'path': 'PATH' in os.environ}))"
)


def test_clean_env_drops_our_knobs_and_keeps_the_rest():
    env = clean_env({"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1", "PATH": "/bin", "HOME": "/root"})
    assert env == {"PATH": "/bin", "HOME": "/root"}


def test_a_child_runs_without_our_settings_and_reports_its_json(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # as sentiflow's import sets it for its own process
    report = run_child(python_child(PRINT_ENV))
    assert report["omp"] is None and report["path"] is True
    assert report["wall"] > 0 and report["cpu"] >= 0 and report["rss_mb"] > 0


def test_a_failing_child_is_one_error_with_its_stderr():
    with pytest.raises(SystemExit, match="boom"):
        run_child(python_child("raise SystemExit('boom')"))
