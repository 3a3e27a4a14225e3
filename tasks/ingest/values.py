"""Column values to canonical types: UTF-8 text (repairing bad bytes), floats and timestamps.

Invalid UTF-8 is repaired, not quarantined: each bad byte sequence becomes U+FFFD (Python's
'replace' error handler) and the row is counted as repaired. Real corpora (the demo tweets
among them) carry stray Latin-1 bytes in otherwise good rows; dropping those rows would lose
data, and guessing the original encoding per row is not reliable.
All conversions are vectorized with pyarrow; the per-value Python paths only run for a batch
that actually holds a bad value.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

UTC = UTC
TIMESTAMP = pa.timestamp("us", tz="UTC")


Column = pa.Array | pa.ChunkedArray


def as_array(column: Column) -> pa.Array:
    """One contiguous array (a copy for chunked input: only used on the rare slow paths)."""
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def to_text(column: Column) -> tuple[Column, np.ndarray]:
    """A string column and a mask of the rows whose bytes were repaired.

    Chunked columns stay chunked: combining pyarrow.csv's ~1 MiB chunks would copy every text.
    """
    arr = column
    none = np.zeros(len(arr), dtype=bool)
    kind = arr.type
    if pa.types.is_dictionary(kind):
        return to_text(as_array(arr).dictionary_decode())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return arr.cast(pa.string()), none
    if pa.types.is_null(kind):
        return pa.nulls(len(arr), pa.string()), none
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        try:
            return arr.cast(pa.string()), none
        except pa.ArrowInvalid:  # some value is not UTF-8: repair value by value
            return _repair_utf8(arr.to_pylist())
    if pa.types.is_nested(kind):  # JSON objects/lists in a text-ish field: keep their JSON text
        values = [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in arr.to_pylist()]
        return pa.array(values, pa.string()), none
    return arr.cast(pa.string()), none


def _repair_utf8(values: list[bytes | None]) -> tuple[pa.Array, np.ndarray]:
    repaired = np.zeros(len(values), dtype=bool)
    out: list[str | None] = []
    for i, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(value.decode("utf-8", "replace"))
            repaired[i] = True
    return pa.array(out, pa.string()), repaired


def may_contain(column: Column, byte: int) -> bool:
    """False when no value of a string/binary column can hold `byte` (one scan of its data).

    Looks at whole data buffers, which may include bytes of sliced-off rows: a True only
    means "run the exact per-row check".
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for chunk in chunks:
        buffers = chunk.buffers()
        if len(buffers) < 3 or buffers[2] is None:
            return True
        if np.any(np.frombuffer(buffers[2], dtype=np.uint8) == byte):
            return True
    return False


def blank_to_null(strings: pa.Array) -> pa.Array:
    """Strip whitespace; empty strings become null (for labels, confidences and dates)."""
    stripped = pc.utf8_trim_whitespace(strings)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)


def to_float(column: Column) -> tuple[pa.Array, np.ndarray]:
    """Float64 values and a mask of values that are not finite numbers (nulls are fine)."""
    arr = as_array(column)
    if not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)):
        arr = blank_to_null(to_text(arr)[0])
        try:
            arr = pc.cast(arr, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            arr = pa.array([_parse_float(v) for v in arr.to_pylist()], pa.float64())
    values = pc.cast(arr, pa.float64())
    finite = pc.fill_null(pc.is_finite(values), True)
    bad = ~np.asarray(finite.to_numpy(zero_copy_only=False), dtype=bool)
    return pc.if_else(pa.array(bad), pa.scalar(None, pa.float64()), values), bad


def _parse_float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return math.nan  # marks the value invalid


def to_timestamp(column: Column) -> tuple[pa.Array, np.ndarray]:
    """UTC timestamps and a mask of values that are not dates we can read (nulls are fine).

    Strings: ISO 8601 (naive means UTC), Unix epoch seconds, RFC 2822 and Twitter's
    'Wed Oct 10 20:19:24 +0000 2018'. Numbers: epoch seconds (milliseconds when > 1e11).
    """
    arr = as_array(column)
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            arr = pc.assume_timezone(arr, "UTC")
        return pc.cast(arr, TIMESTAMP), np.zeros(len(arr), dtype=bool)
    if pa.types.is_date(arr.type):
        stamps = pc.assume_timezone(pc.cast(arr, pa.timestamp("us")), "UTC")
        return pc.cast(stamps, TIMESTAMP), np.zeros(len(arr), dtype=bool)
    numeric = pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)
    values = arr.to_pylist() if numeric else blank_to_null(to_text(arr)[0]).to_pylist()
    parsed = [parse_date(v) for v in values]
    bad = np.array([v is not None and p is None for v, p in zip(values, parsed)], dtype=bool)
    return pa.array(parsed, TIMESTAMP), bad


_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S")


def parse_date(value: object) -> datetime | None:
    """One value as a UTC datetime, or None when it cannot be read."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return parse_date(float(text))
    candidates = [lambda: datetime.fromisoformat(text), lambda: parsedate_to_datetime(text)]
    candidates += [lambda f=f: datetime.strptime(text, f) for f in _FORMATS]
    for attempt in candidates:
        try:
            parsed = attempt()
        except (ValueError, TypeError, IndexError, OverflowError):
            continue
        if parsed is not None:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None
