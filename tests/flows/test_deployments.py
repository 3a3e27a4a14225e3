"""deploy/prefect.yaml is valid, agrees with flows/deployments.py, and covers every flow."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from sentiflow.flows.deployments import DEPLOYMENTS, deployment
from sentiflow.tasks.core.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
PREFECT_YAML = ROOT / "deploy" / "prefect.yaml"


@pytest.fixture(scope="module")
def project():
    from prefect.cli.deploy._models import PrefectYamlModel

    return PrefectYamlModel.model_validate(yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8")))


def flows_defined_in_flows_folder() -> set[str]:
    """'flows/FILE.py:FUNCTION' for every function decorated with @flow in flows/*.py."""
    found = set()
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
                if any(isinstance(d, ast.Name) and d.id == "flow" for d in decorators):
                    found.add(f"flows/{path.name}:{node.name}")
    return found


def test_every_flow_has_a_deployment(project):
    defined = flows_defined_in_flows_folder()
    assert {"flows/run.py:run_flow", "flows/nightly.py:nightly_flow", "flows/score.py:score_flow"} <= defined
    deployed = {d.entrypoint for d in project.deployments}
    assert defined - deployed == set(), "flows without a deployment in deploy/prefect.yaml"
    assert deployed - defined == set(), "deployments naming no flow"


def test_yaml_and_the_serve_list_agree(project):
    from_yaml = {}
    for d in project.deployments:
        schedules = d.schedules or []
        from_yaml[d.name] = (d.entrypoint, [(s.cron, s.timezone) for s in schedules], d.concurrency_limit)
    from_code = {
        s.name: (s.entrypoint, [(s.cron, s.timezone)] if s.cron else [], s.concurrency_limit) for s in DEPLOYMENTS
    }
    assert from_yaml == from_code


def test_nightly_retrain_and_rescore_are_as_promised(project):
    by_name = {d.name: d for d in project.deployments}
    nightly = by_name["nightly"]
    (schedule,) = nightly.schedules
    assert schedule.cron == "0 2 * * *" and ZoneInfo(schedule.timezone)
    assert nightly.concurrency_limit == 1
    assert not by_name["retrain"].schedules and not by_name["rescore"].schedules
    assert {"model", "sources"} <= set(by_name["rescore"].parameters)
    for d in project.deployments:
        assert d.work_pool and d.work_pool.name == "sentiflow-process"
        assert d.parameters["home"] == "{{ $SENTIFLOW_HOME }}"


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda s: s.name)
def test_each_entrypoint_imports_and_names_its_flow(spec, project, monkeypatch):
    from prefect.flows import load_flow_from_entrypoint

    monkeypatch.chdir(ROOT)  # entrypoints are relative to the project root, as `prefect deploy` sees them
    flow = load_flow_from_entrypoint(spec.entrypoint)
    assert flow.name == spec.name, "deployments run as '<flow>/<deployment>'; keep the names equal"
    assert spec.load_flow().name == spec.name
    accepted = set(flow.parameters.properties)
    yaml_parameters = next(d.parameters for d in project.deployments if d.name == spec.name)
    assert "home" in accepted and set(yaml_parameters) <= accepted
    assert set(spec.parameters) <= accepted


def test_unknown_deployment_is_a_one_line_error():
    with pytest.raises(UserError, match="unknown deployment 'nope': use one of nightly, retrain"):
        deployment("nope")
    assert deployment("rescore").entrypoint == "flows/rescore.py:rescore_flow"
    assert os.path.exists(ROOT / deployment("rescore").entrypoint.split(":")[0])
