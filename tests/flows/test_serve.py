"""`sentiflow serve` registers the deployments with their schedule; `sentiflow trigger` runs one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sentiflow.flows.local_server import find_local_server
from sentiflow.tasks.core.home import Home
from tests.flows.report_home import make_report_home

SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def deployment_on(api_url: str, name: str) -> dict | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url}/deployments/name/{name}/{name}", timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError:
        return None


@pytest.mark.timeout(240)
def test_serve_then_trigger_a_run(tmp_path):
    home = make_report_home(Home.at(tmp_path / "home"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    serve = subprocess.Popen(
        [SENTIFLOW, "serve", "--home", str(home.root), "--only", "nightly", "--only", "report"],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "serve.log", "wb"),
        env=env,
        start_new_session=True,
    )
    try:
        api_url = wait_for(lambda: find_local_server(home.root), 150, "the local Prefect server")
        nightly = wait_for(lambda: deployment_on(api_url, "nightly"), 60, "the nightly deployment")
        wait_for(lambda: deployment_on(api_url, "report"), 30, "the report deployment")
        (schedule,) = nightly["schedules"]
        assert schedule["schedule"]["cron"] == "0 2 * * *" and schedule["schedule"]["timezone"] == "UTC"
        assert nightly["global_concurrency_limit"]["limit"] == 1
        assert nightly["parameters"]["home"] == str(home.root)

        (home.reports / "report.html").unlink(missing_ok=True)
        trigger = subprocess.run(
            [SENTIFLOW, "trigger", "report", "--home", str(home.root), "--wait", "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=150,
        )
        assert trigger.returncode == 0, trigger.stderr[-2000:]
        summary = json.loads(trigger.stdout)
        assert summary["deployment"] == "report/report" and summary["state"] == "Completed"
        assert (home.reports / "report.html").is_file()
    finally:
        serve.send_signal(signal.SIGTERM)  # serve pauses its deployments, then stops its server
        try:
            serve.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            raise
    assert serve.returncode == 0
    assert find_local_server(home.root) is None


def test_trigger_without_a_server_says_how_to_start_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    proc = subprocess.run(
        [SENTIFLOW, "trigger", "retrain", "--home", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 2
    assert "no Prefect server for home" in proc.stderr and "sentiflow serve --home" in proc.stderr
    bad = subprocess.run(
        [SENTIFLOW, "trigger", "nope", "--home", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 2 and "unknown deployment 'nope'" in bad.stderr
