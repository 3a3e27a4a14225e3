"""Dataset versions on disk: naming a version, writing it atomically, reusing a finished one.

VERSION = NAME-HASH, where HASH covers the input rows (what curation reads of them), the
configuration and the curation format. The same inputs and configuration therefore name the
same folder; a folder holding report.json is finished and is reused instead of recomputed.
Files are written atomically (temp + rename) and report.json last, so a killed run leaves no
folder that looks finished; a rerun rewrites its files.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from sentiflow.tasks.core.atomic import clean_stale_temporaries, write_json, write_parquet, write_text
from sentiflow.tasks.core.datasets import REPORT_FILE, SPLIT_FILE, latest_path
from sentiflow.tasks.core.home import Home, safe_name
from sentiflow.tasks.curate.config import CurationConfig
from sentiflow.tasks.curate.step import Doc, Removal

CURATION_FORMAT = "curation-1"  # bump when the same inputs and config would give other output
FINGERPRINT_COLUMNS = ("doc_id", "origin", "text", "label", "label_confidence", "source", "split")

SPLIT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),  # normalised
        pa.field("text_original", pa.string(), nullable=False),  # as ingested
        pa.field("label", pa.string(), nullable=False),  # canonical: negative | neutral | positive
        pa.field("label_original", pa.string()),
        pa.field("label_confidence", pa.float64()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("cluster_id", pa.string(), nullable=False),  # smallest doc_id of its duplicate cluster
        pa.field("cluster_size", pa.int32(), nullable=False),
        pa.field("language", pa.string()),  # null when the language step did not run
        pa.field("language_probability", pa.float64()),
    ]
)
REMOVED_SCHEMA = pa.schema(
    [
        *(
            f.with_nullable(True) if f.name in ("label", "cluster_id") else f
            for f in SPLIT_SCHEMA
            if f.name != "cluster_size"
        ),
        pa.field("split_given", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("step", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string()),  # the kept (or evaluation) document it duplicates
    ]
)


def input_fingerprint(table: pa.Table) -> str:
    """A hash of what curation reads of every input row, independent of row and shard order."""
    cols = [table.column(c).to_pylist() for c in FINGERPRINT_COLUMNS]
    digest = hashlib.blake2b(digest_size=16)
    for row in sorted(zip(*cols), key=lambda r: (r[0], r[1], r[2])):
        digest.update(repr(row).encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


def default_name(sources: list[str]) -> str:
    """Dataset name when none is given: the source names, or 'dataset' when they are many."""
    joined = "_".join(sorted(sources))
    return joined if 0 < len(joined) <= 40 else "dataset"


def dataset_version(name: str, fingerprint: str, config: CurationConfig) -> str:
    safe_name(name, "dataset name")
    digest = hashlib.blake2b(digest_size=6)
    for part in (CURATION_FORMAT, fingerprint, config.fingerprint()):
        digest.update(part.encode() + b"\x1f")
    return f"{name}-{digest.hexdigest()}"


def _column(docs: list[Doc], attr: str) -> list:
    return [getattr(d, attr) for d in docs]


def split_table(docs: list[Doc]) -> pa.Table:
    return pa.table({f.name: _column(docs, f.name) for f in SPLIT_SCHEMA}, schema=SPLIT_SCHEMA)


def removed_table(removals: list[Removal]) -> pa.Table:
    docs = [r.doc for r in removals]
    columns = {
        f.name: _column(docs, f.name) for f in REMOVED_SCHEMA if f.name not in ("reason", "step", "duplicate_of")
    }
    columns.update(
        reason=[r.reason for r in removals],
        step=[r.step for r in removals],
        duplicate_of=[r.duplicate_of for r in removals],
    )
    return pa.table(columns, schema=REMOVED_SCHEMA)


def write_dataset(
    home: Home, version: str, splits: dict[str, list[Doc]], removals: list[Removal], report: dict
) -> Path:
    """Write every split, every removal reason and, last, report.json; then point LATEST here."""
    folder = home.dataset(version)
    clean_stale_temporaries(folder)
    for split, docs in splits.items():
        write_parquet(split_table(docs), folder / split / SPLIT_FILE)
    by_reason: dict[str, list[Removal]] = defaultdict(list)
    for removal in sorted(removals, key=lambda r: r.doc.doc_id):
        by_reason[removal.reason].append(removal)
    removed_root = folder / "removed"
    if removed_root.exists():  # a killed earlier attempt may have left reasons this run lacks
        for stale in removed_root.iterdir():
            if stale.is_dir() and stale.name not in by_reason:
                shutil.rmtree(stale)
    for reason, items in sorted(by_reason.items()):
        write_parquet(removed_table(items), removed_root / reason / SPLIT_FILE)
    write_json(report, folder / REPORT_FILE)
    set_latest(home, version)
    return folder


def set_latest(home: Home, version: str) -> None:
    """datasets/LATEST names the version the newest curate run produced or reused."""
    write_text(version + "\n", latest_path(home))
