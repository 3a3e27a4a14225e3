"""The scoring run's summary: counts, throughput and the write lock (`ScoreSummary`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.summary import Summary
from sentiflow.tasks.models.runtime import default_threads
from sentiflow.tasks.score.load import LoadSummary
from sentiflow.tasks.score.plan import ScoringPlan, ShardFailure
from sentiflow.tasks.score.scorer import ShardResult


@dataclass(frozen=True)
class ScoreSummary(Summary):
    """What `sentiflow score` prints and the score flow returns (as JSON)."""

    run_id: str
    status: str  # completed | partial (some shards failed) | failed (every shard failed)
    model_id: str
    documents_seen: int  # in shards that could be read: skipped + scored + failed
    documents_skipped: int
    documents_scored: int
    documents_failed: int  # in shards that failed
    shards_seen: int
    shards_scored: int
    shards_resumed: int
    shards_failed: int
    predictions_loaded: int
    documents_loaded: int
    seconds: float
    docs_per_second: float
    lock_held_seconds: float
    failures: list[ShardFailure]

    @property
    def partial(self) -> bool:
        return self.status == "partial"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def documents(self) -> dict[str, int]:
        """The document counts, as an orchestration run records them in `runs`."""
        return {k: v for k, v in self.to_json().items() if k.startswith("documents_")}

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "documents_seen": self.documents_seen,
            "documents_scored": self.documents_scored,
            "documents_skipped": self.documents_skipped,
            "documents_failed": self.documents_failed,
            "docs_per_second": self.docs_per_second,
            "seconds": seconds,
        }


def worker_layout(shards: int, cpus: int | None = None, threads_setting: int = 0) -> tuple[int, int]:
    """(concurrent shard workers, inference threads each) for one machine.

    A BERT forward pass already uses several cores, so a worker gets up to 4 threads
    (`threads_setting` overrides) and only the remaining cores go to more workers: on 2 cores
    one worker with 2 threads, on 16 cores four workers with 4 threads each. Cores are physical
    ones this process may use: a hyperthread sibling adds no matmul throughput, only contention.
    """
    cpus = cpus or default_threads()
    threads = threads_setting or min(4, cpus)
    workers = max(1, min(shards, cpus // threads))
    return workers, threads


def run_status(results: list[ShardResult], failures: list[ShardFailure]) -> str:
    """The score run's own status (its row in `runs`)."""
    if not failures:
        return "completed"
    return "partial" if results else "failed"


def scoring_counts(plan: ScoringPlan, results: list[ShardResult], failures: list[ShardFailure]) -> dict[str, Any]:
    """Document and shard counts: seen = skipped + scored + in failed shards."""
    scored = sum(r.scored for r in results)
    skipped = plan.documents_skipped + sum(r.skipped for r in results)
    return {
        "documents_seen": plan.documents_seen,  # in shards that could be read
        "documents_skipped": skipped,
        "documents_scored": scored,
        "documents_failed": plan.documents_seen - skipped - scored,  # in shards that failed
        "shards_seen": plan.shards_seen,
        "shards_scored": len(results),
        "shards_resumed": plan.shards_resumed,
        "shards_failed": len(failures),
    }


def build_summary(
    run_id: str,
    status: str,
    model_id: str,
    counts: dict[str, Any],
    failures: list[ShardFailure],
    load: LoadSummary,
    seconds: float,
) -> ScoreSummary:
    """The run's summary from its counts (`scoring_counts`), failures and load."""
    scored = counts["documents_scored"]
    return ScoreSummary(
        run_id=run_id,
        status=status,
        model_id=model_id,
        **counts,
        predictions_loaded=load.predictions_inserted,
        documents_loaded=load.documents_inserted,
        seconds=round(seconds, 2),
        docs_per_second=round(scored / seconds, 1) if seconds > 0 else 0.0,
        lock_held_seconds=load.lock_held_seconds,
        failures=list(failures),
    )
