"""Task runners chosen at run time: threads on one machine, Dask on a cluster."""

from __future__ import annotations

from typing import Any

from sentiflow.tasks.core.errors import UserError

RUNNERS = ("threads", "dask")


def make_task_runner(runner: str = "threads", dask_address: str | None = None, workers: int = 2) -> Any:
    """A Prefect task runner: ThreadPoolTaskRunner, or prefect-dask's DaskTaskRunner."""
    if runner == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1})
    raise UserError(f"unknown --runner {runner!r}: use one of {', '.join(RUNNERS)}")
