"""Ingest one unit (a file, or a folder of .txt files) into the lake: the pure entry point.

  lock the unit -> remove a killed run's leftover shards -> skip if unchanged
  -> read (in a background thread) -> check -> write shards -> commit the manifest
  -> for a replaced input, delete its old shards

Rows read = rows written + rows quarantined + rows already ingested, checked for every
batch and for the unit before the manifest is written (AccountingError otherwise).
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentiflow.tasks.core import progress
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.settings import Settings
from sentiflow.tasks.ingest.columns import ColumnMapping, ColumnSpec, resolve_columns
from sentiflow.tasks.ingest.documents import DocumentContext
from sentiflow.tasks.ingest.formats import TXT_FOLDER
from sentiflow.tasks.ingest.inputs import IngestUnit
from sentiflow.tasks.ingest.manifest import (
    AccountingError,
    Counts,
    Manifest,
    ManifestEntry,
    file_stat,
    head_hash,
    quick_unchanged,
)
from sentiflow.tasks.ingest.prefetch import prefetch
from sentiflow.tasks.ingest.sources import GROWN, REPLACED, UNCHANGED, Opened, open_unit
from sentiflow.tasks.ingest.validate import check_batch
from sentiflow.tasks.ingest.writer import ShardWriter


@dataclass(frozen=True)
class IngestOptions:
    """Everything besides the unit that decides what an ingest writes."""

    columns: ColumnSpec = field(default_factory=ColumnSpec)
    split: str | None = None
    max_text_chars: int = 100_000
    shard_rows: int = 200_000

    @classmethod
    def from_settings(cls, settings: Settings, columns: ColumnSpec, split: str | None) -> IngestOptions:
        return cls(columns, split, settings.max_text_chars, settings.shard_rows)


@dataclass
class UnitResult:
    """The summary of one unit's ingest (JSON-serialisable via to_dict)."""

    input: str
    source: str
    name: str
    format: str
    status: str
    counts: Counts
    bytes: int = 0
    seconds: float = 0.0
    columns: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "input": self.input,
            "source": self.source,
            "name": self.name,
            "format": self.format,
            "status": self.status,
            "read": c.read,
            "written": c.written,
            "quarantined": c.quarantined,
            "quarantined_by_reason": dict(sorted(c.by_reason.items())),
            "already_ingested": c.already_ingested,
            "repaired": c.repaired,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.bytes / 1e6 / self.seconds, 2) if self.seconds > 0 and self.bytes else 0.0,
            "columns": self.columns,
        }


def ingest_unit(unit: IngestUnit, home: Home, options: IngestOptions) -> UnitResult:
    """Ingest `unit` into `home`'s lake; idempotent, resumable, and safe to re-run."""
    started = time.perf_counter()
    manifest = Manifest(home, unit)
    with manifest.locked():
        entry = manifest.load()
        manifest.remove_orphans(entry)
        if (
            entry is not None
            and unit.format != TXT_FOLDER
            and entry.format == unit.format
            and quick_unchanged(entry, unit)
        ):
            return _unchanged(unit, entry, started)
        with ExitStack() as stack:
            opened = open_unit(unit, entry, options.columns, stack)
            if opened.status == UNCHANGED:
                return _unchanged(unit, entry, started)  # type: ignore[arg-type]
            generation = (entry.generation if entry else 0) + 1
            writer = ShardWriter(home, unit.source, f"{manifest.shard_prefix()}g{generation:03d}-", options.shard_rows)
            try:
                counts, mapping = _copy_rows(unit, opened, options, writer)
                writer.close()
            except BaseException:
                writer.abort()
                manifest.remove_orphans(entry)  # this run's shards: the lake stays as it was
                raise
            new_entry = _next_entry(unit, entry, opened, counts, mapping, writer, generation)
        manifest.save(new_entry)
        if entry is not None and opened.status == REPLACED:
            manifest.remove_shards(entry.shards + entry.quarantine_shards)
        status = UNCHANGED if opened.status == GROWN and counts.read == counts.already_ingested else opened.status
        result = UnitResult(
            unit.input,
            unit.source,
            unit.name,
            unit.format,
            status,
            counts,
            opened.bytes_done(),
            time.perf_counter() - started,
            new_entry.columns,
        )
        progress.report(_label(unit), result.bytes, result.bytes, finished=True)
        return result


