"""Connections to warehouse.duckdb.

DuckDB allows one read-write process or many read-only ones, not both (duckdb/duckdb#1119).
Writers hold the file for one short transaction; readers open read-only and, while a writer
holds the lock, retry with a bounded wait instead of failing at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from sentiflow.tasks.core.errors import UserError

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")


class WarehouseBusy(UserError):
    """The warehouse stayed locked by a writer for longer than the caller would wait."""


def sql_text(name: str) -> str:
    """A .sql file shipped in sentiflow.sql, e.g. 'schema.sql' or 'queries/top.sql'."""
    return resources.files("sentiflow.sql").joinpath(name).read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and any(m in str(exc) for m in _LOCK_MARKERS)


def _open_with_wait(
    path: Path, read_only: bool, wait_seconds: float, on_wait: Callable[[str], None] | None
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay, warned = 0.05, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except Exception as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is busy: a load held its lock for over {wait_seconds:g}s; "
                    "try again shortly or raise SENTIFLOW_QUERY_WAIT_SECONDS"
                ) from None
            if on_wait and not warned:
                on_wait(f"warehouse is locked by a running load; waiting up to {wait_seconds:g}s")
                warned = True
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


@contextmanager
def connect_rw(path: Path, wait_seconds: float = 120.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection with the schema applied; closed (lock released) on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_with_wait(path, read_only=False, wait_seconds=wait_seconds, on_wait=None)
    try:
        apply_schema(con)
        yield con
    finally:
        con.close()


@contextmanager
def connect_ro(
    path: Path, wait_seconds: float = 30.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; DuckDB itself refuses every write on it."""
    if not path.exists():
        raise UserError(
            f"no warehouse at {path}: run `sentiflow score` (or `sentiflow run`) first, "
            "or pass --home"
        )
    con = _open_with_wait(path, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait)
    try:
        yield con
    finally:
        con.close()


def _sql_files(folder: str) -> list[str]:
    root = resources.files("sentiflow.sql").joinpath(folder)
    if not root.is_dir():
        return []
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".sql"))
    return [root.joinpath(n).read_text(encoding="utf-8") for n in names]


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables (sql/tables/*.sql) and (re)create views (sql/views/*.sql), in name order.

    Idempotent; runs in the writer's connection, so every writer leaves the schema current.
    """
    for statement in _sql_files("tables") + _sql_files("views"):
        con.execute(statement)
