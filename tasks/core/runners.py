"""Task runners chosen at run time: threads on one machine, Dask on a cluster.

`check_runner` validates the choice before any work (a one-line UserError); `make_task_runner`
builds the Prefect task runner. Stages that map over shards (ingest, scoring) take the runner
as a flow parameter and run their shard tasks under it; the DuckDB load stays one step in the
flow process either way.

Dask workers talk to the Prefect API too (each task run reports its state). Without
PREFECT_API_URL every process that needs the API starts its own temporary one: measured here,
a 2-worker LocalCluster then ran 3 temporary APIs on one SQLite file and took 36 s for six
trivial tasks, against 9 s when the workers share the flow's. So before a local cluster
starts, the flow process's temporary API is started and its address exported for the workers.
Workers on other machines cannot reach it (it listens on 127.0.0.1): point them and the flow at
a real server with PREFECT_API_URL (deploy/README.md).
"""

from __future__ import annotations

import os
import re
import socket
from typing import Any

from sentiflow.tasks.core.errors import UserError

RUNNERS = ("threads", "dask")
_DASK_ADDRESS = re.compile(r"^(tcp|tls)://(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})$")


def check_runner(runner: str, dask_address: str | None = None, probe_seconds: float = 3.0) -> None:
    """Raise a one-line UserError for a runner choice that cannot work; probe the scheduler."""
    if runner not in RUNNERS:
        raise UserError(f"unknown --runner {runner!r}: use one of {', '.join(RUNNERS)}")
    if dask_address is None:
        return
    if runner != "dask":
        raise UserError("--dask-address needs --runner dask")
    match = _DASK_ADDRESS.match(dask_address)
    if not match or not 0 < int(match["port"]) < 65536:
        raise UserError(f"invalid --dask-address {dask_address!r}: use tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    host = match["host"].strip("[]")
    try:
        with socket.create_connection((host, int(match["port"])), timeout=probe_seconds):
            pass
    except OSError as exc:
        raise UserError(
            f"no Dask scheduler answers at {dask_address} ({exc.strerror or exc}); "
            "start one with `dask scheduler` or drop --dask-address to use a local cluster"
        ) from None


def make_task_runner(runner: str = "threads", dask_address: str | None = None, workers: int = 2) -> Any:
    """A Prefect task runner: ThreadPoolTaskRunner, or prefect-dask's DaskTaskRunner.

    `workers` is the thread count, or the number of worker processes of a local Dask cluster
    (one thread each: the work is CPU-bound Python, so processes, not threads, scale it).
    """
    if runner == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner

        share_local_api_with_workers()
        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    raise UserError(f"unknown --runner {runner!r}: use one of {', '.join(RUNNERS)}")


def share_local_api_with_workers() -> str | None:
    """Start this process's temporary Prefect API (if that is what it uses) and export its URL.

    Worker processes started afterwards (a LocalCluster's, or any started from this
    environment) inherit PREFECT_API_URL and report to it instead of starting their own.
    Returns the URL, or None when a real server is configured (nothing to do).
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
        return None
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the same instance Prefect's own client uses
    server.start()  # no-op when it already runs
    os.environ["PREFECT_API_URL"] = server.api_url
    return server.api_url
