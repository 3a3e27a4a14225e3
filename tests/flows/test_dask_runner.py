"""Scoring on a real Dask cluster (2 worker processes on loopback) gives the thread runner's rows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import write_documents_shard
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA, make_doc_id
from sentiflow.tasks.models.record import ModelRecord
from sentiflow.tasks.warehouse.db import connect_ro
from sentiflow.tasks.warehouse.registry import register
from tests.flows.conftest import NEGATIVE, NOUNS, POSITIVE

COMPARED = "doc_id, model_id, label, confidence, p_negative, p_positive, polarity"


def make_scorable_home(home: Home, model_dir) -> None:
    """Three lake shards of 20 documents and a registered tiny model (no training needed)."""
    now = datetime.now(UTC)
    for shard in range(3):
        rows = []
        for i in range(20):
            words = POSITIVE if i % 2 else NEGATIVE
            text = f"{NOUNS[(shard + i) % len(NOUNS)]} {i} {shard} was {words[i % len(words)]}"
            origin = f"tiny-{shard}.csv#{i}"
            rows.append(
                {
                    "doc_id": make_doc_id("tiny", origin, text),
                    "text": text,
                    "label": None,
                    "label_confidence": None,
                    "source": "tiny",
                    "split": None,
                    "created_at": None,
                    "ingested_at": now,
                    "origin": origin,
                }
            )
        write_documents_shard(home, pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA), f"part-{shard:05d}.parquet")
    shutil.copytree(model_dir, home.model("tiny-random"))
    register(
        home,
        ModelRecord(
            model_id="tiny-random",
            base_model="tiny-bert",
            kind="finetuned",
            format="torch",
            labels=["negative", "positive"],
            path="models/tiny-random",
            temperature=1.3,
        ),
    )


def prediction_rows(home: Home) -> list[tuple]:
    with connect_ro(home.warehouse) as con:
        return con.execute(f"select {COMPARED} from predictions order by doc_id").fetchall()


@pytest.mark.timeout(300)
def test_dask_cluster_scores_the_same_rows_as_threads(prefect_harness, tmp_path, tiny_bert):
    from distributed import LocalCluster

    from sentiflow.flows.score import score_flow

    threads_home = Home.at(tmp_path / "threads")
    make_scorable_home(threads_home, tiny_bert)
    dask_home = Home.at(tmp_path / "dask")
    shutil.copytree(threads_home.root, dask_home.root)

    by_threads = score_flow(home=str(threads_home.root), model="tiny-random", runner="threads")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        by_dask = score_flow(
            home=str(dask_home.root), model="tiny-random", runner="dask", dask_address=cluster.scheduler_address
        )
        prefixes = cluster.scheduler.task_prefixes
        computed_on_workers = (
            prefixes["score_shard_task"].all_durations["compute"] if "score_shard_task" in prefixes else 0
        )

    assert computed_on_workers > 0, sorted(prefixes)  # the shard tasks ran on the cluster's workers
    assert by_threads["documents_scored"] == by_dask["documents_scored"] == 60
    assert by_dask["failures"] == [] and by_dask["shards_scored"] == 3
    dask_rows, thread_rows = prediction_rows(dask_home), prediction_rows(threads_home)
    assert len(dask_rows) == len(thread_rows) == 60
    for by_d, by_t in zip(dask_rows, thread_rows):
        assert by_d[:3] == by_t[:3]  # doc_id, model_id, label
        # probabilities agree to float32 rounding (workers may use another thread count)
        assert by_d[3:] == pytest.approx(by_t[3:], abs=1e-5)
