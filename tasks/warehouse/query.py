"""Read-only SQL over the warehouse, for `sentiflow query` and anyone else who asks.

Enforcement is DuckDB's: the connection is opened with read_only=True and the sandbox config in
db.READ_ONLY_CONFIG (no file access, no extensions, settings locked), so a write fails inside
DuckDB whatever its spelling. Before running anything, DuckDB's own parser classifies each
statement and only queries go ahead: that turns every refusal into one clear line, and also
refuses what read-only mode leaves open but is still no query (CREATE TEMP TABLE, SET VARIABLE).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.warehouse.db import connect_ro

_T = duckdb.StatementType
READ_STATEMENTS = frozenset({_T.SELECT, _T.EXPLAIN, _T.PRAGMA, _T.CALL})
# how a refused statement type is named to people
_SPOKEN = {
    "LOAD": "INSTALL/LOAD",
    "MERGE_INTO": "MERGE",
    "COPY_DATABASE": "COPY DATABASE",
    "EXPORT": "EXPORT DATABASE",
    "MULTI": "this statement",
}
# DuckDB parses a PIVOT without an IN list as MULTI (it first looks up the values to pivot
# on), so MULTI is allowed when the statement is a query; wrapped in anything else (CREATE
# TEMP TABLE ... AS PIVOT) it is refused. Read-only mode stays the enforcement either way.
_QUERY_START = re.compile(
    r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(*\s*(pivot|unpivot|select|with|from)\b", re.IGNORECASE | re.DOTALL
)


def one_line(exc: Exception) -> str:
    """A DuckDB error as one line: the message without its 'LINE 1: ...' caret block."""
    text = str(exc).split("\n\nLINE ", 1)[0]
    return " ".join(text.split())


def refuse_writes(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """Raise a UserError unless every statement in `sql` is a query; returns the count."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise UserError(f"SQL: {one_line(exc)}") from None
    if not statements:
        raise UserError("no SQL statement given (only whitespace or comments)")
    for statement in statements:
        if statement.type == _T.MULTI and _QUERY_START.match(statement.query):
            continue
        if statement.type not in READ_STATEMENTS:
            kind = _SPOKEN.get(statement.type.name, statement.type.name.replace("_", " "))
            raise UserError(
                f"refused: {kind} is not allowed, `sentiflow query` is read-only "
                "(use SELECT/WITH, DESCRIBE, SHOW, EXPLAIN, PRAGMA or CALL)"
            )
    return len(statements)


@dataclass
class QueryResult:
    """The answer of the last statement: column names and types, rows fetched lazily."""

    columns: list[str]
    types: list[str]
    _con: duckdb.DuckDBPyConnection

    def batches(self, size: int = 2048) -> Iterator[list[tuple[Any, ...]]]:
        """Rows in lists of up to `size`; DuckDB errors raised while fetching become one line."""
        while True:
            try:
                rows = self._con.fetchmany(size)
            except duckdb.Error as exc:
                raise UserError(f"SQL: {one_line(exc)}") from None
            if not rows:
                return
            yield rows


@contextmanager
def open_query(
    warehouse: Path,
    sql: str,
    params: dict[str, Any] | None = None,
    wait_seconds: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[QueryResult]:
    """Run `sql` (with `$name` parameters) on a read-only connection; yield its result.

    Waits up to `wait_seconds` while a load holds the write lock (WarehouseBusy after that).
    """
    with connect_ro(warehouse, wait_seconds=wait_seconds, on_wait=on_wait) as con:
        refuse_writes(con, sql)
        try:
            con.execute(sql, params or None)
        except duckdb.Error as exc:
            message = one_line(exc)
            if (
                isinstance(exc, duckdb.PermissionException)
                or "read-only" in message
                or "configuration has been locked" in message
            ):
                # e.g. IMPORT DATABASE and PRAGMA enable_profiling parse as PRAGMAs (a query
                # type); DuckDB's read-only mode and sandbox stop them here
                raise UserError(f"refused: {message} (`sentiflow query` is read-only)") from None
            raise UserError(f"SQL: {message}") from None
        description = con.description or []
        yield QueryResult(columns=[d[0] for d in description], types=[str(d[1]) for d in description], _con=con)
