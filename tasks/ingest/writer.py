"""Write documents and quarantined rows as bounded, atomically written zstd Parquet shards.

Rows accumulate until a shard is full (Settings.shard_rows rows or MAX_SHARD_BYTES of Arrow
memory, whichever comes first; quarantined rows likewise by QUARANTINE_SHARD_ROWS/BYTES), then the shard is written by one background thread while
the next one fills: Parquet encoding and zstd release the GIL, so writing overlaps with the
Python work of the next batch. At most one shard is in flight, which bounds memory to about
two shards. Shard names carry the unit key and a generation, so the manifest can tell this
unit's shards (and a killed run's leftovers) from every other unit's.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from sentiflow.tasks.core.atomic import write_parquet
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import write_shard_file
from sentiflow.tasks.core.schema import QUARANTINE_SCHEMA
from sentiflow.tasks.ingest.batch import BadRow

MAX_SHARD_BYTES = 256 << 20  # Arrow bytes per document shard (long texts fill shards early)
QUARANTINE_SHARD_ROWS = 50_000
QUARANTINE_SHARD_BYTES = 64 << 20  # raw + detail characters: bad rows keep up to 10,000 each


class ShardWriter:
    """Shards named PREFIXNNNNN.parquet under the source's documents and quarantine folders."""

    def __init__(self, home: Home, source: str, prefix: str, shard_rows: int) -> None:
        self.home, self.source, self.prefix, self.shard_rows = home, source, prefix, shard_rows
        self.shards: list[str] = []
        self.quarantine_shards: list[str] = []
        self._docs: list[pa.Table] = []
        self._doc_rows = self._doc_bytes = 0
        self._bad: list[BadRow] = []
        self._bad_chars = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shard-writer")
        self._in_flight: Future[Path] | None = None

    def add_documents(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._docs.append(table)
        self._doc_rows += table.num_rows
        self._doc_bytes += table.nbytes
        while self._doc_rows >= self.shard_rows:  # full shards of exactly shard_rows rows
            pending = pa.concat_tables(self._docs)
            self._docs, self._doc_rows = [pending.slice(self.shard_rows)], pending.num_rows - self.shard_rows
            self._doc_bytes = self._docs[0].nbytes
            self._submit(pending.slice(0, self.shard_rows))
        if self._doc_bytes >= MAX_SHARD_BYTES:
            self._flush_documents()

    def add_quarantined(self, rows: list[BadRow], at: datetime) -> None:
        self._bad.extend(rows)
        self._bad_chars += sum(len(r.raw) + len(r.detail) for r in rows)
        self._quarantined_at = at
        if len(self._bad) >= QUARANTINE_SHARD_ROWS or self._bad_chars >= QUARANTINE_SHARD_BYTES:
            self._flush_quarantine()

    def close(self) -> None:
        """Write what is left and wait for every shard to be on disk."""
        try:
            self._flush_documents()
            self._flush_quarantine()
            self._wait()
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stop without writing more (already written shards stay; the manifest ignores them)."""
        self._docs, self._bad = [], []
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _next_name(self, names: list[str]) -> str:
        name = f"{self.prefix}{len(names):05d}.parquet"
        names.append(name)
        return name

    def _wait(self) -> None:
        if self._in_flight is not None:
            self._in_flight.result()  # re-raises a failed write here
            self._in_flight = None

    def _flush_documents(self) -> None:
        table = pa.concat_tables(self._docs) if self._docs else None
        self._docs, self._doc_rows, self._doc_bytes = [], 0, 0
        if table is not None and table.num_rows:
            self._submit(table)

    def _submit(self, table: pa.Table) -> None:
        name = self._next_name(self.shards)
        self._wait()
        self._in_flight = self._pool.submit(write_shard_file, self.home, table, name)

    def _flush_quarantine(self) -> None:
        if not self._bad:
            return
        rows, self._bad, self._bad_chars = self._bad, [], 0
        table = pa.table(
            {
                "source": pa.repeat(pa.scalar(self.source), len(rows)),
                "origin": [r.origin for r in rows],
                "reason": [r.reason for r in rows],
                "detail": [r.detail for r in rows],
                "raw": [r.raw for r in rows],
                "quarantined_at": pa.repeat(
                    pa.scalar(self._quarantined_at, QUARANTINE_SCHEMA.field("quarantined_at").type), len(rows)
                ),
            },
            schema=QUARANTINE_SCHEMA,
        )
        path = self.home.source_quarantine(self.source) / self._next_name(self.quarantine_shards)
        write_parquet(table, path)
