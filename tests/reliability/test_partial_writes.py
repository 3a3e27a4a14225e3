"""A write that fails part-way leaves the previous state intact and a clear error.

The failing writer is the operating system's: RLIMIT_FSIZE (the largest file a process may
write) is lowered while the write runs, so the kernel refuses the bytes past the limit with
EFBIG "File too large" exactly as a full disk refuses them with ENOSPC, in the middle of a
Parquet shard or of DuckDB's write-ahead log. No writer is mocked. (Python ignores SIGXFSZ, so
the process gets the error instead of being killed.) The limit is raised again afterwards.
"""

from __future__ import annotations

import contextlib
import random
import resource
import shutil
import subprocess

import pytest

from benchmarks.chaoskit.cli import SENTIFLOW
from benchmarks.chaoskit.homes import TINY_MODEL_ID
from benchmarks.chaoskit.snapshots import lake_doc_ids, lake_files, warehouse_integrity, warehouse_tables
from sentiflow.tasks.core.errors import StorageError
from tests.reliability.helpers import has_traceback, ingest_in_process, pending_predictions_for_lake

LIMIT = 400_000  # bytes: small shards fit, a shard of long texts does not


@contextlib.contextmanager
def file_size_limit(limit: int):
    """Every file this process writes is cut off at `limit` bytes (EFBIG beyond it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def _limit_in_child(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def write_growing_csv(path, short_rows: int, long_rows: int, seed: int = 0) -> None:
    """Short rows first (small shards that fit the limit), then ~2 KB rows (a shard that does not)."""
    rng = random.Random(seed)
    with open(path, "w") as fh:
        fh.write("text,label\n")
        for i in range(short_rows):
            fh.write(f"short review {i} {rng.random():.6f},positive\n")
        for i in range(long_rows):
            fh.write(f"long review {i} {rng.randbytes(1000).hex()},negative\n")


@pytest.fixture
def ingested(tmp_path):
    """A home with one file ingested: the previous state every failure must leave alone."""
    from sentiflow.tasks.core.home import Home

    home = Home.at(tmp_path / "home")
    first = tmp_path / "first.csv"
    first.write_text("text,label\nthe first file,positive\nstill the first,negative\n")
    ingest_in_process(home, [first], shard_rows=1_000)
    return home, lake_files(home.lake)


def _options():
    from sentiflow.tasks.ingest.service import IngestOptions

    return IngestOptions(shard_rows=1_000)


def test_ingest_that_fails_mid_file_leaves_the_lake_as_it_was(ingested, tmp_path):
    from sentiflow.tasks.ingest.inputs import plan_inputs
    from sentiflow.tasks.ingest.service import ingest_unit

    home, before = ingested
    second = tmp_path / "second.csv"
    write_growing_csv(second, short_rows=5_000, long_rows=1_500)
    [unit] = plan_inputs([str(second)]).units
    with pytest.raises(StorageError) as caught, file_size_limit(LIMIT):
        ingest_unit(unit, home, _options())
    assert "file too large" in str(caught.value) and "second.csv" in str(caught.value), caught.value
    assert isinstance(caught.value.__cause__, OSError)
    after = lake_files(home.lake)
    assert {k: v for k, v in after.items() if k in before} == before, "the earlier lake changed"
    new = sorted(set(after) - set(before))
    assert not new, f"a failed ingest left files readers see: {new}"
    assert not list(home.root.rglob(".tmp-*")), "temporary files left behind"

    # the same command without the fault finishes the job, as if nothing had happened
    ingest_in_process(home, [second], shard_rows=1_000)
    clean = type(home).at(tmp_path / "clean")
    ingest_in_process(clean, [tmp_path / "first.csv", second], shard_rows=1_000)
    assert lake_doc_ids(home.lake) == lake_doc_ids(clean.lake)


def test_ingest_of_a_grown_file_that_fails_keeps_the_first_part(ingested, tmp_path):
    from sentiflow.tasks.ingest.inputs import plan_inputs
    from sentiflow.tasks.ingest.service import ingest_unit

    home, before = ingested
    first = tmp_path / "first.csv"
    rng = random.Random(1)  # seeded: the same bytes every run, like write_growing_csv's
    with open(first, "a") as fh:  # the file grows: only the new rows are read
        for i in range(1_500):
            fh.write(f"appended {i} {rng.randbytes(1000).hex()},positive\n")
    [unit] = plan_inputs([str(first)]).units
    with pytest.raises(StorageError), file_size_limit(LIMIT):
        ingest_unit(unit, home, _options())
    assert lake_files(home.lake) == before, "a failed growth changed or added lake files"


def test_ingest_cli_reports_a_failed_write_in_one_line(ingested, tmp_path, env):
    home, before = ingested
    second = tmp_path / "second.csv"
    write_growing_csv(second, short_rows=3_000, long_rows=1_500)
    proc = subprocess.run(
        [SENTIFLOW, "ingest", str(second), "--home", str(home.root), "--json"],
        env={**env, "SENTIFLOW_SHARD_ROWS": "1000"},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_in_child(LIMIT),
    )
    assert proc.returncode in (1, 2), proc
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors and "second.csv" in errors[0], proc.stderr[-2000:]
    assert "too large" in errors[0].lower() or "no space" in errors[0].lower(), errors
    assert not has_traceback(proc.stderr), proc.stderr[proc.stderr.find("Traceback") - 300 :][:2000]
    after = lake_files(home.lake)
    assert {k: v for k, v in after.items() if k in before} == before


def test_warehouse_load_that_fails_at_commit_changes_nothing(tmp_path, tiny_model_home):
    """The load's transaction cannot reach the disk: the tables stay as they were, the pending
    predictions stay for the next run, and that run loads them."""
    from benchmarks.chaoskit.homes import write_review_csv
    from sentiflow.tasks.core.home import Home
    from sentiflow.tasks.score.load import load_scoring_results
    from sentiflow.tasks.warehouse.runs import RunRecord

    home = Home.at(tmp_path / "home")
    shutil.copytree(tiny_model_home, home.root)
    ingest_in_process(home, [write_review_csv(tmp_path / "a.csv", 2_000, seed=1)])
    pending_predictions_for_lake(home, TINY_MODEL_ID, "first-run")
    load_scoring_results(home, TINY_MODEL_ID, RunRecord("first-run", "score"))
    before = warehouse_tables(home.warehouse)
    assert len(before["predictions"]) == 2_000

    ingest_in_process(home, [write_review_csv(tmp_path / "b.csv", 20_000, seed=2)])
    pending = pending_predictions_for_lake(home, TINY_MODEL_ID, "second-run")  # every lake shard, again
    pending_files = sorted((home.predictions / TINY_MODEL_ID / "pending").rglob("*.parquet"))
    with pytest.raises(Exception) as caught, file_size_limit(64_000):
        load_scoring_results(home, TINY_MODEL_ID, RunRecord("second-run", "score"))
    assert "too large" in str(caught.value).lower(), f"unclear error: {caught.value!r}"
    assert sorted((home.predictions / TINY_MODEL_ID / "pending").rglob("*.parquet")) == pending_files, (
        "pending predictions were deleted although their load failed"
    )
    warehouse_integrity(home.warehouse)
    assert warehouse_tables(home.warehouse) == before, "the failed load changed the warehouse"

    summary = load_scoring_results(home, TINY_MODEL_ID, RunRecord("second-run", "score"))
    after = warehouse_tables(home.warehouse)
    assert len(after["predictions"]) == len(after["documents"]) == 22_000, summary
    assert pending >= 20_000
