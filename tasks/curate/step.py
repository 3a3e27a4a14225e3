"""The step contract, after datatrove's PipelineStep and BaseFilter.

A document step has a `name`, takes its settings in the constructor, does no I/O and answers
`filter(doc) -> True | (False, reason)`; it may rewrite the document it is given (as datatrove's
formatters do) and count what it did with `self.count(...)`. Corpus steps (dedup, split) see all
documents at once and report removals to the same `Ledger`, so every removed row carries its
reason and the step that removed it, and every step reports rows in, kept and removed per reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

Verdict = bool | tuple[bool, str]


@dataclass(slots=True)
class Doc:
    """One document as curation sees it: the lake row plus what the steps learned about it."""

    doc_id: str
    text: str  # normalised by normalize_text; what every later step reads
    source: str
    origin: str
    text_original: str  # exactly as ingested
    label_original: str | None  # as the source gave it
    label: str | None  # canonical (negative | neutral | positive) once normalize_labels ran
    label_confidence: float | None
    split_given: str | None  # train | validation | test as ingest gave it, else None
    language: str | None = None  # ISO 639-1, 'und' when too short to tell, None when not run
    language_probability: float | None = None
    cluster_id: str | None = None  # smallest doc_id of its duplicate cluster
    cluster_size: int = 1


@dataclass(frozen=True, slots=True)
class Removal:
    doc: Doc
    reason: str
    step: str
    duplicate_of: str | None = None  # the kept (or test-side) document it duplicates


@dataclass
class StepStats:
    """Counts of one step: rows in, rows removed per reason, and free-form counters."""

    name: str
    rows_in: int = 0
    removed: Counter[str] = field(default_factory=Counter)
    counters: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        return self.rows_in - sum(self.removed.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows_in": self.rows_in,
            "kept": self.kept,
            "removed": dict(sorted(self.removed.items())),
            "counters": dict(sorted(self.counters.items())),
        }


class Ledger:
    """Where every step reports: per-step statistics and every removed document with its reason."""

    def __init__(self) -> None:
        self.stats: list[StepStats] = []
        self.removals: list[Removal] = []

    def begin(self, name: str, rows_in: int) -> StepStats:
        stats = StepStats(name=name, rows_in=rows_in)
        self.stats.append(stats)
        return stats

    def remove(self, stats: StepStats, doc: Doc, reason: str, duplicate_of: str | None = None) -> None:
        stats.removed[reason] += 1
        self.removals.append(Removal(doc, reason, stats.name, duplicate_of))

    def removed_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.removals).items()))


class DocumentStep(ABC):
    """A per-document step: settings in the constructor, `filter` answers keep or (drop, reason)."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()

    def count(self, key: str, n: int = 1) -> None:
        """Record something the step did (e.g. 'urls_masked'), for the report."""
        self.counters[key] += n

    @abstractmethod
    def filter(self, doc: Doc) -> Verdict:
        """True to keep `doc` (possibly rewritten), or (False, reason) to drop it."""

    def filter_batch(self, docs: list[Doc]) -> list[Verdict]:
        """Verdicts for a batch (datatrove's `filter_batch`); steps that vectorise override it."""
        return [self.filter(doc) for doc in docs]


BATCH_SIZE = 1024  # documents per filter_batch call


def run_document_step(step: DocumentStep, docs: Iterable[Doc], ledger: Ledger) -> list[Doc]:
    """Apply one document step to every document; dropped ones go to the ledger."""
    docs = list(docs)
    stats = ledger.begin(step.name, len(docs))
    kept: list[Doc] = []
    for start in range(0, len(docs), BATCH_SIZE):
        batch = docs[start : start + BATCH_SIZE]
        for doc, verdict in zip(batch, step.filter_batch(batch), strict=True):
            if verdict is True:
                kept.append(doc)
            else:
                _, reason = verdict if isinstance(verdict, tuple) else (False, f"{step.name}_filtered")
                ledger.remove(stats, doc, reason)
    stats.counters.update(step.counters)
    return kept
