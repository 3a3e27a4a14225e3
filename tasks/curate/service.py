"""Curating a home's lake into a dataset version: read, plan (name the version), run or reuse, write.

The pieces the Prefect tasks call, usable without Prefect (benchmarks, scripts, tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from sentiflow.tasks.core.datasets import REPORT_FILE, is_finished
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home, safe_name
from sentiflow.tasks.core.lake import list_sources, read_documents
from sentiflow.tasks.curate.config import CurationConfig
from sentiflow.tasks.curate.pipeline import curate
from sentiflow.tasks.curate.report import build_report
from sentiflow.tasks.curate.store import dataset_version, default_name, input_fingerprint, set_latest, write_dataset

LAKE_COLUMNS = ["doc_id", "text", "label", "label_confidence", "source", "split", "origin"]


@dataclass(frozen=True)
class CurationPlan:
    home: str
    sources: list[str]
    name: str
    version: str
    fingerprint: str
    config: CurationConfig
    reuse: bool  # a finished folder for this version exists: nothing to recompute


def check_request(home: Home, sources: list[str] | None, name: str | None) -> list[str]:
    """The sources to curate (all when none given); a UserError for a mistake, before any work."""
    known = list_sources(home)
    if not known:
        raise UserError(f"the lake in {home.root} is empty: run `sentiflow ingest` first (or pass --home)")
    chosen = sorted(set(sources)) if sources else known
    missing = [s for s in chosen if s not in known]
    if missing:
        raise UserError(f"no documents for source(s) {', '.join(missing)} in {home.root}; known: {', '.join(known)}")
    if name is not None:
        safe_name(name, "dataset name")
    return chosen


def read_inputs(home: Home, sources: list[str]) -> pa.Table:
    """The chosen sources' lake rows (the columns curation uses)."""
    return read_documents(home, sources, columns=LAKE_COLUMNS)


def plan_curation(
    home: Home, table: pa.Table, sources: list[str], name: str | None, config: CurationConfig
) -> CurationPlan:
    fingerprint = input_fingerprint(table)
    chosen_name = name or default_name(sources)
    version = dataset_version(chosen_name, fingerprint, config)
    return CurationPlan(
        str(home.root), sources, chosen_name, version, fingerprint, config, reuse=is_finished(home, version)
    )


def run_curation(plan: CurationPlan, table: pa.Table) -> dict[str, Any]:
    """Curate, write the version folder (report last) and return the report."""
    result = curate(table, plan.config)
    report = build_report(
        result,
        version=plan.version,
        name=plan.name,
        sources=plan.sources,
        config=plan.config,
        input_fingerprint=plan.fingerprint,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    write_dataset(Home.at(plan.home), plan.version, result.splits, result.removals, report)
    return report


def reuse_curation(plan: CurationPlan) -> dict[str, Any]:
    """The finished version's report; LATEST now names it."""
    home = Home.at(plan.home)
    report = json.loads((home.dataset(plan.version) / REPORT_FILE).read_text(encoding="utf-8"))
    set_latest(home, plan.version)
    return report
