"""Check a batch of rows: good rows become documents, bad rows go to quarantine with a reason.

Checks, in order (a row gets the first reason that applies):
  nul_bytes           the text contains NUL (\\x00): a sign of binary or mis-decoded data
  empty_text          no text, or only whitespace
  text_too_long       more than Settings.max_text_chars characters
  invalid_confidence  a confidence that is not a finite number
  invalid_date        a date we cannot read
Rows the reader could not split (malformed_row, invalid_json) arrive already quarantined.
Invalid UTF-8 is repaired, not quarantined (see values.py), and counted as repaired.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sentiflow.tasks.ingest.batch import (
    EMPTY_TEXT,
    INVALID_CONFIDENCE,
    INVALID_DATE,
    NUL_BYTES,
    RAW_MAX_CHARS,
    TEXT_TOO_LONG,
    BadRow,
    RawBatch,
)
from sentiflow.tasks.ingest.columns import ColumnMapping
from sentiflow.tasks.ingest.documents import DocumentContext, build_documents
from sentiflow.tasks.ingest.values import blank_to_null, may_contain, to_float, to_text, to_timestamp

# Checks in priority order; codes index this tuple (0 means the row is fine).
CHECKS = (None, NUL_BYTES, EMPTY_TEXT, TEXT_TOO_LONG, INVALID_CONFIDENCE, INVALID_DATE)


@dataclass
class CheckedBatch:
    """The outcome of one batch: documents to write, rows to quarantine, rows repaired."""

    documents: pa.Table
    quarantined: list[BadRow] = field(default_factory=list)
    repaired: int = 0

    @property
    def rows(self) -> int:
        return self.documents.num_rows + len(self.quarantined)


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _column(table: pa.Table, name: str) -> pa.Array | pa.ChunkedArray:
    """A column, or nulls when this batch lacks it (JSON Lines rows may omit keys)."""
    return table[name] if name in table.column_names else pa.nulls(table.num_rows)


def check_batch(batch: RawBatch, mapping: ColumnMapping, ctx: DocumentContext) -> CheckedBatch:
    """Split a batch into documents and quarantined rows (the reader's bad rows included)."""
    table = batch.table
    count = table.num_rows
    if count == 0:
        return CheckedBatch(build_documents(ctx, pa.array([], pa.string()), pa.array([], pa.string())), list(batch.bad))
    texts, repaired = to_text(_column(table, mapping.text))
    labels = confidences = dates = None
    bad_confidence = bad_date = np.zeros(count, dtype=bool)
    if mapping.label:
        labels, label_repaired = to_text(_column(table, mapping.label))
        labels, repaired = blank_to_null(labels), repaired | label_repaired
    if mapping.confidence:
        confidences, bad_confidence = to_float(_column(table, mapping.confidence))
    if mapping.date:
        dates, bad_date = to_timestamp(_column(table, mapping.date))

    lengths = pc.utf8_length(texts)
    masks = {
        NUL_BYTES: _mask(pc.match_substring(texts, "\x00")) if may_contain(texts, 0) else np.zeros(count, dtype=bool),
        EMPTY_TEXT: _mask(pc.or_(pc.equal(lengths, 0), pc.utf8_is_space(texts))) | _mask(pc.is_null(texts)),
        TEXT_TOO_LONG: _mask(pc.greater(lengths, ctx.max_text_chars)),
        INVALID_CONFIDENCE: bad_confidence,
        INVALID_DATE: bad_date,
    }
    codes = np.zeros(count, dtype=np.int8)
    for code in range(len(CHECKS) - 1, 0, -1):  # lowest code (highest priority) written last
        codes[masks[CHECKS[code]]] = code
    good = codes == 0

    quarantined = list(batch.bad)
    if not good.all():
        keep = pa.array(good)
        quarantined += _bad_rows(table, batch.origins, codes, lengths, mapping, ctx)
        texts, origins = texts.filter(keep), batch.origins.filter(keep)
        labels = labels.filter(keep) if labels is not None else None
        confidences = confidences.filter(keep) if confidences is not None else None
        dates = dates.filter(keep) if dates is not None else None
    else:
        origins = batch.origins
    documents = build_documents(ctx, texts, origins, labels, confidences, dates)
    return CheckedBatch(documents, quarantined, int((repaired & good).sum()))


def _bad_rows(
    table: pa.Table,
    origins: pa.Array,
    codes: np.ndarray,
    lengths: pa.Array,
    mapping: ColumnMapping,
    ctx: DocumentContext,
) -> list[BadRow]:
    where = np.flatnonzero(codes)
    picked = pa.array(where)
    rows = table.take(picked).to_pylist()
    origin_list = origins.take(picked).to_pylist()
    length_list = lengths.take(picked).to_pylist()
    out = []
    for row, origin, length, code in zip(rows, origin_list, length_list, codes[where]):
        reason = CHECKS[code]
        raw = json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False, default=str)
        out.append(BadRow(origin, reason, _detail(reason, row, length, mapping, ctx), raw[:RAW_MAX_CHARS]))
    return out


def _plain(value: object) -> object:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _detail(reason: str, row: dict, length: int | None, mapping: ColumnMapping, ctx: DocumentContext) -> str:
    if reason == TEXT_TOO_LONG:
        return f"{length} characters > {ctx.max_text_chars} (SENTIFLOW_MAX_TEXT_CHARS)"
    if reason == EMPTY_TEXT:
        return f"column {mapping.text!r} is missing, empty or only whitespace"
    if reason == NUL_BYTES:
        return f"column {mapping.text!r} contains NUL bytes"
    if reason == INVALID_CONFIDENCE:
        return f"column {mapping.confidence!r}: {_plain(row.get(mapping.confidence or ''))!r} is not a finite number"
    return f"column {mapping.date!r}: {_plain(row.get(mapping.date or ''))!r} is not a date"
