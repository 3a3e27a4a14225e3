"""The one retry policy for tasks that do I/O: retry hiccups, never a mistake in the input.

A disk or a DuckDB write lock that is busy for a moment passes; a file that is not Parquet, a
missing source or a bad option fails the same way on every attempt, and retrying it only keeps
the user waiting 22 seconds for the same one-line error. So a task retries 3 times (after 2,
5, then 15 s) unless what it raised is a UserError or a ValueError (pyarrow.ArrowInvalid, what
unreadable Parquet raises, is a ValueError too).

Prefect-free on purpose: each stage's prefect_tasks.py spreads `IO_RETRIES` into `@task(...)`,
and the condition only asks the failed state for its exception.
"""

from __future__ import annotations

from typing import Any

from sentiflow.tasks.core.errors import UserError

NOT_RETRIED: tuple[type[BaseException], ...] = (UserError, ValueError)


def is_transient(exc: BaseException) -> bool:
    """Whether another attempt could succeed: anything but a user mistake or bad data."""
    return not isinstance(exc, NOT_RETRIED)


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's `retry_condition_fn`: retry when the failed state holds a transient error."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
    return False


# Task options: `@task(name=..., **IO_RETRIES)`.
IO_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": [2, 5, 15],
    "retry_condition_fn": retry_transient,
}
