"""A corpus of malformed inputs for `sentiflow ingest`, and what each one must lead to.

`make_bad_inputs(folder)` writes every input under `folder` and returns one `BadInput` per
top-level path to hand to the CLI. `expect` says which outcomes are acceptable:
  "error"       the input fails as a whole, with a one-line message naming it
  "quarantine"  the input is ingested and at least `min_quarantined` rows are quarantined
  "rows"        the input is ingested (rows written and/or quarantined, never lost)
  "error_or_rows"  either of the two (e.g. an empty file: a clear error or zero rows)
Nothing here is random at run time: the "random" bytes come from a seeded generator, so a
failure reproduces.

Run it by hand to look at the corpus:  python -m tests.reliability.bad_inputs /tmp/bad
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HUGE_LINE_BYTES = 50 * 1024 * 1024  # the "50 MB single line"


@dataclass(frozen=True)
class BadInput:
    name: str  # file or folder name under the corpus folder (the CLI argument)
    expect: str  # error | quarantine | rows | error_or_rows
    what: str  # one line: what is wrong with it
    min_quarantined: int = 0
    min_written: int = 0  # good rows in the same file that must still be ingested
    unreadable: bool = False  # needs a non-root process to be refused (see test_bad_inputs)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def unbalanced_quotes(path: Path) -> None:
    # the quote opened on line 3 never closes: the rest of the file is one field
    _write(path, _csv("text,label", "fine row,positive", '"never closed,negative', "later row,positive"))


def ragged_rows(path: Path) -> None:
    _write(path, _csv("text,label", "good one,positive", "too,many,fields,here", "lonely", "good two,negative"))


def bom(path: Path) -> None:
    _write(path, b"\xef\xbb\xbf" + _csv("text,label", "with a bom,positive", "second,negative"))


def mixed_encoding(path: Path) -> None:
    # cp1252 bytes (0xe9 = e-acute, 0x93/0x94 = curly quotes) inside an otherwise UTF-8 file
    body = "text,label\ncaf\u00e9 is fine,positive\n".encode("utf-8")
    body += b"caf\xe9 \x93quoted\x94,negative\n"
    body += "na\u00efve utf-8 again,positive\n".encode("utf-8")
    _write(path, body)


def whole_file_cp1252(path: Path) -> None:
    _write(path, "text,label\nd\u00e9j\u00e0 vu,positive\ncr\u00e8me br\u00fbl\u00e9e,negative\n".encode("cp1252"))


def nul_bytes(path: Path) -> None:
    _write(path, b"text,label\nclean row,positive\nnul\x00inside,negative\n\x00\x00\x00,positive\n")


def huge_single_line(path: Path) -> None:
    # one 50 MB line, no newline at all: a text far over SENTIFLOW_MAX_TEXT_CHARS
    with open(path, "wb") as fh:
        chunk = b"a" * (1 << 20)
        for _ in range(HUGE_LINE_BYTES // len(chunk)):
            fh.write(chunk)


def empty(path: Path) -> None:
    _write(path, b"")


def header_only(path: Path) -> None:
    _write(path, b"text,label\n")


def binary_as_csv(path: Path) -> None:
    _write(path, random.Random(8).randbytes(64 * 1024))


def truncated_gzip(path: Path) -> None:
    # 48 MB of ~2 KB rows, gzipped (~0.5 MB) and cut at 90%: readers take 16 MiB blocks, so
    # two whole blocks (~16,000 rows; with small shards, several shards) come before the cut
    filler = "a long and lovely film " * 90
    rows = "".join(f"{i} {filler},positive\n" for i in range(24_000))
    data = gzip.compress(("text,label\n" + rows).encode(), compresslevel=1)
    _write(path, data[: len(data) * 9 // 10])


def not_gzip(path: Path) -> None:
    _write(path, _csv("text,label", "plain text, not gzip,positive"))


def jsonl_bad_line(path: Path) -> None:
    lines = [
        json.dumps({"text": "good json", "label": "positive"}),
        '{"text": "cut off',
        "[1, 2, 3]",
        json.dumps({"text": "good again", "label": "negative"}),
    ]
    _write(path, ("\n".join(lines) + "\n").encode())


def parquet_wrong_schema(path: Path) -> None:
    pq.write_table(pa.table({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}), path)


def parquet_truncated(path: Path) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"text": ["one", "two"], "label": ["positive", "negative"]}), sink)
    _write(path, sink.getvalue()[:-20])  # footer cut off


def unexpected_labels(path: Path) -> None:
    _write(path, _csv("text,label", "ok,positive", "odd one,maybe", "numeric,42", "blank label,", "emoji,\U0001f600"))


def no_text_column(path: Path) -> None:
    _write(path, _csv("foo,bar", "1,2", "3,4"))


def symlink_loop(path: Path) -> None:
    # a folder whose child links back to it, plus a file link that points at itself
    path.mkdir()
    (path / "again").symlink_to(path, target_is_directory=True)
    (path / "self.csv").symlink_to(path / "self.csv")


def unreadable(path: Path) -> None:
    _write(path, _csv("text,label", "secret,positive"))
    path.chmod(0)


# name, builder, expectation
BUILDERS: list[tuple[BadInput, Callable[[Path], None]]] = [
    (BadInput("unbalanced_quotes.csv", "rows", "a quote that never closes", min_written=1), unbalanced_quotes),
    (
        BadInput(
            "ragged_rows.csv", "quarantine", "rows with too many and too few fields", min_quarantined=2, min_written=2
        ),
        ragged_rows,
    ),
    (BadInput("bom.csv", "rows", "UTF-8 byte order mark before the header", min_written=2), bom),
    (BadInput("mixed_encoding.csv", "rows", "cp1252 bytes inside UTF-8", min_written=3), mixed_encoding),
    (BadInput("cp1252_file.csv", "rows", "a whole file in cp1252", min_written=2), whole_file_cp1252),
    (BadInput("nul_bytes.csv", "quarantine", "NUL bytes in two rows", min_quarantined=2, min_written=1), nul_bytes),
    (BadInput("huge_line.txt", "error_or_rows", "one 50 MB line", min_quarantined=1), huge_single_line),
    (BadInput("empty.csv", "error_or_rows", "zero bytes"), empty),
    (BadInput("header_only.csv", "error_or_rows", "a header and no rows"), header_only),
    (BadInput("binary.csv", "error_or_rows", "64 KiB of random bytes named .csv"), binary_as_csv),
    (BadInput("truncated.csv.gz", "error", "gzip cut in half"), truncated_gzip),
    (BadInput("not_gzip.csv.gz", "error", "plain text named .gz"), not_gzip),
    (
        BadInput(
            "bad_line.jsonl", "quarantine", "one cut-off line and one non-object line", min_quarantined=2, min_written=2
        ),
        jsonl_bad_line,
    ),
    (BadInput("wrong_schema.parquet", "error", "Parquet without a text column"), parquet_wrong_schema),
    (BadInput("truncated.parquet", "error", "Parquet with its footer cut off"), parquet_truncated),
    (BadInput("odd_labels.csv", "rows", "labels outside the sentiment classes", min_written=4), unexpected_labels),
    (BadInput("no_text_column.csv", "error", "no column that looks like text"), no_text_column),
    (BadInput("symlink_loop", "error", "a folder with a symlink loop and a self-link"), symlink_loop),
    (BadInput("unreadable.csv", "error", "no read permission", unreadable=True), unreadable),
]

GOOD_ROWS = ["a perfectly fine review,positive", "a dreadful one,negative", "middling at best,negative"]


def make_good_input(folder: Path) -> Path:
    path = folder / "good.csv"
    _write(path, _csv("text,label", *GOOD_ROWS))
    return path


def make_bad_inputs(folder: Path, include_huge: bool = True) -> list[BadInput]:
    """Write the corpus under `folder` (which must exist); returns what was written."""
    made = []
    for spec, build in BUILDERS:
        if spec.name == "huge_line.txt" and not include_huge:
            continue
        build(folder / spec.name)
        made.append(spec)
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bad-inputs")
    out.mkdir(parents=True, exist_ok=True)
    for spec in make_bad_inputs(out):
        print(f"{spec.name:28} expect {spec.expect:14} {spec.what}")
    print(f"{make_good_input(out).name:28} expect {'rows':14} three good rows", file=sys.stdout)
    os.sync()
