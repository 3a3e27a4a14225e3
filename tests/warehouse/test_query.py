"""`sentiflow query`: read-only by DuckDB, every write class refused in one line, formats,
bounded waiting on a running load, and a fast start."""

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from sentiflow.flows.cli import app
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.warehouse.db import WarehouseBusy, connect_ro, connect_rw
from sentiflow.tasks.warehouse.query import open_query

runner = CliRunner()
SENTIFLOW = str(Path(sys.executable).with_name("sentiflow"))

WRITES = [
    "insert into runs (run_id, flow, started_at, status) values ('x', 'f', now(), 'completed')",
    "insert or replace into runs select * from runs",
    "update runs set status = 'failed'",
    "delete from runs",
    "truncate runs",
    "create table t (a int)",
    "create temp table t as select 1 as a",  # session-local, but still no query
    "create view v as select 1",
    "create macro m(a) as a + 1",
    "drop table runs",
    "drop view latest_predictions",
    "alter table runs add column extra int",
    "attach '{tmp}/other.duckdb' as other",
    "detach other",
    "copy runs to '{tmp}/runs.csv'",
    "copy (select 1) to '{tmp}/one.parquet' (format parquet)",
    "export database '{tmp}/export'",
    "import database '{tmp}/export'",
    "install httpfs",
    "load httpfs",
    "load icu",  # built in, so harmless, but LOAD is refused like the rest
    "set threads = 1",
    "set enable_external_access = true",
    "reset threads",
    "set variable x = 1",
    "pragma enable_profiling",
    "vacuum",
    "begin transaction",
    "select 1; delete from runs",
    "create temp table t as pivot runs on flow using count(*)",
]


@pytest.fixture
def warehouse(home):
    with connect_rw(home.warehouse) as con:
        con.execute(
            "insert into runs values ('r1', 'score', '{\"a\": 1}', '2024-01-02 03:04:05+00',"
            " null, 'completed', '{\"documents_scored\": 3}')"
        )
        con.execute("insert into runs values ('r2', 'ingest', null, '2024-01-03 00:00:00+00', null, 'failed', null)")
    return home.warehouse


def rows(warehouse, sql, params=None):
    with open_query(warehouse, sql, params) as result:
        return [r for batch in result.batches() for r in batch]


@pytest.mark.parametrize("statement", WRITES)
def test_every_write_class_is_refused_in_one_line(warehouse, tmp_path, statement):
    with pytest.raises(UserError) as info:
        rows(warehouse, statement.format(tmp=tmp_path))
    message = str(info.value)
    assert "\n" not in message and message.startswith("refused"), message
    assert rows(warehouse, "select count(*) from runs") == [(2,)]
    assert not any(p.name != "home" for p in tmp_path.iterdir())  # no file was written


@pytest.mark.parametrize(
    "statement",
    [
        "insert into runs (run_id, flow, started_at, status) values ('x', 'f', now(), 'completed')",
        "create table t (a int)",
        "drop table runs",
        "attach '{tmp}/o.duckdb'",
        "copy runs to '{tmp}/r.csv'",
        "install httpfs",
        "load httpfs",
        "set threads = 1",
        "set lock_configuration = false",
    ],
)
def test_duckdb_itself_refuses_writes_on_the_read_only_connection(warehouse, tmp_path, statement):
    # below query's statement check: the connection alone must hold (read_only + sandbox config)
    with connect_ro(warehouse) as con, pytest.raises(duckdb.Error):
        con.execute(statement.format(tmp=tmp_path))


def test_reads_that_look_like_commands_are_allowed(warehouse):
    assert rows(warehouse, "select run_id from runs where flow = $flow", {"flow": "ingest"}) == [("r2",)]
    assert ("runs",) in rows(warehouse, "show tables")
    assert len(rows(warehouse, "describe runs")) == 7
    assert rows(warehouse, "pragma table_info('runs')")[0][1] == "run_id"
    assert rows(warehouse, "explain select 1")
    # DuckDB parses a PIVOT without an IN list as a multi-statement; it is still a query
    assert rows(warehouse, "pivot (select flow from runs) on flow using count(*)") == [(1, 1)]
    assert rows(
        warehouse,
        "-- by flow\nwith p as (pivot (select flow, status from runs) on status "
        "using count(*) group by flow) select * from p order by flow",
    ) == [("ingest", 0, 1), ("score", 1, 0)]


def test_refusals_name_the_statement_as_written(warehouse):
    for sql, named in [
        ("install httpfs", "INSTALL/LOAD"),
        ("load httpfs", "INSTALL/LOAD"),
        ("export database 'x'", "EXPORT DATABASE"),
    ]:
        with pytest.raises(UserError, match=f"refused: {named} is not allowed"):
            rows(warehouse, sql)


def test_syntax_error_unknown_table_and_empty_sql_are_one_line(warehouse):
    for sql, expected in [
        ("selec 1", "syntax error"),
        ("select * from nope", "nope does not exist"),
        ("-- nothing", "no SQL statement"),
    ]:
        with pytest.raises(UserError, match=expected) as info:
            rows(warehouse, sql)
        assert "\n" not in str(info.value)


def cli(*args):
    return runner.invoke(app, ["query", *args])


