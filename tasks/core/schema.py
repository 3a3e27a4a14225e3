"""The canonical document record: one schema, written once (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),  # stable hash of source, origin, text
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string()),  # as the source gave it; curation maps it
        pa.field("label_confidence", pa.float64()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("split", pa.string()),  # as given at ingest (--split), else null
        pa.field("created_at", pa.timestamp("us", tz="UTC")),  # when known
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("origin", pa.string(), nullable=False),  # "file:line" or "file#row"
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("raw", pa.string()),  # the row as read, truncated to 10,000 characters
        pa.field("quarantined_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


@dataclass(frozen=True)
class Document:
    """One row of DOCUMENT_SCHEMA, for code and tests that build rows one at a time."""

    doc_id: str
    text: str
    source: str
    origin: str
    ingested_at: datetime
    label: str | None = None
    label_confidence: float | None = None
    split: str | None = None
    created_at: datetime | None = None


def make_doc_id(source: str, origin: str, text: str) -> str:
    """Stable id: the same row of the same file always gets the same id (64-bit hex).

    The first 16 hex digits of MD5(source \\x1f origin \\x1f text \\x1f): an id, not a signature.
    MD5 because ingest computes it for whole batches in DuckDB's native md5 (per-row hashing
    in Python was the largest cost of an ingest); this function is the per-row definition."""
    h = hashlib.md5(usedforsecurity=False)
    for part in (source, origin, text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:16]
