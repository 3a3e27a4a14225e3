"""Byte streams cut into chunks of whole records, with line numbers and a running hash.

Files are read sequentially in blocks (16 MiB), decompressed on the fly for gzip, and cut at the
last record boundary of each block so a chunk never splits a row. Every byte read updates a
BLAKE2b hash of the stream from its first byte: at the end of a file that hash is the
fingerprint of the ingested prefix, which lets the next run tell growth (same prefix, more
bytes) from a rewrite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sentiflow.tasks.core.errors import UserError

BLOCK_BYTES = 16 << 20  # per read: large enough that per-chunk overhead vanishes, small for RSS
NEWLINE = 0x0A
LONG_LINE_HEAD = 10_000  # bytes of an over-long line kept for quarantine (like BadRow.raw)


class ByteStream:
    """A file's (decompressed) bytes, read forward only, hashing everything read."""

    def __init__(self, path: Path | str, gzip: bool = False) -> None:
        self.path = str(path)
        self._stream = pa.input_stream(self.path, compression="gzip" if gzip else None)
        self.hasher = hashlib.blake2b(digest_size=16)
        self.offset = 0  # bytes read so far, in the decompressed stream
        self.newlines = 0  # '\n' bytes consumed (skipped or chunked): the next line is newlines + 1
        self.last_byte = b""

    def read(self, size: int = BLOCK_BYTES) -> bytes:
        try:
            data = self._stream.read(size)
        except (pa.ArrowException, OSError) as exc:  # corrupt gzip, truncated file, I/O error
            message = " ".join(str(exc).split())[:200]
            raise UserError(
                f"{self.path}: cannot be read past byte {self.offset:,} ({message}); check or re-create the file"
            ) from None
        if data:
            self.hasher.update(data)
            self.offset += len(data)
            self.last_byte = data[-1:]
        return data

    def skip(self, count: int) -> None:
        """Read (and hash) the next `count` bytes, or up to the end of the stream."""
        remaining = count
        while remaining > 0:
            data = self.read(min(remaining, BLOCK_BYTES))
            if not data:
                break
            self.newlines += data.count(b"\n")
            remaining -= len(data)

    def digest(self) -> str:
        return self.hasher.copy().hexdigest()

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> ByteStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


BOM = b"\xef\xbb\xbf"


def bom_length(path: Path | str, gzip: bool) -> int:
    """3 when the stream starts with a UTF-8 byte order mark, else 0."""
    with ByteStream(path, gzip) as stream:
        return len(BOM) if stream.read(len(BOM)) == BOM else 0


@dataclass(frozen=True)
class Chunk:
    """Whole records: `data` starts at line `first_line` of the file (1-based)."""

    data: bytes
    first_line: int
    final: bool = False  # the last chunk of the stream (may lack a trailing newline)
    newlines: int = -1  # '\n' bytes in data (-1: not counted)
    too_long: int = 0  # > 0: one line of this many bytes, too long to read; `data` is its head

    def count_newlines(self) -> int:
        return self.newlines if self.newlines >= 0 else self.data.count(b"\n")


def last_line_end(data: bytes) -> int:
    """Index just after the last newline in `data`, or 0 when there is none."""
    return data.rfind(b"\n") + 1


def last_record_end(data: bytes, quote: bytes) -> int:
    """Index just after the last newline that is outside quotes (even quote count before it).

    With well-formed quoting ('""' escapes a quote) the parity of quote characters before a
    newline tells whether that newline ends a record. Stray quotes can fool it; readers check
    the result and fall back to a careful parser, so this only has to be right for clean data.
    """
    end = data.rfind(b"\n")
    if quote not in data:
        return end + 1
    quotes = data.count(quote, 0, max(end, 0))
    while end >= 0:
        if quotes % 2 == 0:
            return end + 1
        previous = data.rfind(b"\n", 0, end)
        quotes -= data.count(quote, previous + 1, end)
        end = previous
    return 0


def chunks(
    stream: ByteStream,
    first_line: int = 1,
    quote: bytes | None = None,
    block_bytes: int | None = None,
) -> Iterator[Chunk]:
    """Cut the rest of `stream` into chunks of whole records (lines, or quoted records).

    When no record boundary shows up within `max_pending` bytes (an unclosed quote), the
    chunk is cut at the last newline anyway; the reader's careful parser sorts that out. A
    single line longer than that is not held in memory: it is read past, and comes out as one
    `too_long` chunk holding the line's first LONG_LINE_HEAD bytes, which readers quarantine.
    """
    block_bytes = block_bytes or BLOCK_BYTES  # read at call time: tests shrink it to hit boundaries
    max_pending = 4 * block_bytes
    pending = b""
    line = first_line
    while True:
        block = stream.read(block_bytes)
        if not block:
            if pending:
                stream.newlines += pending.count(b"\n")
                yield Chunk(pending, line, final=True)
            return
        data = pending + block if pending else block
        cut = last_record_end(data, quote) if quote else last_line_end(data)
        if cut == 0 and len(data) > max_pending:
            cut = last_line_end(data)
            if cut == 0:  # one line longer than max_pending: skip to its end
                size, pending, ended = _skip_line(stream, len(data), block_bytes)
                stream.newlines += ended
                yield Chunk(data[:LONG_LINE_HEAD], line, final=not ended, newlines=int(ended), too_long=size)
                if not ended:
                    return
                line += 1
                continue
        if cut == 0:
            pending = data
            continue
        chunk, pending = data[:cut], data[cut:]
        newlines = chunk.count(b"\n")
        stream.newlines += newlines
        yield Chunk(chunk, line, newlines=newlines)
        line += newlines


def _skip_line(stream: ByteStream, size: int, block_bytes: int) -> tuple[int, bytes, bool]:
    """Read past the rest of a line `size` bytes long so far.

    Returns its full length, the bytes read after it, and whether it ended with a newline
    (False: it ran to the end of the stream).
    """
    while True:
        block = stream.read(block_bytes)
        end = block.find(b"\n")
        if end >= 0:
            return size + end + 1, block[end + 1 :], True
        if not block:
            return size, b"", False
        size += len(block)


def split_lines(data: bytes) -> list[bytes]:
    """Lines of `data`, each keeping its '\\n' (only the final one may lack it)."""
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out
