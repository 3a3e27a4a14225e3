"""The ingest summary: per-file results rolled up per source, plus the inputs that failed.

Shape (JSON-serialisable; `sentiflow ingest --json` prints it):
  sources   {name: {read, written, quarantined, quarantined_by_reason, already_ingested,
                    repaired, files, bytes, seconds, mb_per_s}}
  files     one entry per file (or folder of .txt files), same counts plus status
  failures  [{input, error}] for inputs that could not be ingested
  ignored_files, seconds, ok
MB/s is bytes of new input over the time spent on it, per file, summed per source.
"""

from __future__ import annotations

from typing import Any

COUNTS = ("read", "written", "quarantined", "already_ingested", "repaired", "bytes")


def build_summary(
    results: list[dict[str, Any]], failures: list[dict[str, str]], ignored: list[str], seconds: float
) -> dict[str, Any]:
    files = [r for r in results if "error" not in r]
    failed = list(failures) + [{"input": r["input"], "error": r["error"]} for r in results if "error" in r]
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
    for agg in sources.values():
        agg["seconds"] = round(agg["seconds"], 3)
        agg["mb_per_s"] = round(agg["bytes"] / 1e6 / agg["seconds"], 2) if agg["seconds"] > 0 and agg["bytes"] else 0.0
    return {
        "sources": dict(sorted(sources.items())),
        "files": files,
        "failures": failed,
        "ignored_files": ignored,
        "seconds": round(seconds, 3),
        "ok": not failed,
    }


def reasons_text(by_reason: dict[str, int]) -> str:
    """'empty_text 3, malformed_row 1' (or '' when nothing was quarantined)."""
    return ", ".join(f"{reason} {n:,}" for reason, n in sorted(by_reason.items()))


def artifact_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per source, then one per failed input (for the Prefect table artifact)."""
    rows = [
        {
            "source": name,
            "read": s["read"],
            "written": s["written"],
            "quarantined": s["quarantined"],
            "quarantined by reason": reasons_text(s["quarantined_by_reason"]),
            "already ingested": s["already_ingested"],
            "repaired": s["repaired"],
            "MB/s": s["mb_per_s"],
        }
        for name, s in summary["sources"].items()
    ]
    rows += [{"source": f"FAILED {f['input']}", "quarantined by reason": f["error"]} for f in summary["failures"]]
    return rows
