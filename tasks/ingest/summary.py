"""The ingest summary: per-file results rolled up per source, plus the inputs that failed.

JSON shape (what `sentiflow ingest --json` prints and the ingest flow returns):
  sources   {name: {read, written, quarantined, already_ingested, repaired, bytes,
                    quarantined_by_reason, files, seconds, mb_per_s}}
  files     one entry per file (or folder of .txt files), same counts plus status
  failures  [{input, error}] for inputs that could not be ingested
  ignored_files, seconds, ok
MB/s is bytes of new input over the time spent on it, per file, summed per source.
`IngestTotals` adds up the ingest calls of one orchestration run (one per configured source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sentiflow.tasks.core.summary import Summary

COUNTS = ("read", "written", "quarantined", "already_ingested", "repaired", "bytes")
TOTALS = ("read", "written", "quarantined", "already_ingested")  # what a run summary adds up


@dataclass(frozen=True)
class SourceTotals:
    """One source's counts over the files of one ingest call."""

    read: int
    written: int
    quarantined: int
    already_ingested: int
    repaired: int
    bytes: int
    quarantined_by_reason: dict[str, int]
    files: int
    seconds: float
    mb_per_s: float


@dataclass(frozen=True)
class InputFailure:
    """An input that could not be ingested, and why (one line)."""

    input: str
    error: str


@dataclass(frozen=True)
class IngestSummary(Summary):
    """What one ingest flow did."""

    sources: dict[str, SourceTotals]
    files: list[dict[str, Any]]  # ingest_unit's result per file: status, counts, columns
    failures: list[InputFailure]
    ignored_files: list[str]
    seconds: float
    ok: bool

    @property
    def partial(self) -> bool:
        return bool(self.failures)


@dataclass(frozen=True)
class IngestTotals(Summary):
    """The ingest stage of an orchestration run: every ingest call added up."""

    read: int
    written: int
    quarantined: int
    already_ingested: int
    sources: list[str]
    failures: list[InputFailure]

    @classmethod
    def of(cls, summaries: list[IngestSummary]) -> IngestTotals:
        sums = {k: sum(getattr(s, k) for x in summaries for s in x.sources.values()) for k in TOTALS}
        names = sorted({name for x in summaries for name in x.sources})
        return cls(**sums, sources=names, failures=[f for x in summaries for f in x.failures])

    @property
    def partial(self) -> bool:
        return bool(self.failures)

    def counts(self, seconds: float | None) -> dict[str, Any]:
        return {**self.to_json(), "seconds": seconds}


def build_summary(
    results: list[dict[str, Any]], failures: list[dict[str, str]], ignored: list[str], seconds: float
) -> IngestSummary:
    """Roll the per-file results (failures among them) and the plan's failures up."""
    files = [r for r in results if "error" not in r]
    failed = [InputFailure(f["input"], f["error"]) for f in failures]
    failed += [InputFailure(r["input"], r["error"]) for r in results if "error" in r]
    sources: dict[str, dict[str, Any]] = {}
    for result in files:
        agg = sources.setdefault(
            result["source"], {**{k: 0 for k in COUNTS}, "quarantined_by_reason": {}, "files": 0, "seconds": 0.0}
        )
        for key in COUNTS:
            agg[key] += result[key]
        for reason, n in result["quarantined_by_reason"].items():
            agg["quarantined_by_reason"][reason] = agg["quarantined_by_reason"].get(reason, 0) + n
        agg["files"] += 1
        agg["seconds"] += result["seconds"]
    totals = {}
    for name, agg in sorted(sources.items()):
        agg["seconds"] = round(agg["seconds"], 3)
        mb_per_s = round(agg["bytes"] / 1e6 / agg["seconds"], 2) if agg["seconds"] > 0 and agg["bytes"] else 0.0
        totals[name] = SourceTotals(**agg, mb_per_s=mb_per_s)
    return IngestSummary(totals, files, failed, ignored, round(seconds, 3), ok=not failed)


def reasons_text(by_reason: dict[str, int]) -> str:
    """'empty_text 3, malformed_row 1' (or '' when nothing was quarantined)."""
    return ", ".join(f"{reason} {n:,}" for reason, n in sorted(by_reason.items()))


def artifact_rows(summary: IngestSummary) -> list[dict[str, Any]]:
    """One row per source, then one per failed input (for the Prefect table artifact)."""
    rows = [
        {
            "source": name,
            "read": s.read,
            "written": s.written,
            "quarantined": s.quarantined,
            "quarantined by reason": reasons_text(s.quarantined_by_reason),
            "already ingested": s.already_ingested,
            "repaired": s.repaired,
            "MB/s": s.mb_per_s,
        }
        for name, s in summary.sources.items()
    ]
    rows += [{"source": f"FAILED {f.input}", "quarantined by reason": f.error} for f in summary.failures]
    return rows
