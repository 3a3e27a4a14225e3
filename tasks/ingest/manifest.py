"""The manifest of ingested units: lake/_manifests/source=NAME/UNIT.json, one file per unit.

It records the unit's fingerprint, the shards holding its rows, and its row accounting, so a
re-run can tell what to do with each input:
  unchanged  same size, modification time and first 64 KiB: nothing is read again
  grown      the bytes ingested before are still the file's first bytes (BLAKE2b of that
             prefix matches) and they ended on a newline: only the new rows are read
  replaced   anything else: the unit is ingested afresh and its old shards are removed
For a folder of .txt files the fingerprint is every file's size and modification time; new
files are growth, changed or removed files a replacement.

One file per unit (not one per source) lets units of a source be ingested in parallel. A lock
file held with flock keeps two processes from ingesting the same unit at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sentiflow.tasks.core.atomic import TMP_PREFIX, write_json
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.ingest.inputs import IngestUnit

HEAD_BYTES = 64 << 10
MANIFEST_VERSION = 1


class AccountingError(AssertionError):
    """Rows read != rows written + quarantined + already ingested: a bug, never a user error."""


def unit_key(unit: IngestUnit) -> str:
    """A file-name-safe key for a unit: readable slug plus a hash of its exact name."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", unit.name).strip("._-")[:40] or "unit"
    return f"{slug}-{hashlib.blake2b(unit.name.encode(), digest_size=4).hexdigest()}"


def head_hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.blake2b(fh.read(HEAD_BYTES), digest_size=16).hexdigest()


@dataclass
class Counts:
    """Rows of one run (or, cumulated, of everything in the lake for a unit)."""

    read: int = 0
    written: int = 0
    quarantined: int = 0
    already_ingested: int = 0
    repaired: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)

    def check(self, where: str) -> None:
        """The accounting identity; raised, not asserted, so `python -O` cannot skip it."""
        if self.read != self.written + self.quarantined + self.already_ingested:
            raise AccountingError(
                f"{where}: read {self.read} != written {self.written} + quarantined "
                f"{self.quarantined} + already ingested {self.already_ingested}"
            )
        if sum(self.by_reason.values()) != self.quarantined:
            raise AccountingError(f"{where}: quarantine reasons do not add up to {self.quarantined}")


@dataclass
class ManifestEntry:
    """What the lake holds for one unit, and how to recognise the unit's input next time."""

    source: str
    name: str
    path: str
    format: str
    size: int = 0
    mtime_ns: int = 0
    head_hash: str = ""
    prefix_bytes: int = 0  # line formats: bytes of the (decompressed) stream ingested
    prefix_hash: str = ""  # BLAKE2b-128 of those bytes
    ends_with_newline: bool = True  # growth is only safe after a complete last line
    next_line: int = 1  # line number where new rows would start
    files: dict[str, list[int]] = field(default_factory=dict)  # txt-folder: relpath -> [size, mtime_ns]
    generation: int = 0
    shards: list[str] = field(default_factory=list)
    quarantine_shards: list[str] = field(default_factory=list)
    columns: dict[str, str | None] = field(default_factory=dict)
    totals: Counts = field(default_factory=Counts)  # rows of this unit now in the lake
    last_run: Counts = field(default_factory=Counts)
    last_status: str = ""
    updated_at: str = ""
    version: int = MANIFEST_VERSION

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ManifestEntry:
        data = dict(data)
        data["totals"] = Counts(**data.get("totals", {}))
        data["last_run"] = Counts(**data.get("last_run", {}))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Manifest:
    """Reads and writes the manifest entry of one unit in one home."""

    def __init__(self, home: Home, unit: IngestUnit) -> None:
        self.home, self.unit, self.key = home, unit, unit_key(unit)
        self.folder = home.manifests / f"source={unit.source}"
        self.path = self.folder / f"{self.key}.json"

    def load(self) -> ManifestEntry | None:
        if not self.path.exists():
            return None
        try:
            return ManifestEntry.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise UserError(
                f"{self.path}: unreadable manifest ({exc}); delete it to re-ingest {self.unit.name}"
            ) from None

    def save(self, entry: ManifestEntry) -> None:
        entry.totals.check(f"{self.unit.name} (lake totals)")
        entry.last_run.check(f"{self.unit.name} (this run)")
        write_json(entry.to_json(), self.path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this unit's lock; a second ingest of it (another process) gets a UserError."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"{self.key}.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(
                    f"{self.unit.input}: {self.unit.name} is being ingested into source "
                    f"{self.unit.source!r} by another process; wait for it and retry"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def shard_prefix(self) -> str:
        return f"part-{self.key}-"

    def remove_orphans(self, entry: ManifestEntry | None) -> int:
        """Delete this unit's shards that no manifest lists (left by a killed run)."""
        keep = set(entry.shards + entry.quarantine_shards) if entry else set()
        removed = 0
        prefix = self.shard_prefix()
        for folder in (self.home.source_documents(self.unit.source), self.home.source_quarantine(self.unit.source)):
            if not folder.exists():
                continue
            for path in folder.iterdir():
                name = path.name
                stale_tmp = name.startswith(TMP_PREFIX) and name.split("-", 2)[-1].startswith(prefix)
                if stale_tmp or (name.startswith(prefix) and name not in keep):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def remove_shards(self, names: list[str]) -> None:
        for name in names:
            for folder in (self.home.source_documents(self.unit.source), self.home.source_quarantine(self.unit.source)):
                (folder / name).unlink(missing_ok=True)


def file_stat(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def quick_unchanged(entry: ManifestEntry, unit: IngestUnit) -> bool:
    """Same size, modification time and first 64 KiB as when last ingested."""
    size, mtime = file_stat(unit.path)
    return size == entry.size and mtime == entry.mtime_ns and head_hash(unit.path) == entry.head_hash
