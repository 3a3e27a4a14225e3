"""deploy/automations.yaml and deploy/prefect.yaml against a real local `prefect server start`.

What Prefect's local (open-source) server does with each automation, as these tests show it:
its triggers and actions services run, so the drift event starts a `retrain` flow run (reactive
trigger, run-deployment action), a failed flow run of a sentiflow deployment sends the
notification (send-notification, here through a custom-webhook block to a local listener), and
the proactive "nightly not completed" trigger fires when no nightly run completed within its
window (tested with the window shortened from 26 hours to seconds). A process worker
(`prefect worker start --pool sentiflow-process`) runs deployments from deploy/prefect.yaml.

One server for the module; every Prefect call goes through a subprocess with that server's
PREFECT_API_URL, so nothing here touches the in-process test harness.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from sentiflow.flows.local_server import start_local_server
from tests.flows.test_serve import wait_for

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


class Listener:
    """A local HTTP endpoint the notification block posts to; keeps every body it received."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                received.append(self.rfile.read(int(self.headers.get("content-length", 0))).decode())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies_with(self, text: str) -> list[str]:
        return [b for b in self.received if text in b]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local `prefect server start` (SQLite in a temp PREFECT_HOME) with the sentiflow-process
    pool, the retrain, report and monitor deployments, a webhook notification block and the
    automations from deploy/automations.yaml."""
    root = tmp_path_factory.mktemp("prefect-server")
    home = root / "home"
    (home / "prefect").mkdir(parents=True)
    local = start_local_server(home, wait_seconds=180)
    listener = Listener()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_API_URL=local.api_url, PREFECT_HOME=str(home / "prefect"), SENTIFLOW_HOME=str(home))
    try:

        def run(*args, check=True, timeout=120):
            proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
            assert not check or proc.returncode == 0, f"{args}: {proc.stdout}\n{proc.stderr}"
            return proc

        run(PREFECT, "work-pool", "create", "sentiflow-process", "--type", "process")
        deploy = [PREFECT, "--no-prompt", "deploy", "--prefect-file", "deploy/prefect.yaml"]
        run(*deploy, "--name", "retrain", "--name", "report", "--name", "monitor")
        block = run(
            sys.executable,
            "-c",
            "from prefect.blocks.notifications import CustomWebhookNotificationBlock as B;"
            f"print(B(name='sentiflow', url={listener.url!r}, json_data={{'subject': '{{{{subject}}}}', 'body': '{{{{body}}}}'}})"
            ".save('sentiflow-notify', overwrite=True))",
        ).stdout.strip()
        retrain = get(local.api_url, "/deployments/name/retrain/retrain")["id"]
        filled = os.path.expandvars(
            (REPO / "deploy" / "automations.yaml")
            .read_text()
            .replace("${RETRAIN_DEPLOYMENT_ID}", retrain)
            .replace("${NOTIFY_BLOCK_ID}", block)
            .replace("${RETRAIN_REVIEW_DELAY_SECONDS}", "0")
        )
        automations = yaml.safe_load(filled)["automations"]
        by_name = {a["name"]: a for a in automations}
        # the nightly watch as written waits 26 hours; the same trigger with a 10 s window fires here
        by_name["sentiflow nightly not completed"]["trigger"]["within"] = 10
        path = root / "automations.yaml"
        path.write_text(yaml.safe_dump({"automations": automations}))
        created = run(PREFECT, "automation", "create", "--from-file", str(path))
        assert "Created 3 automation(s)" in created.stdout, created.stdout
        yield {"api_url": local.api_url, "run": run, "env": env, "retrain": retrain, "listener": listener, "home": home}
    finally:
        listener.server.shutdown()
        local.stop(home)


def get(api_url: str, path: str) -> dict:
    with urllib.request.urlopen(f"{api_url}{path}", timeout=10) as response:
        return json.loads(response.read())


def flow_runs(api_url: str, deployment_id: str) -> list[dict]:
    body = json.dumps({"deployments": {"id": {"any_": [deployment_id]}}}).encode()
    request = urllib.request.Request(
        f"{api_url}/flow_runs/filter", data=body, headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_automations_file_parses_as_prefect_automations():
    from prefect.events.schemas.automations import AutomationCore

    text = (REPO / "deploy" / "automations.yaml").read_text()
    ids = {
        "RETRAIN_DEPLOYMENT_ID": "00000000-0000-0000-0000-000000000001",
        "NOTIFY_BLOCK_ID": "00000000-0000-0000-0000-000000000002",
    }
    for key, value in {**ids, "RETRAIN_REVIEW_DELAY_SECONDS": "3600"}.items():
        text = text.replace("${" + key + "}", value)
    parsed = [AutomationCore.model_validate(a) for a in yaml.safe_load(text)["automations"]]
    drift = next(a for a in parsed if "drift" in a.name)
    assert drift.trigger.expect == {"sentiflow.drift.detected"}
    assert drift.actions[0].type == "run-deployment" and drift.actions[0].schedule_after.total_seconds() == 3600


def test_drift_event_starts_retrain(server):
    emit = (
        "from prefect.events import emit_event; from prefect.events.worker import EventsWorker;"
        "emit_event(event='sentiflow.drift.detected', resource={'prefect.resource.id': 'sentiflow.source.reviews',"
        " 'sentiflow.source': 'reviews', 'sentiflow.model': 'm1'}); EventsWorker.drain_all()"
    )
    server["run"](sys.executable, "-c", emit)
    (run,) = wait_for(lambda: flow_runs(server["api_url"], server["retrain"]), 60, "a retrain flow run")
    assert run["created_by"]["type"] == "AUTOMATION"
    assert run["created_by"]["display_value"] == "sentiflow drift -> retrain"


def test_worker_runs_deployments_and_failures_notify(server):
    run = server["run"]
    run(PREFECT, "deployment", "run", "report/report")
    run(PREFECT, "deployment", "run", "monitor/monitor", "--param", "model=no-such-model")
    # the retrain run the drift test scheduled would run too: cancel what a worker would pick up
    for flow_run in flow_runs(server["api_url"], server["retrain"]):
        run(PREFECT, "flow-run", "cancel", flow_run["id"], check=False)
    run(PREFECT, "worker", "start", "--pool", "sentiflow-process", "--run-once", timeout=240)
    report = get(server["api_url"], "/deployments/name/report/report")["id"]
    monitor = get(server["api_url"], "/deployments/name/monitor/monitor")["id"]
    assert [r["state_type"] for r in flow_runs(server["api_url"], report)] == ["COMPLETED"]
    assert (Path(server["home"]) / "reports" / "report.html").is_file()
    assert [r["state_type"] for r in flow_runs(server["api_url"], monitor)] == ["FAILED"]
    listener = server["listener"]
    (notice,) = wait_for(lambda: listener.bodies_with("monitor/"), 60, "the failed-run notification")
    assert "Failed" in notice and "no-such-model" in notice


def test_nightly_watch_notifies_when_no_nightly_completes(server):
    listener = server["listener"]
    wait_for(lambda: listener.bodies_with("no nightly run completed"), 90, "the nightly-not-completed notification")
