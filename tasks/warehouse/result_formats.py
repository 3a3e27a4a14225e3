"""Query results as CSV or JSON, streamed batch by batch (a result may not fit in memory)."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO
from uuid import UUID

from sentiflow.tasks.warehouse.query import QueryResult


def json_value(value: Any, duckdb_type: str = "") -> Any:
    """A DuckDB value as plain JSON: ISO times, numbers for decimals, null for NaN."""
    if value is None:
        return None
    if duckdb_type == "JSON" and isinstance(value, str):
        return json.loads(value)  # a JSON column is shown as JSON, not as a quoted string
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (UUID, bytes)):
        return value.hex() if isinstance(value, bytes) else str(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def text_value(value: Any) -> str:
    """A value as CSV/table text: empty for null, ISO times, JSON for nested values."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(json_value(value))
    return str(value)


def write_csv(result: QueryResult, stream: TextIO) -> int:
    """RFC 4180 CSV with a header row; returns the number of data rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(result.columns)
    count = 0
    for rows in result.batches():
        writer.writerows([text_value(v) for v in row] for row in rows)
        count += len(rows)
    return count


def write_json(result: QueryResult, stream: TextIO) -> int:
    """A JSON array of objects, one per row; returns the number of rows."""
    count = 0
    stream.write("[")
    for rows in result.batches():
        for row in rows:
            record = {name: json_value(v, t) for name, v, t in zip(result.columns, row, result.types)}
            stream.write(("\n  " if count == 0 else ",\n  ") + json.dumps(record, ensure_ascii=False))
            count += 1
    stream.write("\n]\n" if count else "]\n")
    return count
