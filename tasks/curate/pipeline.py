"""The curation pipeline as one pure function: lake rows + config -> splits and removals.

No I/O and no Prefect: the Prefect layer reads the lake, calls `curate`, and writes what it
returns. The accounting identity (rows in = kept in every split + removed, each row exactly once)
is checked here, on the objects themselves, before anything is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyarrow as pa

from sentiflow.tasks.curate.config import DOCUMENT_STEPS, CurationConfig
from sentiflow.tasks.curate.dedup import EXACT, NEAR, NearDuplicateIndex, deduplicate
from sentiflow.tasks.curate.labels import LabelConfidenceFilter, LabelNormalizer
from sentiflow.tasks.curate.language import LanguageFilter
from sentiflow.tasks.curate.quality import QualityFilter
from sentiflow.tasks.curate.split import assign_splits, canonical_split, remove_leakage
from sentiflow.tasks.curate.step import Doc, DocumentStep, Ledger, Removal, StepStats, run_document_step
from sentiflow.tasks.curate.text import TextNormalizer


class AccountingError(RuntimeError):
    """Rows in != rows kept + rows removed: a bug in curation, never a user mistake."""


@dataclass
class CurationResult:
    rows_in: int
    splits: dict[str, list[Doc]]
    removals: list[Removal]
    stats: list[StepStats]
    label_schemes: dict[str, str] = field(default_factory=dict)  # source -> label scheme used
    unknown_splits: dict[str, int] = field(default_factory=dict)  # ingest split values ignored

    @property
    def kept(self) -> dict[str, int]:
        return {name: len(docs) for name, docs in self.splits.items()}

    def removed_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(r.reason for r in self.removals).items()))


def docs_from_table(table: pa.Table) -> tuple[list[Doc], Counter[str]]:
    """Lake rows as Docs (text_original = text as ingested), and split values not understood."""
    cols = {
        name: table.column(name).to_pylist()
        for name in ("doc_id", "text", "label", "label_confidence", "source", "split", "origin")
    }
    unknown: Counter[str] = Counter()
    docs = []
    for doc_id, text, label, confidence, source, split, origin in zip(*cols.values()):
        given = canonical_split(split)
        if split and given is None:
            unknown[split] += 1
        docs.append(
            Doc(
                doc_id=doc_id,
                text=text,
                source=source,
                origin=origin,
                text_original=text,
                label_original=label,
                label=None,
                label_confidence=confidence,
                split_given=given,
            )
        )
    return docs, unknown


def build_step(name: str, config: CurationConfig, docs: list[Doc]) -> DocumentStep:
    """The document step called `name`, configured."""
    if name == "normalize_text":
        return TextNormalizer(config.text)
    if name == "normalize_labels":
        return LabelNormalizer.for_corpus(config.labels, docs)
    if name == "label_confidence":
        return LabelConfidenceFilter(config.confidence)
    if name == "quality":
        return QualityFilter(config.quality)
    if name == "language":
        return LanguageFilter(config.language)
    raise ValueError(f"not a document step: {name}")  # config validation makes this unreachable


def curate(table: pa.Table, config: CurationConfig) -> CurationResult:
    """Run every configured step over the lake rows in `table`."""
    docs, unknown_splits = docs_from_table(table)
    rows_in = len(docs)
    everything = list(docs)
    ledger = Ledger()
    schemes: dict[str, str] = {}
    for name in (s for s in config.steps if s in DOCUMENT_STEPS):
        step = build_step(name, config, docs)
        if isinstance(step, LabelNormalizer):
            schemes = step.schemes
        docs = run_document_step(step, docs, ledger)
    # the index is built even when near_dedup is off: the leakage check needs it
    index = NearDuplicateIndex.build([d.text for d in docs], config.dedup)
    survivors = deduplicate(docs, EXACT in config.steps, NEAR in config.steps, config.dedup, index, ledger)
    splits = assign_splits(survivors, config.split)
    splits = remove_leakage(splits, docs, index, config.dedup.leakage_threshold, ledger)
    result = CurationResult(rows_in, splits, ledger.removals, ledger.stats, schemes, dict(unknown_splits))
    check_accounting(result, everything)
    return result


def check_accounting(result: CurationResult, everything: list[Doc]) -> None:
    """Every input row is kept in exactly one split or removed exactly once."""
    kept = [id(d) for docs in result.splits.values() for d in docs]
    removed = [id(r.doc) for r in result.removals]
    seen = kept + removed
    if len(seen) != result.rows_in or set(seen) != {id(d) for d in everything} or len(set(seen)) != len(seen):
        raise AccountingError(
            f"curation accounting broken: rows in {result.rows_in} != kept {len(kept)} + removed {len(removed)} "
            f"(or a row was counted twice)"
        )
