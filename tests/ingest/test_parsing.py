"""The parsing core: chunk cuts never split a record, line numbers are exact, the two CSV paths
agree, columns resolve by name or position, and vectorized doc_ids equal make_doc_id."""

from __future__ import annotations

import csv
import hashlib
import io
import random

import numpy as np
import pyarrow as pa
import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.schema import make_doc_id
from sentiflow.tasks.ingest import stream
from sentiflow.tasks.ingest.columns import ColumnSpec, resolve_columns
from sentiflow.tasks.ingest.delimited import _record_lines_from_bytes, record_lines
from sentiflow.tasks.ingest.documents import doc_ids

from .helpers import documents, ingest, only, quarantined, write

PIECES = ["plain", "with, comma", 'a "quote"', "two\nlines", "tab\there", "ünïcödé ✓", "x" * 30, "end\n"]


def random_rows(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [
        [" ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 3))), str(rng.randint(0, 1))] for _ in range(count)
    ]


def expected_lines(rows: list[list[str]], first: int = 2) -> list[int]:
    lines, line = [], first
    for text, _ in rows:
        lines.append(line)
        line += text.count("\n") + 1
    return lines


@pytest.mark.parametrize("block", [37, 256, 1 << 20])
def test_tiny_blocks_never_split_records(home, tmp_path, monkeypatch, block):
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    rows = random_rows(300, seed=block)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    path = write(tmp_path / "r.csv", buf.getvalue())
    result = only(ingest(home, path))
    assert (result["written"], result["quarantined"]) == (300, 0)
    docs = documents(home, "r")
    assert [[d["text"], d["label"]] for d in docs] == rows
    assert [d["origin"] for d in docs] == [f"r.csv:{n}" for n in expected_lines(rows)]


@pytest.mark.parametrize("block", [41, 1 << 20])
def test_bad_lines_cost_one_line_each_at_any_block_size(home, tmp_path, monkeypatch, block):
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    good = [f"row {i},{i % 2}" for i in range(40)]
    lines = good[:10] + ['"unclosed,1'] + good[10:20] + ["a,b,c"] + good[20:]
    path = write(tmp_path / "b.csv", "text,label\r\n" + "\r\n".join(lines) + "\r\n")
    result = only(ingest(home, path))
    assert (result["read"], result["written"], result["quarantined"]) == (42, 40, 2)
    assert [d["text"] for d in documents(home, "b")] == [f"row {i}" for i in range(40)]
    assert [q["origin"] for q in quarantined(home, "b")] == ["b.csv:12", "b.csv:23"]


def test_record_lines_skip_quoted_newlines_and_blank_lines():
    data = b'a,"x\ny"\n\nb,c\r\n\r\n"q""\n",1\n'
    assert _record_lines_from_bytes(data, 3).tolist() == [0, 3, 5]
    assert _record_lines_from_bytes(data, 4) is None  # a count that does not match is refused
    no_blanks = b'a,"x\ny"\nb,c\r\n"q""\n",1\n'
    table = pa.table({"t": [b"a", b"b", b'q"\n'], "l": [b"x\ny", b"c", b"1"]})
    assert record_lines(stream.Chunk(no_blanks, 1), table).tolist() == [0, 2, 3]  # from value newlines


def test_last_record_end_respects_quotes():
    assert stream.last_record_end(b'a,1\n"open\nstill open', b'"') == 4
    assert stream.last_record_end(b'a,1\n"closed\n",2\nb', b'"') == 16
    assert stream.last_record_end(b"no newline", b'"') == 0


def test_headerless_tsv_by_position(home, tmp_path):
    path = write(tmp_path / "train.tsv", "great movie\t1\nawful\t0\n")
    only(ingest(home, path, text="1", label="2"))
    docs = documents(home, "train")
    assert [(d["text"], d["label"], d["origin"]) for d in docs] == [
        ("great movie", "1", "train.tsv:1"),
        ("awful", "0", "train.tsv:2"),
    ]


def test_columns_detected_by_common_names_case_insensitively():
    mapping = resolve_columns(["ID", "Review", "Stars", "created_at"], ColumnSpec(), "f.csv")
    assert (mapping.text, mapping.label, mapping.confidence, mapping.date) == ("Review", "Stars", None, "created_at")
    assert resolve_columns(["a", "b", "c"], ColumnSpec(text="3", label="1"), "f").text == "c"
    with pytest.raises(UserError, match="columns found: a, b"):
        resolve_columns(["a", "b"], ColumnSpec(), "f.csv")


def test_bom_and_duplicate_header_names(home, tmp_path):
    path = write(tmp_path / "bom.csv", "\ufefftext,text,label\nhello,again,1\n".encode("utf-8"))
    result = only(ingest(home, path))
    assert result["columns"]["text"] == "text"
    assert [(d["text"], d["label"]) for d in documents(home, "bom")] == [("hello", "1")]


def test_vectorized_doc_ids_equal_make_doc_id():
    rng = random.Random(7)
    texts = ["", "a", "ünï\x1fcode ✓", "same", "same"] + [
        "".join(rng.choice("ab\n\u00e9") for _ in range(9)) for _ in range(50)
    ]
    origins = [f"f.csv:{i}" for i in range(len(texts))]
    got = doc_ids("src", pa.array(origins), pa.array(texts)).to_pylist()
    assert got == [make_doc_id("src", o, t) for o, t in zip(origins, texts)]
    assert got[3] != got[4]  # repeated text on another line: another document
    assert doc_ids("src", pa.array([], pa.string()), pa.array([], pa.string())).to_pylist() == []


def test_origins_are_built_from_numbers():
    from sentiflow.tasks.ingest.batch import origins

    assert origins("a b.csv", ":", np.array([2, 10])).to_pylist() == ["a b.csv:2", "a b.csv:10"]


@pytest.mark.parametrize(
    "name, header, line",
    [
        ("t.txt", "", "{}"),
        ("j.jsonl", "", '{{"text": "{}", "label": "1"}}'),
        ("c.csv", "text,label\n", "{},1"),
    ],
)
@pytest.mark.parametrize("last", [False, True])
def test_a_line_longer_than_the_read_limit_is_one_quarantined_row(
    home, tmp_path, monkeypatch, name, header, line, last
):
    block = 64
    monkeypatch.setattr(stream, "BLOCK_BYTES", block)
    long_line = line.format("x" * (20 * block))  # past the 4-block limit, with no newline to cut at
    rows = [line.format(f"row {i}") for i in range(3)]
    content = header + "\n".join(rows[:2] + [long_line]) + ("" if last else "\n" + rows[2] + "\n")
    path = write(tmp_path / name, content)
    result = only(ingest(home, path))
    written = 2 if last else 3
    assert (result["read"], result["written"], result["quarantined"]) == (written + 1, written, 1)
    first = 2 if header else 1
    [bad] = quarantined(home, path.stem)
    assert bad["reason"] == "text_too_long" and bad["origin"] == f"{name}:{first + 2}"
    assert f"{len(long_line) + (0 if last else 1):,} bytes" in bad["detail"]
    assert len(bad["raw"]) <= stream.LONG_LINE_HEAD
    assert [d["origin"] for d in documents(home, path.stem)] == [f"{name}:{first + i}" for i in (0, 1, 3)][:written]


def test_vectorized_doc_ids_keep_row_order_across_duckdb_vectors():
    # more rows than DuckDB's 2,048-row vectors, so a reordering between its threads would show
    texts = [f"row {i} {'é' * (i % 7)}" for i in range(9_000)]
    origins = [f"big.tsv:{i + 2}" for i in range(len(texts))]
    got = doc_ids("src", pa.array(origins), pa.array(texts)).to_pylist()
    assert got == [make_doc_id("src", o, t) for o, t in zip(origins, texts)]


def test_doc_id_definition_is_pinned():
    # the README's changelog: ids are the first 16 hex digits of MD5(source, origin, text, each
    # '\x1f'-terminated); they replaced BLAKE2b-64 ids of the same key bytes
    key = "src\x1ff.csv:2\x1fgreat film ✓\x1f".encode()
    assert make_doc_id("src", "f.csv:2", "great film ✓") == hashlib.md5(key).hexdigest()[:16]
    assert make_doc_id("src", "f.csv:2", "great film ✓") != hashlib.blake2b(key, digest_size=8).hexdigest()
    assert make_doc_id("src", "f.csv:2", "great film ✓") == "ae7c777adfabceab"
