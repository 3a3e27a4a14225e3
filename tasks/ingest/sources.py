"""Open a unit for reading: decide new / grown / replaced / unchanged and position the reader.

The result, `Opened`, holds the batch iterator, the columns known up front (None for JSON
Lines, whose keys are known after the first batch), how many rows were already ingested, and
what the manifest needs to recognise the input next time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sentiflow.tasks.ingest.batch import RawBatch
from sentiflow.tasks.ingest.columns import ColumnSpec
from sentiflow.tasks.ingest.delimited import read_delimited, read_layout
from sentiflow.tasks.ingest.formats import TXT_FOLDER
from sentiflow.tasks.ingest.inputs import IngestUnit, txt_folder_files
from sentiflow.tasks.ingest.jsonl import read_jsonl
from sentiflow.tasks.ingest.manifest import ManifestEntry, file_stat
from sentiflow.tasks.ingest.readers import parquet_file, read_parquet, read_txt, read_txt_folder
from sentiflow.tasks.ingest.stream import ByteStream, bom_length

NEW, GROWN, REPLACED, UNCHANGED = "new", "grown", "replaced", "unchanged"
LINE_FORMATS = ("csv", "tsv", "jsonl", "txt")


@dataclass
class Opened:
    """A unit ready to read."""

    status: str
    batches: Iterator[RawBatch]
    columns: list[str] | None
    already_ingested: int = 0
    stream: ByteStream | None = None  # line formats: the running hash, offset and line count
    files: dict[str, list[int]] = field(default_factory=dict)  # txt-folder fingerprint
    bytes_done: Callable[[], int] = lambda: 0  # bytes of new input processed so far


def open_unit(unit: IngestUnit, entry: ManifestEntry | None, spec: ColumnSpec, stack: ExitStack) -> Opened:
    """Position a reader after what `entry` says is already in the lake (or at the start)."""
    if unit.format == TXT_FOLDER:
        return _open_folder(unit, entry)
    if unit.format == "parquet":
        pf = stack.enter_context(parquet_file(unit.path, unit.gzip))
        size = file_stat(unit.path)[0]
        return Opened(
            REPLACED if entry else NEW, read_parquet(pf, unit.name), pf.schema_arrow.names, bytes_done=lambda: size
        )
    return _open_lines(unit, entry, spec, stack)


def _open_lines(unit: IngestUnit, entry: ManifestEntry | None, spec: ColumnSpec, stack: ExitStack) -> Opened:
    header = not spec.by_position
    layout = read_layout(unit.path, unit.gzip, unit.delimiter, header) if unit.format in ("csv", "tsv") else None
    stream = stack.enter_context(ByteStream(unit.path, unit.gzip))
    status, already, first_line = NEW, 0, 1
    if entry is not None and entry.format == unit.format and entry.ends_with_newline:
        stream.skip(entry.prefix_bytes)
        if stream.offset == entry.prefix_bytes and stream.digest() == entry.prefix_hash:
            status, already, first_line = GROWN, entry.totals.read, stream.newlines + 1
    if status != GROWN:
        if entry is not None:
            status = REPLACED
            stream = stack.enter_context(ByteStream(unit.path, unit.gzip))
        start = layout.body_offset if layout else bom_length(unit.path, unit.gzip)
        stream.skip(start)
        first_line = layout.body_line if layout else 1
    begin = stream.offset
    if layout is not None:
        columns: list[str] | None = layout.names
        batches = read_delimited(stream, unit.name, layout, unit.delimiter, first_line) if layout.names else iter(())
    elif unit.format == "jsonl":
        columns, batches = None, read_jsonl(stream, unit.name, first_line)
    else:
        columns, batches = ["text"], read_txt(stream, unit.name, first_line)
    return Opened(status, batches, columns, already, stream, bytes_done=lambda: stream.offset - begin)


def _open_folder(unit: IngestUnit, entry: ManifestEntry | None) -> Opened:
    root = Path(unit.path)
    files = txt_folder_files(root, unit.all_files)
    current = {p.relative_to(root.parent).as_posix(): list(file_stat(str(p))) for p in files}
    status, already, todo = NEW, 0, files
    if entry is not None:
        kept = all(current.get(rel) == list(stat) for rel, stat in entry.files.items())
        if kept:
            todo = [p for p in files if p.relative_to(root.parent).as_posix() not in entry.files]
            status, already = (GROWN if todo else UNCHANGED), entry.totals.read
        else:
            status = REPLACED
    sizes = {"done": 0}

    def counted() -> Iterator[RawBatch]:
        for batch in read_txt_folder(root, todo):
            sizes["done"] += sum(current[o][0] for o in batch.origins.to_pylist())
            yield batch

    return Opened(status, counted(), ["text", "label"], already, files=current, bytes_done=lambda: sizes["done"])
