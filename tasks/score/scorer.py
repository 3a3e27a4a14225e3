"""Score one lake shard with one model: the unit of work a scoring worker runs.

Reads the shard's documents, leaves out those already scored, runs the model in length
buckets, writes the predictions atomically as a pending shard, then the completion marker.
No database access: workers may run on other machines (Dask) while readers query DuckDB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sentiflow.tasks.core import progress  # the one in-process progress registry (CLI bars)
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.score.batching import score_texts
from sentiflow.tasks.score.model_cache import cached_classifier
from sentiflow.tasks.score.plan import ShardWork
from sentiflow.tasks.score.predictions import predictions_table
from sentiflow.tasks.score.shards import Completion, PredictionShards, fingerprint
from sentiflow.tasks.warehouse.runs import utc_now


@dataclass(frozen=True)
class ShardResult:
    lake_shard: str
    documents: int
    skipped: int
    scored: int
    seconds: float
    output: str | None  # the pending shard written, relative to the home


def read_unscored(path: Path, skip_ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(doc ids, texts) of the shard's documents not in `skip_ids`."""
    table = pq.read_table(path, columns=["doc_id", "text"])
    if skip_ids:
        keep = pc.invert(pc.is_in(table.column("doc_id"), value_set=pa.array(skip_ids, pa.string())))
        table = table.filter(keep)
    return table.column("doc_id").to_pylist(), table.column("text").to_pylist()


def score_shard(
    home: Home,
    model_id: str,
    model_dir: Path,
    work: ShardWork,
    run_id: str,
    batch_size: int = 64,
    threads: int | None = None,
) -> ShardResult:
    """Score `work`'s new documents and leave a pending shard plus a completion marker."""
    start = time.monotonic()
    shards = PredictionShards(home, model_id)
    lake_shard = home.root / work.lake_shard
    scored_version = fingerprint(lake_shard)  # taken before reading: a rewrite later shows
    doc_ids, texts = read_unscored(lake_shard, work.skip_ids)
    output: str | None = None
    if doc_ids:
        clf = cached_classifier(model_dir, threads=threads)
        done = 0

        def report(count: int) -> None:
            nonlocal done
            done += count
            progress.report(work.name, done, len(doc_ids), done == len(doc_ids))

        probabilities = score_texts(clf, texts, batch_size, on_progress=report)
        table = predictions_table(doc_ids, probabilities, clf.labels, model_id, run_id, utc_now())
        output = str(shards.write_output(table, lake_shard, run_id).relative_to(home.root))
    result = ShardResult(
        lake_shard=work.lake_shard,
        documents=work.documents,
        skipped=work.documents - len(doc_ids),
        scored=len(doc_ids),
        seconds=time.monotonic() - start,
        output=output,
    )
    shards.write_completion(
        Completion(
            lake_shard=work.lake_shard,
            fingerprint=scored_version,
            run_id=run_id,
            documents=result.documents,
            skipped=result.skipped,
            scored=result.scored,
            output=output,
            seconds=round(result.seconds, 3),
        )
    )
    return result
