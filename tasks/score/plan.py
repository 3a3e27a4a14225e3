"""What a scoring run has to do: which lake shards, and which of their documents, are new.

Runs are incremental: a document already scored by the model, either in the warehouse or in a
pending shard that a previous (perhaps killed) run wrote but did not load, is skipped. The
warehouse is read once, read-only, here in the flow; scoring workers never open it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import document_shards
from sentiflow.tasks.score.shards import PredictionShards, read_pending
from sentiflow.tasks.warehouse.db import connect_ro, table_names


@dataclass(frozen=True)
class ShardWork:
    """One lake shard to score with the run's model."""

    lake_shard: str  # relative to the home
    documents: int
    skip_ids: tuple[str, ...] = ()  # documents of this shard that are already scored

    @property
    def name(self) -> str:
        """'source=NAME/part-0.parquet': short enough for task run names and logs."""
        return "/".join(self.lake_shard.split("/")[-2:])


@dataclass(frozen=True)
class ShardFailure:
    lake_shard: str
    error: str  # one line


@dataclass
class ScoringPlan:
    model_id: str
    work: list[ShardWork] = field(default_factory=list)
    documents_seen: int = 0
    documents_skipped: int = 0  # already scored, in the warehouse or awaiting load
    shards_seen: int = 0
    shards_resumed: int = 0  # finished by an earlier run whose load is still to come
    load_shards: list[str] = field(default_factory=list)  # lake shards with unloaded documents
    failures: list[ShardFailure] = field(default_factory=list)  # shards that could not be read

    def loadable_shards(self, failures: list[ShardFailure]) -> list[str]:
        """load_shards without those that failed to score (their documents wait for a rerun)."""
        failed = {f.lake_shard for f in failures}
        return [s for s in self.load_shards if s not in failed]

    @property
    def documents_to_score(self) -> int:
        return sum(w.documents - len(w.skip_ids) for w in self.work)


def warehouse_ids(home: Home, model_id: str, wait_seconds: float) -> tuple[pa.Array, pa.Array]:
    """(doc ids the model has scored, doc ids loaded into `documents`) from the warehouse."""
    empty = pa.array([], pa.string())
    if not home.warehouse.exists():
        return empty, empty
    with connect_ro(home.warehouse, wait_seconds=wait_seconds) as con:
        tables = table_names(con)
        scored = empty
        if "predictions" in tables:
            query = "select doc_id from predictions where model_id = ?"
            scored = con.sql(query, params=[model_id]).to_arrow_table().column(0).combine_chunks()
        loaded = empty
        if "documents" in tables:
            query = "select doc_id from documents"
            loaded = con.sql(query).to_arrow_table().column(0).combine_chunks()
    return scored.cast(pa.string()), loaded.cast(pa.string())


def pending_ids(shards: PredictionShards) -> pa.Array:
    """Doc ids in prediction shards written but not yet loaded."""
    columns = [read_pending(p, ["doc_id"])[0].column(0) for p in shards.pending()]
    chunks = [chunk for col in columns for chunk in col.chunks]
    return pa.chunked_array(chunks, pa.string()).combine_chunks() if chunks else pa.array([], pa.string())


def plan_scoring(
    home: Home, model_id: str, sources: list[str] | None = None, wait_seconds: float = 30.0
) -> ScoringPlan:
    """Read the lake's doc ids and the scored set; return the shards (and docs) left to score.

    Raises UserError for an empty lake or an unknown source (lake.document_shards).
    """
    lake_shards = document_shards(home, sources)
    shards = PredictionShards(home, model_id)
    resumed = shards.valid_completions()
    scored, loaded = warehouse_ids(home, model_id, wait_seconds)
    scored = pa.concat_arrays([scored, pending_ids(shards)])

    plan = ScoringPlan(model_id=model_id, shards_seen=len(lake_shards))
    for path in lake_shards:
        relative = str(path.relative_to(home.root))
        if relative in resumed:  # finished earlier; its documents load with its predictions
            plan.documents_seen += resumed[relative].documents
            plan.documents_skipped += resumed[relative].documents
            plan.shards_resumed += 1
            plan.load_shards.append(relative)
            continue
        try:
            ids = pq.read_table(path, columns=["doc_id"]).column(0).combine_chunks()
        except (pa.ArrowInvalid, OSError) as exc:  # one bad shard must not stop the others
            error = " ".join(str(exc).split())
            plan.failures.append(ShardFailure(relative, f"unreadable Parquet: {error}"))
            continue
        if len(ids) == 0:
            continue
        done = pc.is_in(ids, value_set=scored)
        n_done = pc.sum(done).as_py() or 0
        plan.documents_seen += len(ids)
        plan.documents_skipped += n_done
        if n_done < len(ids):
            skip = tuple(ids.filter(done).to_pylist())
            plan.work.append(ShardWork(relative, documents=len(ids), skip_ids=skip))
        if not pc.all(pc.is_in(ids, value_set=loaded)).as_py():
            plan.load_shards.append(relative)
    return plan
