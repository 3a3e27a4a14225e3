"""CSV and TSV: pyarrow's parser where a chunk is clean, a careful parser where it is not.

Each chunk of whole records (see stream.chunks) is first parsed by pyarrow.csv with every
column as binary (no type guessing, no UTF-8 check yet: validation repairs bytes). The chunk is
accepted when pyarrow found no invalid rows and its row count matches the records we can see,
which also gives each row its line number. Otherwise the chunk goes to the careful parser
(Python's csv module, strict quoting) which quarantines each bad physical line with its line
number and resumes on the next line, so one broken quote costs one line, not the file.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.ingest.batch import MALFORMED_ROW, BadRow, RawBatch, origins, too_long_line
from sentiflow.tasks.ingest.stream import BOM, ByteStream, Chunk, chunks, split_lines

QUOTE = b'"'
HEAD_BYTES = 1 << 20  # the header must fit in the first MiB
MAX_RECORD_BYTES = 8 << 20  # a quoted record longer than this is broken quoting, not data
SAMPLE_RECORDS = 1000  # records sampled to count the fields of a file without a header


@dataclass(frozen=True)
class Layout:
    """Column names and where the body starts (after a BOM and the header record)."""

    names: list[str]
    body_offset: int  # bytes before the first data record
    body_line: int  # line number of the first data record


def read_layout(path: str, gzip: bool, delimiter: str, header: bool) -> Layout:
    """Read the header record (or, without a header, count the fields of the first records)."""
    with ByteStream(path, gzip) as stream:
        head = stream.read(HEAD_BYTES)
    offset = len(BOM) if head.startswith(BOM) else 0
    lines = split_lines(head[offset:])
    if not header:
        counts = Counter(len(rec) for rec in _records(lines[:SAMPLE_RECORDS], delimiter) if rec)
        width = counts.most_common(1)[0][0] if counts else 1
        return Layout([str(i) for i in range(1, width + 1)], offset, 1)
    reader = csv.reader((line.decode("utf-8", "replace") for line in lines), delimiter=delimiter)
    try:
        for record in reader:
            if record:
                used = lines[: reader.line_num]
                return Layout(unique_names(record), offset + sum(map(len, used)), reader.line_num + 1)
    except csv.Error as exc:
        raise UserError(
            f"{path}: cannot read the header row ({exc}); fix the file or give columns by position"
        ) from None
    return Layout([], offset, 1)  # an empty file: no columns, no rows


def _records(lines: list[bytes], delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader((line.decode("utf-8", "replace") for line in lines), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error:
        return


def unique_names(header: list[str]) -> list[str]:
    """Header names, stripped; blanks become column_N and repeats get a _2, _3 suffix."""
    names: list[str] = []
    for i, raw in enumerate(header, start=1):
        name = raw.strip() or f"column_{i}"
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


def read_delimited(
    stream: ByteStream, name: str, layout: Layout, delimiter: str, first_line: int
) -> Iterator[RawBatch]:
    """Batches of rows from `stream` (positioned at a record start, on line `first_line`)."""
    carry: Chunk | None = None
    for chunk in chunks(stream, first_line, quote=QUOTE):
        if chunk.too_long:
            if carry is not None:  # the open record ends where the over-long line starts
                yield parse_careful(Chunk(carry.data, carry.first_line, final=True), name, layout.names, delimiter)[0]
                carry = None
            yield too_long_line(name, chunk.first_line, chunk.too_long, chunk.data)
            continue
        batch = None
        if carry is not None:  # a record left open by the careful parser continues here
            chunk = Chunk(carry.data + chunk.data, carry.first_line, chunk.final)
        else:
            batch = parse_fast(chunk, name, layout.names, delimiter)
        if batch is None:
            batch, carry = parse_careful(chunk, name, layout.names, delimiter)
        yield batch
    if carry is not None:
        batch, _ = parse_careful(Chunk(carry.data, carry.first_line, final=True), name, layout.names, delimiter)
        yield batch


def parse_fast(chunk: Chunk, name: str, names: list[str], delimiter: str) -> RawBatch | None:
    """pyarrow's parse of a clean chunk, or None when the chunk needs the careful parser."""
    if chunk.data.count(QUOTE) % 2:  # a quote left open: pyarrow would take the rest as one value
        return None
    invalid: list[int] = []

    def on_invalid(_row: object) -> str:
        invalid.append(1)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(chunk.data),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.binary() for n in names}),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if invalid:
        return None
    starts = record_lines(chunk, table)
    if starts is None:
        return None
    return RawBatch(table, origins(name, ":", chunk.first_line + starts))


