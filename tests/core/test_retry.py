"""The one retry policy: I/O hiccups are retried, user mistakes and bad data never are."""

from __future__ import annotations

import pyarrow as pa
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.retry import IO_RETRIES, is_transient


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (OSError("disk busy"), True),
        (TimeoutError("lock held"), True),
        (RuntimeError("connection reset"), True),
        (UserError("no source 'x'"), False),
        (ValueError("bad value"), False),
        (pa.ArrowInvalid("not Parquet"), False),
    ],
)
def test_only_transient_errors_are_retried(error, transient):
    assert is_transient(error) is transient


def test_a_prefect_task_retries_a_hiccup_but_not_a_mistake(prefect_harness):
    from prefect import flow, task

    calls: list[str] = []

    @task(**{**IO_RETRIES, "retry_delay_seconds": 0})
    def flaky(error: Exception, fail_times: int) -> str:
        calls.append(type(error).__name__)
        if calls.count(type(error).__name__) <= fail_times:
            raise error
        return "done"

    @flow
    def both() -> tuple[str, Exception | str]:
        recovered = flaky(OSError("busy"), fail_times=2)
        mistake = flaky(UserError("bad option"), fail_times=9, return_state=True)
        return recovered, mistake.result(raise_on_failure=False)

    recovered, mistake = both()
    assert recovered == "done" and calls.count("OSError") == 3  # two failures, then success
    assert isinstance(mistake, UserError) and calls.count("UserError") == 1  # never retried
