"""What readers hand to validation: a batch of rows as read, their origins, and bad rows.

Readers only split bytes into rows and columns. Rows they cannot split (wrong field count,
broken quoting, invalid JSON) come back as `BadRow`s with the quarantine reason; everything
else is decided by validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Quarantine reasons (the `reason` column of QUARANTINE_SCHEMA).
MALFORMED_ROW = "malformed_row"  # wrong field count or broken quoting
INVALID_JSON = "invalid_json"  # a JSON Lines line that is not a JSON object
NUL_BYTES = "nul_bytes"
EMPTY_TEXT = "empty_text"  # missing, empty or whitespace-only text
TEXT_TOO_LONG = "text_too_long"  # over Settings.max_text_chars characters
INVALID_CONFIDENCE = "invalid_confidence"  # not a finite number
INVALID_DATE = "invalid_date"  # not a date we can read
REASONS = (
    MALFORMED_ROW,
    INVALID_JSON,
    NUL_BYTES,
    EMPTY_TEXT,
    TEXT_TOO_LONG,
    INVALID_CONFIDENCE,
    INVALID_DATE,
)

RAW_MAX_CHARS = 10_000  # QUARANTINE_SCHEMA.raw keeps the row as read, truncated to this


@dataclass(frozen=True)
class BadRow:
    """A row that goes to quarantine, with where it came from and why."""

    origin: str
    reason: str
    detail: str
    raw: str

    @classmethod
    def of_bytes(cls, origin: str, reason: str, detail: str, raw: bytes) -> BadRow:
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        return cls(origin, reason, detail, text[:RAW_MAX_CHARS])


@dataclass
class RawBatch:
    """Rows as read: `table` columns (any types), one origin per row, and unsplittable rows."""

    table: pa.Table
    origins: pa.Array  # string: 'name:LINE', 'name#ROW' or a file's relative path
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows read in this batch: the good-looking ones and the unsplittable ones."""
        return self.table.num_rows + len(self.bad)


def origins(name: str, sep: str, positions: np.ndarray) -> pa.Array:
    """'name:12'-style origins for an array of line (or row) numbers, built without a loop."""
    numbers = pc.cast(pa.array(positions, pa.int64()), pa.string())
    return pc.binary_join_element_wise(f"{name}{sep}", numbers, "")


def too_long_line(name: str, line: int, size: int, head: bytes) -> RawBatch:
    """A batch of one quarantined row: a line too long to read (only its head was kept)."""
    detail = f"a line of {size:,} bytes, too long to read as a row; split the file into lines"
    return RawBatch(
        pa.table({}), pa.array([], pa.string()), [BadRow.of_bytes(f"{name}:{line}", TEXT_TOO_LONG, detail, head)]
    )
