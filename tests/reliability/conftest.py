"""Fixtures for the reliability tests: one Prefect API shared with CLI subprocesses.

Tests marked `slow` (the chaos tests: real SIGKILLs and re-runs of the CLI, a few minutes) are
skipped unless asked for with `-m slow` (any -m expression decides) or SENTIFLOW_SLOW_TESTS=1,
so the default run of this folder stays within its time budget.

The session's `prefect_harness` already runs a throwaway Prefect API; its URL is handed to every
`sentiflow` subprocess (PREFECT_API_URL), so they skip starting a temporary API of their own
(~4 s per CLI run instead of ~20 s) and a SIGKILLed CLI leaves no orphaned API process behind.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.chaoskit.cli import cli_env


@pytest.fixture(scope="session")
def api_url(prefect_harness) -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url and url.startswith("http://127.0.0.1"), url
    return url


@pytest.fixture
def env(api_url) -> dict[str, str]:
    """The environment for a CLI subprocess."""
    return cli_env(api_url)


@pytest.fixture(scope="session")
def tiny_model_home(tmp_path_factory) -> Path:
    """A home folder holding only a registered tiny BERT (copy it; never write into it)."""
    from benchmarks.chaoskit.homes import register_tiny_model
    from sentiflow.tasks.core.home import Home

    home = Home.at(tmp_path_factory.mktemp("tiny-model") / "home")
    register_tiny_model(home)
    return home.root


def pytest_collection_modifyitems(config, items):
    if config.option.markexpr or os.environ.get("SENTIFLOW_SLOW_TESTS") == "1":
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason="slow: run with `-m slow` or SENTIFLOW_SLOW_TESTS=1")
    for item in items:
        if item.get_closest_marker("slow") and here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)
