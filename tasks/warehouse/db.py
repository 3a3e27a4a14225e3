"""Connections to warehouse.duckdb.

DuckDB allows one read-write process or many read-only ones, not both (duckdb/duckdb#1119).
Writers hold the file for one short transaction; readers open read-only and, while a writer
holds the lock, retry with a bounded wait instead of failing at once.

Read-only connections are also sandboxed. `read_only=True` stops writes to the warehouse, but
on its own DuckDB still lets a read-only connection ATTACH another file, COPY ... TO a file,
EXPORT DATABASE, INSTALL/LOAD extensions and change settings. READ_ONLY_CONFIG closes those:
no file system access beyond the warehouse itself, no extension downloads or auto-loading, and
a locked configuration so no later SET can undo any of it. Every read-only connection in a
process uses the same config (DuckDB refuses two open connections to one file with different
configs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from sentiflow.tasks.core.errors import UserError

_LOCK_MARKERS = ("Could not set lock", "Conflicting lock", "lock on file")

READ_ONLY_CONFIG: dict[str, str | bool] = {
    "enable_external_access": False,  # no ATTACH, COPY TO, EXPORT, read_csv('/etc/...')
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,  # last: every later SET/RESET/PRAGMA that changes config fails
}


class WarehouseBusy(UserError):
    """The warehouse stayed locked by a writer for longer than the caller would wait."""


@dataclass
class LockTimer:
    """When a read-write connection got the warehouse lock and when it gave it back."""

    acquired: float | None = None  # time.monotonic()
    released: float | None = None

    @property
    def held_seconds(self) -> float:
        if self.acquired is None:
            return 0.0
        return (self.released or time.monotonic()) - self.acquired


def sql_text(name: str) -> str:
    """A .sql file shipped in sentiflow.sql, e.g. 'views/latest_predictions.sql'."""
    return resources.files("sentiflow.sql").joinpath(name).read_text(encoding="utf-8")


def _is_lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and any(m in str(exc) for m in _LOCK_MARKERS)


def _open_with_wait(
    path: Path,
    read_only: bool,
    wait_seconds: float,
    on_wait: Callable[[str], None] | None,
    config: dict[str, str | bool] | None = None,
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay, warned = 0.05, False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
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
def connect_rw(
    path: Path, wait_seconds: float = 120.0, lock_timer: LockTimer | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection with the schema applied; closed (lock released) on exit.

    Pass a LockTimer to learn how long the write lock was held (readers wait that long).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_with_wait(path, read_only=False, wait_seconds=wait_seconds, on_wait=None)
    if lock_timer is not None:
        lock_timer.acquired = time.monotonic()
    try:
        apply_schema(con)
        yield con
    finally:
        con.close()
        if lock_timer is not None:
            lock_timer.released = time.monotonic()


@contextmanager
def connect_ro(
    path: Path, wait_seconds: float = 30.0, on_wait: Callable[[str], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A sandboxed read-only connection; DuckDB itself refuses every write on it."""
    if not path.exists():
        raise UserError(f"no warehouse at {path}: run `sentiflow score` (or `sentiflow run`) first, or pass --home")
    con = _open_with_wait(path, read_only=True, wait_seconds=wait_seconds, on_wait=on_wait, config=READ_ONLY_CONFIG)
    try:
        yield con
    finally:
        con.close()


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views of the connected database."""
    rows = con.execute("select table_name from information_schema.tables").fetchall()
    return {r[0] for r in rows}


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