def record_lines(chunk: Chunk, table: pa.Table) -> np.ndarray | None:
    """Line offset (0-based) of each row of `table` parsed from `chunk`, or None if unsure.

    Every newline of a chunk ends a row, sits inside a quoted value, or is a blank line (which
    pyarrow skips). Counting the newlines inside each row's values gives every row's line
    whenever the totals add up, i.e. there is no blank line; otherwise record boundaries are
    located in the bytes (newlines after an even number of quotes).
    """
    rows = table.num_rows
    ended = chunk.data.endswith(b"\n")
    newlines = chunk.count_newlines()
    if newlines + (0 if ended else 1) == rows:
        return np.arange(rows, dtype=np.int64)
    inside = np.zeros(rows, dtype=np.int64)
    for column in table.columns:
        inside += pc.count_substring(column, "\n").to_numpy()
    if rows and newlines + (0 if ended else 1) == rows + int(inside.sum()):
        shift = np.empty(rows, dtype=np.int64)
        shift[0] = 0
        np.cumsum(inside[:-1], out=shift[1:])
        return np.arange(rows, dtype=np.int64) + shift
    return _record_lines_from_bytes(chunk.data, rows)


def _record_lines_from_bytes(data: bytes, expected: int) -> np.ndarray | None:
    """Record starts from quote parity, without blank lines; None unless there are `expected`."""
    arr = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 0x0A)
    ends = newlines
    if QUOTE in data:  # quotes before each newline, by binary search (quotes are sparse)
        quotes_before = np.searchsorted(np.flatnonzero(arr == QUOTE[0]), newlines)
        ends = newlines[(quotes_before & 1) == 0]
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < len(data)]
    stops = np.append(starts[1:], len(data))
    length = stops - starts
    blank = (length == 1) | ((length == 2) & (arr[np.minimum(starts, len(data) - 1)] == 0x0D))
    starts = starts[~blank]
    if len(starts) != expected:
        return None
    return np.searchsorted(newlines, starts).astype(np.int64)


class _RecordTooLong(Exception):
    pass


class _LineFeed:
    """Lines for csv.reader, counting where it is and how long the current record has grown."""

    def __init__(self, lines: list[bytes], start: int) -> None:
        self.lines, self.i, self.record_bytes = lines, start, 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.i >= len(self.lines):
            raise StopIteration
        line = self.lines[self.i]
        self.i += 1
        self.record_bytes += len(line)
        if self.record_bytes > MAX_RECORD_BYTES:
            raise _RecordTooLong(f"a quoted field runs past {MAX_RECORD_BYTES >> 20} MiB")
        return line.decode("utf-8", "surrogateescape")  # keeps invalid bytes for validation


def parse_careful(chunk: Chunk, name: str, names: list[str], delimiter: str) -> tuple[RawBatch, Chunk | None]:
    """Parse line by line; returns the batch and, for a record left open at the end, its lines."""
    lines = split_lines(chunk.data)
    width = len(names)
    rows: list[list[bytes]] = []
    positions: list[int] = []
    bad: list[BadRow] = []

    def quarantine(index: int, detail: str) -> None:
        bad.append(BadRow.of_bytes(f"{name}:{chunk.first_line + index}", MALFORMED_ROW, detail, lines[index]))

    i = 0
    while i < len(lines):
        feed = _LineFeed(lines, i)
        reader = csv.reader(feed, delimiter=delimiter, strict=True)
        while True:
            start, feed.record_bytes = feed.i, 0
            try:
                record = next(reader)
            except StopIteration:
                i = len(lines)
                break
            except (csv.Error, _RecordTooLong) as exc:
                if str(exc) == "unexpected end of data" and not chunk.final:
                    carry = Chunk(b"".join(lines[start:]), chunk.first_line + start)
                    return _batch(rows, positions, bad, name, names), carry
                quarantine(start, f"broken quoting: {exc}")
                i = start + 1  # resume right after the line that opened the bad record
                break
            if not record:
                continue  # a blank line is not a row
            if len(record) != width:
                quarantine(start, f"expected {width} fields, found {len(record)}")
                if feed.i - start > 1:  # it swallowed later lines: re-read them
                    i = start + 1
                    break
                continue
            rows.append([field.encode("utf-8", "surrogateescape") for field in record])
            positions.append(chunk.first_line + start)
    return _batch(rows, positions, bad, name, names), None


def _batch(rows: list[list[bytes]], positions: list[int], bad: list[BadRow], name: str, names: list[str]) -> RawBatch:
    columns = list(zip(*rows)) if rows else [()] * len(names)
    table = pa.table({n: pa.array(col, pa.binary()) for n, col in zip(names, columns)})
    return RawBatch(table, origins(name, ":", np.array(positions, dtype=np.int64)), bad)
