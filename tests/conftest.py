"""Shared fixtures. Prefect runs against a temporary, session-scoped test harness."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from sentiflow.flows.prefect_env import LOCAL_API_DEFAULTS  # imports no Prefect

# Before Prefect is imported anywhere: a private PREFECT_HOME and no telemetry.
_PREFECT_HOME = tempfile.mkdtemp(prefix="sentiflow-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("SENTIFLOW_HOME", None)
# The test API is SQLite like sentiflow's own local one: give it the same task-run recorder
# batching flows/prefect_env.py sets, which stopped lost and half-written run history there.
for _key, _value in LOCAL_API_DEFAULTS.items():
    os.environ.setdefault(_key, _value)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def prefect_harness():
    """A throwaway Prefect API (SQLite in a temp folder) for tests that run flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def home(tmp_path: Path):
    """A fresh home folder."""
    from sentiflow.tasks.core.home import Home

    return Home.at(tmp_path / "home")
