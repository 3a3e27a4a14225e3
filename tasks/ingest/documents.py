"""Build DOCUMENT_SCHEMA tables from checked columns, with stable doc_ids.

doc_id is `make_doc_id(source, origin, text)`: the first 16 hex digits of the MD5 of the three,
each '\\x1f'-terminated. Hashing row by row in Python (BLAKE2b, until 2026-11) cost ~1.5 µs a
row under the GIL, the largest cost of an ingest; here pyarrow joins the key bytes and DuckDB's
native md5 hashes the whole batch. hashlib in a thread pool would not help: it releases the GIL
only for inputs over 2047 bytes, and rows are ~100. tests/ingest/test_parsing.py checks the
result against make_doc_id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA

SEPARATOR = "\x1f"


@dataclass(frozen=True)
class DocumentContext:
    """What every document of one ingest shares."""

    source: str
    split: str | None
    ingested_at: datetime
    max_text_chars: int


def doc_ids(source: str, origins: pa.Array, texts: pa.Array) -> pa.Array:
    """make_doc_id(source, origin, text) for every row, as a string array."""
    if len(texts) == 0:
        return pa.array([], pa.string())
    keys = pa.table({"key": pc.binary_join_element_wise(source, origins, texts, "", SEPARATOR)})
    con = _hashing_connection()
    con.register("doc_keys", keys)
    try:
        ids = con.sql("SELECT left(md5(key), 16) AS doc_id FROM doc_keys").to_arrow_table()["doc_id"]
    finally:
        con.unregister("doc_keys")
    return ids.combine_chunks().cast(pa.string())


_local = threading.local()


def _hashing_connection() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB (connections are not shared between threads; opening one
    costs ~50 ms, so each thread keeps its own). One DuckDB thread: ingest already parses in a
    second thread (prefetch.py), and more would only contend with it. Rows keep their order
    (preserve_insertion_order, DuckDB's default, set to be sure)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect(config={"threads": 1, "preserve_insertion_order": True})
    return con


def build_documents(
    ctx: DocumentContext,
    texts: pa.Array,
    origins: pa.Array,
    labels: pa.Array | None = None,
    confidences: pa.Array | None = None,
    dates: pa.Array | None = None,
) -> pa.Table:
    """One DOCUMENT_SCHEMA table; missing optional columns are null."""
    count = len(texts)

    def constant(value: object, kind: pa.DataType) -> pa.Array:
        return pa.repeat(pa.scalar(value, kind), count)

    ts = DOCUMENT_SCHEMA.field("ingested_at").type
    columns = {
        "doc_id": doc_ids(ctx.source, origins, texts),
        "text": texts,
        "label": labels if labels is not None else constant(None, pa.string()),
        "label_confidence": confidences if confidences is not None else constant(None, pa.float64()),
        "source": constant(ctx.source, pa.string()),
        "split": constant(ctx.split, pa.string()),
        "created_at": dates if dates is not None else constant(None, ts),
        "ingested_at": constant(ctx.ingested_at, ts),
        "origin": origins,
    }
    return pa.Table.from_arrays([columns[f.name] for f in DOCUMENT_SCHEMA], schema=DOCUMENT_SCHEMA)
