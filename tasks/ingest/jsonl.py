"""JSON Lines (.jsonl, .ndjson): one JSON object per line.

Each chunk of whole lines is parsed by pyarrow.json. When that fails (a line that is not
valid JSON, a field whose type changes between lines, invalid UTF-8) the chunk is parsed line
by line with Python's json module: bad lines go to quarantine as invalid_json with their line
number, and values become text (numbers and nested values as their JSON text).
Blank lines are not rows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from sentiflow.tasks.ingest.batch import INVALID_JSON, BadRow, RawBatch, origins, too_long_line
from sentiflow.tasks.ingest.stream import ByteStream, Chunk, chunks, split_lines

JSON_BLOCK_BYTES = 4 << 20  # pyarrow.json block; longer lines fall back to the line parser
EMPTY_OBJECT = "_empty_object"  # the one (all-null) column of a batch of '{}' lines


def read_jsonl(stream: ByteStream, name: str, first_line: int) -> Iterator[RawBatch]:
    for chunk in chunks(stream, first_line):
        if chunk.too_long:
            yield too_long_line(name, chunk.first_line, chunk.too_long, chunk.data)
        else:
            yield parse_fast(chunk, name) or parse_careful(chunk, name)


def parse_fast(chunk: Chunk, name: str) -> RawBatch | None:
    try:
        table = pajson.read_json(io.BytesIO(chunk.data), read_options=pajson.ReadOptions(block_size=JSON_BLOCK_BYTES))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    lines = chunk.count_newlines() + (0 if chunk.data.endswith(b"\n") else 1)
    if table.num_rows == lines:  # no blank lines: row i is line i
        filled = np.arange(lines, dtype=np.int64)
    else:
        filled = np.array([i for i, line in enumerate(split_lines(chunk.data)) if line.strip()], dtype=np.int64)
        if len(filled) != table.num_rows:
            return None
    return RawBatch(table, origins(name, ":", chunk.first_line + filled))


def parse_careful(chunk: Chunk, name: str) -> RawBatch:
    records: list[dict[str, bytes | None]] = []
    positions: list[int] = []
    bad: list[BadRow] = []
    for i, line in enumerate(split_lines(chunk.data)):
        if not line.strip():
            continue
        number = chunk.first_line + i
        try:
            value = json.loads(line.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError as exc:
            bad.append(
                BadRow.of_bytes(
                    f"{name}:{number}", INVALID_JSON, f"invalid JSON: {exc.msg} at column {exc.colno}", line
                )
            )
            continue
        if not isinstance(value, dict):
            kind = type(value).__name__
            bad.append(BadRow.of_bytes(f"{name}:{number}", INVALID_JSON, f"a JSON {kind}, not an object", line))
            continue
        records.append({str(k): _as_bytes(v) for k, v in value.items()})
        positions.append(number)
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    if records and not columns:  # only '{}' lines: a table needs a column to hold rows
        columns[EMPTY_OBJECT] = None
    table = pa.table({c: pa.array([r.get(c) for r in records], pa.binary()) for c in columns})
    return RawBatch(table, origins(name, ":", np.array(positions, dtype=np.int64)), bad)


def _as_bytes(value: object) -> bytes | None:
    """JSON values as UTF-8 bytes; lone surrogates become invalid bytes that validation repairs."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")