def test_formats_table_csv_json(warehouse, home):
    sql = "select run_id, flow, started_at, counts from runs order by run_id"
    result = cli(sql, "--home", str(home.root), "--format", "csv")
    assert result.exit_code == 0, result.output
    parsed = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["run_id"] for r in parsed] == ["r1", "r2"]
    assert parsed[0]["started_at"] == "2024-01-02T03:04:05+00:00" and parsed[1]["counts"] == ""

    result = cli(sql, "--home", str(home.root), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data[0] == {
        "run_id": "r1",
        "flow": "score",
        "started_at": "2024-01-02T03:04:05+00:00",
        "counts": {"documents_scored": 3},
    }  # a JSON column comes back as JSON
    assert json.loads(cli(sql, "--home", str(home.root), "--json").stdout) == data
    assert json.loads(cli("select 1 where false", "--home", str(home.root), "--json").stdout) == []

    result = cli(sql, "--home", str(home.root))
    assert result.exit_code == 0, result.output
    assert "r1" in result.stdout and "ingest" in result.stdout and "2 rows" in result.stderr
    result = cli(sql, "--home", str(home.root), "--max-rows", "1")
    assert "r2" not in result.stdout and "showing 1" in result.stderr


def test_named_query_and_params_through_the_cli(warehouse, home):
    result = cli("--name", "recent_runs", "--param", "flow=ingest", "--home", str(home.root), "--json")
    assert result.exit_code == 0, result.output
    assert [r["run_id"] for r in json.loads(result.stdout)] == ["r2"]
    for args, message in [
        (["--name", "recent_runs", "--param", "limit=many"], "limit='many'.*not a valid integer"),
        (["--name", "recent_runs", "--param", "colour=red"], "no parameter 'colour'"),
        (["--name", "model_comparison"], "needs --param model_a"),
        (["--name", "no_such_query"], "no named query 'no_such_query'"),
        (["--name", "recent_runs", "--param", "flow"], "NAME=VALUE"),
        (["select 1", "--name", "recent_runs"], "exactly one of"),
        (["--file", "missing.sql"], "no such file"),
    ]:
        result = cli(*args, "--home", str(home.root))
        assert result.exit_code != 0
        assert isinstance(result.exception, UserError), (args, result.output)
        assert re.search(message, str(result.exception)), (args, str(result.exception))


def test_sql_from_a_file(warehouse, home, tmp_path):
    sql_file = tmp_path / "q.sql"
    sql_file.write_text("-- a comment\nselect count(*) as n from runs;\n")
    result = cli("--file", str(sql_file), "--home", str(home.root), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": 2}]


def test_list_shows_named_queries_with_parameters():
    result = runner.invoke(app, ["query", "--list", "--json"])
    assert result.exit_code == 0, result.output
    queries = {q["name"]: q for q in json.loads(result.stdout)["queries"]}
    assert {"sentiment_by_source", "most_negative", "model_comparison"} <= set(queries)
    assert [p["name"] for p in queries["most_negative"]["params"]] == ["model", "source", "limit"]


def test_cli_errors_are_one_line_exit_2(warehouse, home, tmp_path):
    for sql, where in (("delete from runs", home.root), ("selec 1", home.root), ("select 1", tmp_path / "none")):
        proc = subprocess.run([SENTIFLOW, "query", sql, "--home", str(where)], capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("error:") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


HOLD_LOCK = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("begin transaction")
print("locked", flush=True)
sys.stdin.readline()  # hold the write lock until the test says so
con.execute("commit")
"""


def hold_write_lock(path):
    """A separate process holding the warehouse's write lock (as a load does) until released."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def release(holder):
    holder.stdin.write("release\n")
    holder.stdin.flush()
    holder.wait(timeout=60)


def test_a_running_load_makes_query_wait_then_fail_clearly(warehouse, home):
    holder = hold_write_lock(warehouse)
    try:
        env = {**os.environ, "SENTIFLOW_QUERY_WAIT_SECONDS": "0.3"}
        proc = subprocess.run(
            [SENTIFLOW, "query", "select 1", "--home", str(home.root)], capture_output=True, text=True, env=env
        )
        assert proc.returncode == 2
        assert "waiting up to 0.3s" in proc.stderr and "busy" in proc.stderr.splitlines()[-1]

        waiting = subprocess.Popen(
            [SENTIFLOW, "query", "select count(*) from runs", "--home", str(home.root), "--format", "csv"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert "waiting up to 30s" in waiting.stderr.readline()  # the default wait, while locked
        release(holder)
        out, _ = waiting.communicate(timeout=60)
        assert waiting.returncode == 0 and out.splitlines()[1] == "2"  # answered once the load ended
    finally:
        if holder.poll() is None:
            release(holder)


def test_connect_ro_raises_busy_after_the_wait(warehouse):
    holder = hold_write_lock(warehouse)
    try:
        messages = []
        with pytest.raises(WarehouseBusy, match="busy"):
            with connect_ro(warehouse, wait_seconds=0.2, on_wait=messages.append):
                pass
        assert len(messages) == 1
    finally:
        release(holder)


def test_query_answers_fast_without_prefect_or_torch(warehouse, home):
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            f"import sys; sys.argv = ['sentiflow', 'query', 'select 1', '--home', {str(home.root)!r}];"
            "from sentiflow.flows.cli import main; main()",
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    for heavy in ("prefect", "torch", "transformers"):
        assert heavy not in imported, f"`sentiflow query` imports {heavy}"
    assert elapsed < 10
