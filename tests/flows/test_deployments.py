"""flows/deployments.py is the one list: deploy/prefect.yaml (valid, covering every flow) and the
table in deploy/README.md agree with it, the CLI registers its commands from it, and every stage
package keeps the stage contract."""

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


def test_yaml_descriptions_parameters_and_tags_match_the_list(project):
    by_name = {d.name: d for d in project.deployments}
    for spec in DEPLOYMENTS:
        d = by_name[spec.name]
        assert d.description == spec.description, spec.name
        assert {k: v for k, v in d.parameters.items() if k != "home"} == spec.parameters, spec.name
        assert set(d.tags) == {"sentiflow", "scheduled" if spec.cron else "manual"}, spec.name


def readme_table() -> list[list[str]]:
    """The cells of each row of deploy/README.md's deployment table."""
    lines = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| deployment |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_the_readme_table_agrees_with_the_list():
    def row(spec) -> list[str]:
        when = f"cron `{spec.cron}`, timezone `{spec.timezone}`" if spec.cron else "manual"
        if spec.parameters:
            when += ", parameters " + ", ".join(f"`{name}`" for name in spec.parameters)
        return [
            f"`{spec.name}/{spec.name}`",
            spec.description,
            f"`sentiflow {spec.name}`" if spec.command else "-",
            when,
            str(spec.concurrency_limit or "-"),
        ]

    assert readme_table() == [row(spec) for spec in DEPLOYMENTS]


def test_the_cli_registers_each_flow_command_and_tool_from_the_list():
    import typer.main

    from sentiflow.flows.cli import app
    from sentiflow.flows.deployments import TOOLS, command_modules

    modules = {p.stem for p in (ROOT / "flows" / "cli").glob("*.py")} - {"__init__", "app"}
    assert modules == set(command_modules()), "a flows/cli module missing from flows/deployments.py, or the reverse"
    assert set(typer.main.get_command(app).commands) == set(command_modules())
    assert not set(TOOLS) & {spec.name for spec in DEPLOYMENTS}


def test_every_stage_package_keeps_the_stage_contract():
    """tasks/NAME (besides the shared core, models and warehouse): a registered flow with a command,
    a Prefect layer, and a typed summary."""
    import importlib
    import inspect

    from sentiflow.tasks.core.summary import Summary

    shared = {"core", "models", "warehouse"}
    stages = sorted(p.parent.name for p in (ROOT / "tasks").glob("*/__init__.py") if p.parent.name not in shared)
    assert {"ingest", "curate", "train", "compress", "score", "report"} <= set(stages)
    for name in stages:
        spec = deployment(name)
        assert spec.command and (ROOT / "flows" / f"{name}.py").is_file(), name
        assert (ROOT / "tasks" / name / "prefect_tasks.py").is_file(), name
        summary = importlib.import_module(f"sentiflow.tasks.{name}.summary")
        own = [c for _, c in inspect.getmembers(summary, inspect.isclass) if c.__module__ == summary.__name__]
        assert any(issubclass(c, Summary) for c in own), f"tasks/{name}/summary.py defines no Summary"
