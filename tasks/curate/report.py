"""The curation report: accounting, per-step counts, languages, balance, labels; JSON and Markdown."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sentiflow.tasks.curate.config import CurationConfig
from sentiflow.tasks.curate.pipeline import AccountingError, CurationResult
from sentiflow.tasks.curate.split import SPLITS
from sentiflow.tasks.curate.step import Doc

REPORT_FORMAT = 1  # bump when the report's shape changes


def balance(splits: dict[str, list[Doc]]) -> dict[str, Any]:
    """Class counts per split, and per source and split."""
    per_split = {s: dict(sorted(Counter(d.label for d in splits.get(s, [])).items())) for s in SPLITS}
    per_source: dict[str, dict[str, dict[str, int]]] = {}
    for s in SPLITS:
        for d in splits.get(s, []):
            counts = per_source.setdefault(d.source, {x: {} for x in SPLITS})[s]
            counts[d.label] = counts.get(d.label, 0) + 1
    return {"per_split": per_split, "per_source": dict(sorted(per_source.items()))}


def most_common_languages(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The `limit` most frequent languages, most frequent first (ties by name), for display."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def languages(result: CurationResult) -> dict[str, int]:
    """Documents per identified language ('und': too short to tell), over all the step saw."""
    for stats in result.stats:
        if stats.name == "language":
            return dict(sorted((k.split(":", 1)[1], v) for k, v in stats.counters.items() if k.startswith("lang:")))
    return {}


def build_report(
    result: CurationResult,
    *,
    version: str,
    name: str,
    sources: list[str],
    config: CurationConfig,
    input_fingerprint: str,
    created_at: str,
) -> dict[str, Any]:
    """report.json's content; raises AccountingError if the counts do not add up."""
    kept, removed = result.kept, result.removed_by_reason()
    if result.rows_in != sum(kept.values()) + sum(removed.values()):
        raise AccountingError(
            f"rows in {result.rows_in} != kept {sum(kept.values())} + removed {sum(removed.values())}"
        )
    labels = sorted({d.label for docs in result.splits.values() for d in docs if d.label})
    every_doc = [d for docs in result.splits.values() for d in docs] + [r.doc for r in result.removals]
    removed_detail = Counter((r.step, r.reason, r.doc.source) for r in result.removals)
    warnings = [f"the {s} split is empty" for s in SPLITS if not kept.get(s)]
    warnings += [
        f"{n} row(s) had ingest split {v!r}, not train/validation/test: split as unassigned"
        for v, n in sorted(result.unknown_splits.items())
    ]
    return {
        "format": REPORT_FORMAT,
        "version": version,
        "name": name,
        "created_at": created_at,
        "sources": sources,
        "input_fingerprint": input_fingerprint,
        "accounting": {
            "rows_in": result.rows_in,
            "kept": kept,
            "kept_total": sum(kept.values()),
            "removed": removed,
            "removed_total": sum(removed.values()),
            "rows_in_by_source": dict(sorted(Counter(d.source for d in every_doc).items())),
            "removed_detail": [
                {"step": step, "reason": reason, "source": source, "rows": n}
                for (step, reason, source), n in sorted(removed_detail.items())
            ],
        },
        "steps": [s.to_json() for s in result.stats],
        "languages": languages(result),
        "labels": labels,
        "label_schemes": result.label_schemes,
        "balance": balance(result.splits),
        "warnings": warnings,
        "config": config.to_json(),
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for the Prefect artifact."""
    acc = report["accounting"]
    lines = [
        f"# Dataset {report['version']}",
        "",
        f"Sources: {', '.join(report['sources'])}. Labels: {', '.join(report['labels']) or 'none'}.",
        "",
        f"**{acc['rows_in']}** rows in = **{acc['kept_total']}** kept + **{acc['removed_total']}** removed.",
        "",
        "| split | rows | " + " | ".join(report["labels"]) + " |",
        "|---|---:|" + "---:|" * len(report["labels"]),
    ]
    for split, n in acc["kept"].items():
        per_label = report["balance"]["per_split"].get(split, {})
        lines.append(f"| {split} | {n} | " + " | ".join(str(per_label.get(lb, 0)) for lb in report["labels"]) + " |")
    lines += ["", "| step | rows in | kept | removed (reason: rows) |", "|---|---:|---:|---|"]
    for step in report["steps"]:
        removed = ", ".join(f"{r}: {n}" for r, n in step["removed"].items()) or "-"
        lines.append(f"| {step['name']} | {step['rows_in']} | {step['kept']} | {removed} |")
    if report["languages"]:
        top = ", ".join(f"{lang}: {n}" for lang, n in most_common_languages(report["languages"], 10))
        lines += ["", f"Languages (top 10): {top}"]
    lines += ["", *(f"- warning: {w}" for w in report["warnings"])]
    return "\n".join(lines).rstrip() + "\n"
