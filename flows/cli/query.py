"""`sentiflow query`: read-only SQL over warehouse.duckdb, as a table, CSV or JSON.

Imports only DuckDB and the warehouse modules (no Prefect, no torch), so it answers in about a
second. Results go to stdout; waiting notices and row counts go to stderr.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sentiflow.flows.cli.app import HomeOption, JsonOption, app, console, emit, out, settings_for
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


CELL_CHARS = 200  # longer cells are cut in table output (csv/json always give everything)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`k=v` strings from --param into a dict (the value may contain '=')."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--param {pair!r}: write it as NAME=VALUE, e.g. --param limit=5")
        params[key.strip()] = value
    return params


def resolve_sql(sql: str | None, file: Path | None, name: str | None, params: dict[str, str]):
    """(SQL text, bound parameters) from exactly one of SQL, --file and --name."""
    from sentiflow.tasks.warehouse.named_queries import named_query

    given = [x for x in (sql, file, name) if x is not None]
    if len(given) != 1:
        raise UserError('give exactly one of "SQL", --file FILE or --name NAME (see --list)')
    if name is not None:
        query = named_query(name)
        return query.sql, query.bind(params)
    if file is not None:
        if not file.is_file():
            raise UserError(f"--file {file}: no such file")
        sql = file.read_text(encoding="utf-8")
    return sql, dict(params)


def print_table(result, max_rows: int) -> int:
    from sentiflow.tasks.warehouse.result_formats import text_value

    table = Table(highlight=False)
    for name in result.columns:
        table.add_column(Text(name))  # Text, not str: values are data, never rich markup
    widths = [len(c) for c in result.columns]
    shown = total = 0
    for rows in result.batches():
        for row in rows[: max(0, max_rows - shown)]:
            cells = [text_value(v)[:CELL_CHARS] for v in row]
            widths = [max(w, len(c)) for w, c in zip(widths, cells)]
            table.add_row(*(Text(c) for c in cells))
            shown += 1
        total += len(rows)
    # a terminal's width is a real limit (rich folds cells to fit); a pipe or file has none
    natural = sum(widths) + 3 * len(widths) + 1
    if out.is_terminal:
        out.print(table)
    else:
        Console(file=sys.stdout, width=max(out.width, natural)).print(table)
    more = f" (showing {shown}; use --max-rows or --format csv for all)" if total > shown else ""
    console.print(f"{total} row{'s' if total != 1 else ''}{more}", highlight=False)
    return total


def list_queries(as_json: bool) -> None:
    from sentiflow.tasks.warehouse.named_queries import list_named_queries

    queries = [
        {
            "name": q.name,
            "description": q.description,
            "params": [
                {
                    "name": p.name,
                    "type": p.type,
                    "default": p.default,
                    "required": p.required,
                    "description": p.description,
                }
                for p in q.params
            ],
        }
        for q in list_named_queries()
    ]

    def render(_: dict) -> None:
        table = Table("name", "parameters", "description")
        for q in queries:
            params = ", ".join(f"{p['name']}" if p["required"] else f"{p['name']}={p['default']}" for p in q["params"])
            table.add_row(q["name"], params, q["description"])
        out.print(table)

    emit({"queries": queries}, as_json, render)


@app.command("query")
def query_command(
    sql: Annotated[
        str | None, typer.Argument(help='SQL to run, e.g. "select * from latest_predictions limit 5".')
    ] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the SQL from this file.")] = None,
    name: Annotated[
        str | None, typer.Option("--name", "-n", help="Run a named query from sql/queries/ (see --list).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="A query parameter NAME=VALUE, used as $NAME in the SQL; repeatable."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    max_rows: Annotated[int, typer.Option("--max-rows", min=0, help="Most rows shown in table format.")] = 100,
    list_names: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
    home: HomeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run read-only SQL over the warehouse (tables, views, named queries).

    The warehouse is opened read-only by DuckDB: INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH,
    COPY ... TO, INSTALL, LOAD and SET are refused. While a load holds the write lock, the query
    waits up to SENTIFLOW_QUERY_WAIT_SECONDS.
    """
    if list_names:
        list_queries(as_json)
        return
    from sentiflow.tasks.warehouse.query import open_query
    from sentiflow.tasks.warehouse.result_formats import write_csv, write_json

    settings = settings_for(home)
    text, params = resolve_sql(sql, file, name, parse_params(param or []))
    warehouse = Home.at(settings.home).warehouse
    chosen = OutputFormat.json if as_json else fmt

    def on_wait(message: str) -> None:
        console.print(f"[yellow]{message}[/]", highlight=False)

    with open_query(warehouse, text, params, settings.query_wait_seconds, on_wait) as result:
        if chosen is OutputFormat.table:
            print_table(result, max_rows)
        elif chosen is OutputFormat.csv:
            write_csv(result, sys.stdout)
        else:
            write_json(result, sys.stdout)