def _copy_rows(
    unit: IngestUnit, opened: Opened, options: IngestOptions, writer: ShardWriter
) -> tuple[Counts, ColumnMapping | None]:
    """Read every batch, check it, hand it to the writer; returns this run's counts."""
    ctx = DocumentContext(unit.source, options.split, datetime.now(UTC), options.max_text_chars)
    where = unit.path if Path(unit.input).is_dir() and unit.format != TXT_FOLDER else unit.input
    mapping = resolve_columns(opened.columns, options.columns, where) if opened.columns else None
    counts = Counts(read=opened.already_ingested, already_ingested=opened.already_ingested)
    for batch in prefetch(opened.batches):
        if mapping is None and batch.table.num_rows:
            mapping = resolve_columns(batch.table.column_names, options.columns, where)
        checked = check_batch(batch, mapping, ctx) if mapping else None
        documents = checked.documents if checked else None
        quarantined = checked.quarantined if checked else batch.bad
        written = documents.num_rows if documents is not None else 0
        if written + len(quarantined) != batch.rows:
            raise AccountingError(f"{unit.name}: a batch of {batch.rows} rows became {written} + {len(quarantined)}")
        counts.read += batch.rows
        counts.written += written
        counts.quarantined += len(quarantined)
        counts.repaired += checked.repaired if checked else 0
        for row in quarantined:
            counts.by_reason[row.reason] = counts.by_reason.get(row.reason, 0) + 1
        if documents is not None:
            writer.add_documents(documents)
        writer.add_quarantined(quarantined, ctx.ingested_at)
        progress.report(_label(unit), opened.bytes_done(), 0 if unit.gzip else unit.size)
    counts.check(unit.name)
    return counts, mapping


def _next_entry(
    unit: IngestUnit,
    entry: ManifestEntry | None,
    opened: Opened,
    counts: Counts,
    mapping: ColumnMapping | None,
    writer: ShardWriter,
    generation: int,
) -> ManifestEntry:
    grown = opened.status == GROWN and entry is not None
    size, mtime = file_stat(unit.path) if unit.format != TXT_FOLDER else (unit.size, 0)
    new = ManifestEntry(
        unit.source,
        unit.name,
        unit.path,
        unit.format,
        size,
        mtime,
        head_hash(unit.path) if unit.format != TXT_FOLDER else "",
    )
    if opened.stream is not None:
        new.prefix_bytes, new.prefix_hash = opened.stream.offset, opened.stream.digest()
        new.ends_with_newline = opened.stream.last_byte in (b"", b"\n")
        new.next_line = opened.stream.newlines + 1
    new.files = opened.files
    new.generation = generation
    new.shards = (entry.shards if grown else []) + writer.shards  # type: ignore[union-attr]
    new.quarantine_shards = (entry.quarantine_shards if grown else []) + writer.quarantine_shards  # type: ignore[union-attr]
    new.columns = asdict(mapping) if mapping else (entry.columns if grown else {})  # type: ignore[union-attr]
    previous = entry.totals if grown else Counts()  # type: ignore[union-attr]
    reasons = dict(previous.by_reason)
    for reason, n in counts.by_reason.items():
        reasons[reason] = reasons.get(reason, 0) + n
    written = previous.written + counts.written
    quarantined = previous.quarantined + counts.quarantined
    new.totals = Counts(written + quarantined, written, quarantined, 0, previous.repaired + counts.repaired, reasons)
    new.last_run = counts
    new.last_status = opened.status
    new.updated_at = datetime.now(UTC).isoformat(timespec="seconds")
    return new


def _unchanged(unit: IngestUnit, entry: ManifestEntry, started: float) -> UnitResult:
    counts = Counts(read=entry.totals.read, already_ingested=entry.totals.read)
    progress.report(_label(unit), 0, 0, finished=True)
    return UnitResult(
        unit.input,
        unit.source,
        unit.name,
        unit.format,
        UNCHANGED,
        counts,
        0,
        time.perf_counter() - started,
        entry.columns,
    )


def _label(unit: IngestUnit) -> str:
    """How progress names a unit: 'source:name'."""
    return f"{unit.source}:{unit.name}"
