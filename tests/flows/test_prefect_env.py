"""configure_prefect: real Prefect setting names, a private API database per home, user wins."""

from __future__ import annotations

import os

import pytest

from sentiflow.flows.prefect_env import configure_prefect, prefect_home_for
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.runners import check_runner, make_task_runner

PREFECT_VARIABLES = [
    "DO_NOT_TRACK",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "PREFECT_HOME",
    "PREFECT_API_URL",
    "PREFECT_LOCAL_STORAGE_PATH",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL",
]


@pytest.fixture
def clean_env(monkeypatch):
    """No Prefect variables set; the whole environment restored afterwards."""
    saved = dict(os.environ)
    for name in PREFECT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    os.environ.clear()
    os.environ.update(saved)


def test_local_api_lives_in_the_home_and_every_name_is_a_prefect_setting(clean_env, tmp_path):
    from prefect.settings import Settings

    applied = configure_prefect(tmp_path / "home")
    assert (
        applied["PREFECT_HOME"]
        == str(prefect_home_for(tmp_path / "home"))
        == str((tmp_path / "home" / "prefect").resolve())
    )
    settings = Settings()  # reads the environment now, as a fresh process would
    assert str(settings.home) == applied["PREFECT_HOME"]
    assert settings.server.analytics_enabled is False
    assert str(settings.results.local_storage_path) == str(tmp_path.resolve() / "home" / "prefect" / "storage")
    assert settings.server.ephemeral.startup_timeout_seconds == 90
    recorder = settings.server.services.task_run_recorder
    assert (recorder.batch_size, recorder.read_batch_size, recorder.flush_interval) == (100, 100, 1.0)
    # nothing set that Prefect would not read
    assert set(applied) <= set(PREFECT_VARIABLES)


def test_user_settings_win_and_a_real_server_keeps_its_home(clean_env, tmp_path):
    clean_env.setenv("PREFECT_API_URL", "http://prefect.internal:4200/api")
    clean_env.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "true")
    applied = configure_prefect(tmp_path)
    assert "PREFECT_HOME" not in applied and "PREFECT_HOME" not in os.environ
    assert "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE" not in applied
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "true"


@pytest.mark.parametrize(
    ("runner", "address", "message"),
    [
        ("spark", None, "unknown --runner 'spark'"),
        ("threads", "tcp://127.0.0.1:8786", "--dask-address needs --runner dask"),
        ("dask", "127.0.0.1:8786", "invalid --dask-address"),
        ("dask", "tcp://127.0.0.1:99999", "invalid --dask-address"),
        ("dask", "tcp://127.0.0.1:1", "no Dask scheduler answers at tcp://127.0.0.1:1"),
    ],
)
def test_runner_choices_fail_in_one_line(runner, address, message):
    with pytest.raises(UserError) as err:
        check_runner(runner, address, probe_seconds=1)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_runner_factory_builds_prefect_runners():
    from prefect.task_runners import ThreadPoolTaskRunner

    assert isinstance(make_task_runner("threads", workers=3), ThreadPoolTaskRunner)
    check_runner("threads")
    check_runner("dask")
    with pytest.raises(UserError):
        make_task_runner("spark")
