"""Every package under tasks/ is installed and has its place in the import-linter layers.

import-linter only checks the packages a contract names: a new stage package left out of the
layers contract would be free to import anything. This test makes forgetting it fail loudly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def tasks_packages() -> set[str]:
    return {
        "sentiflow.tasks." + ".".join(p.parent.relative_to(ROOT / "tasks").parts)
        for p in (ROOT / "tasks").rglob("__init__.py")
        if p.parent != ROOT / "tasks"
    }


def test_every_tasks_package_is_installed():
    installed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert tasks_packages() <= installed, sorted(tasks_packages() - installed)


def test_every_top_level_tasks_package_has_a_layer():
    layers = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers")["layers"]
    named = {module.strip() for layer in layers for module in layer.split("|")}
    top_level = {".".join(p.split(".")[:3]) for p in tasks_packages()}
    assert top_level <= named, sorted(top_level - named)
