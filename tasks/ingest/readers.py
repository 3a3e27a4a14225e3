"""Readers for plain text, Parquet and folders of .txt files, and the reader for a unit.

  txt         one document per line; an empty line is a row with empty text (quarantined)
  parquet     row groups in batches; origins are 'name#ROW' (1-based)
  txt-folder  one document per file, label = the parent folder's name (aclImdb pos/ neg/),
              no label for files directly in the folder given; origins are relative paths
CSV/TSV and JSON Lines live in delimited.py and jsonl.py.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.ingest.batch import RawBatch, origins, too_long_line
from sentiflow.tasks.ingest.stream import ByteStream, chunks

PARQUET_BATCH_ROWS = 65_536
FOLDER_BATCH_FILES = 2_000  # files per batch from a folder of .txt files
FOLDER_BATCH_BYTES = 32 << 20  # ... or fewer when they are large


def read_txt(stream: ByteStream, name: str, first_line: int) -> Iterator[RawBatch]:
    for chunk in chunks(stream, first_line):
        if chunk.too_long:
            yield too_long_line(name, chunk.first_line, chunk.too_long, chunk.data)
            continue
        lines = chunk.data.split(b"\n")
        if chunk.data.endswith(b"\n"):
            lines.pop()
        if b"\r" in chunk.data:
            lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
        table = pa.table({"text": pa.array(lines, pa.binary())})
        yield RawBatch(table, origins(name, ":", chunk.first_line + np.arange(len(lines), dtype=np.int64)))


@contextmanager
def parquet_file(path: str, compressed: bool) -> Iterator[pq.ParquetFile]:
    """Open a Parquet file; a gzipped one is first expanded to a temporary file (it needs seeks)."""
    with tempfile.NamedTemporaryFile(suffix=".parquet") if compressed else nullcontext() as tmp:
        try:
            if tmp is not None:
                with gzip.open(path, "rb") as src:
                    shutil.copyfileobj(src, tmp, length=1 << 20)
                tmp.flush()
            pf = pq.ParquetFile(tmp.name if tmp is not None else path)
        except (pa.ArrowException, OSError, EOFError) as exc:
            message = " ".join(str(exc).split())[:200]
            raise UserError(f"{path}: not a readable Parquet file ({message}); check the file or --format") from None
        with pf:
            yield pf


def read_parquet(pf: pq.ParquetFile, name: str) -> Iterator[RawBatch]:
    row = 1
    for batch in pf.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        table = pa.Table.from_batches([batch])
        yield RawBatch(table, origins(name, "#", row + np.arange(table.num_rows, dtype=np.int64)))
        row += table.num_rows


def folder_label(path: Path, root: Path) -> str | None:
    """The parent folder's name, or None for a file directly in the folder given."""
    return None if path.parent == root else path.parent.name


def read_txt_folder(root: Path, files: list[Path]) -> Iterator[RawBatch]:
    """One row per file: text (bytes as stored), label (parent folder), origin (relative path)."""
    texts: list[bytes] = []
    labels: list[str | None] = []
    names: list[str] = []
    size = 0
    for path in files:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as fh:
            data = fh.read()
        texts.append(data)
        labels.append(folder_label(path, root))
        names.append(path.relative_to(root.parent).as_posix())
        size += len(data)
        if len(texts) >= FOLDER_BATCH_FILES or size >= FOLDER_BATCH_BYTES:
            yield _folder_batch(texts, labels, names)
            texts, labels, names, size = [], [], [], 0
    if texts:
        yield _folder_batch(texts, labels, names)


def _folder_batch(texts: list[bytes], labels: list[str | None], names: list[str]) -> RawBatch:
    table = pa.table({"text": pa.array(texts, pa.binary()), "label": pa.array(labels, pa.string())})
    return RawBatch(table, pa.array(names, pa.string()))
