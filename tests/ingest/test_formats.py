"""Round trips: every input format (and its .gz) lands in the lake with texts, labels, origins."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA, make_doc_id
from sentiflow.tasks.ingest.formats import detect_format

from .helpers import documents, ingest, only, write

ROWS = [
    ("a fine, quoted film", "pos"),
    ('she said "wow"\nand left', "neg"),
    ("plain words", "pos"),
]


def _csv(delimiter: str) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = [f"text{delimiter}label"] + [f"{quote(t)}{delimiter}{label}" for t, label in ROWS]
    return "\n".join(lines) + "\n"


def _jsonl() -> str:
    return "".join(json.dumps({"review": t, "sentiment": label}) + "\n" for t, label in ROWS)


def _parquet_bytes() -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"text": [t for t, _ in ROWS], "label": [label for _, label in ROWS]}), sink)
    return sink.getvalue().to_pybytes()


CASES = {
    "data.csv": (_csv(","), ["2", "3", "5"]),  # the quoted newline makes row 3 start on line 5
    "data.tsv": (_csv("\t"), ["2", "3", "5"]),
    "data.jsonl": (_jsonl(), ["1", "2", "3"]),
    "data.ndjson": (_jsonl(), ["1", "2", "3"]),
    "data.parquet": (_parquet_bytes(), ["1", "2", "3"]),
}


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trip(home, tmp_path, name, gz):
    content, lines = CASES[name]
    path = write(tmp_path / (name + (".gz" if gz else "")), content, gz=gz)
    result = only(ingest(home, path, source="s"))
    assert (result["read"], result["written"], result["quarantined"]) == (3, 3, 0)
    docs = documents(home, "s")
    assert [(d["text"], d["label"]) for d in docs] == ROWS
    sep = "#" if name.endswith(".parquet") else ":"
    assert [d["origin"] for d in docs] == [f"{name}{sep}{n}" for n in lines]
    assert all(d["doc_id"] == make_doc_id("s", d["origin"], d["text"]) for d in docs)
    assert all(d["source"] == "s" and d["split"] is None and d["ingested_at"] for d in docs)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_txt_one_document_per_line(home, tmp_path, gz):
    path = write(tmp_path / ("notes.txt" + (".gz" if gz else "")), "first line\r\nsecond line\nthird\n", gz=gz)
    result = only(ingest(home, path))
    assert result["source"] == "notes" and result["written"] == 3
    docs = documents(home, "notes")
    assert [(d["text"], d["origin"], d["label"]) for d in docs] == [
        ("first line", "notes.txt:1", None),
        ("second line", "notes.txt:2", None),
        ("third", "notes.txt:3", None),
    ]


def test_folder_of_txt_files_labelled_by_parent_folder(home, tmp_path):
    root = tmp_path / "aclImdb" / "train"
    write(root / "pos" / "1_9.txt", "A joy.\nTwo lines in one review.")
    write(root / "neg" / "2_1.txt", "Dreadful.")
    write(root / "neg" / "3_2.txt.gz", "Compressed and bad.", gz=True)
    write(root / "README.txt", "unlabelled, directly in the folder")
    write(root / "labeledBow.feat", "0:1 2:3")  # not a supported extension: skipped, and listed
    result = ingest(home, root, source="imdb")
    assert not result["failures"]
    [folder] = result["files"]
    assert folder["format"] == "txt-folder" and folder["written"] == 4
    docs = {d["origin"]: (d["text"], d["label"]) for d in documents(home, "imdb")}
    assert docs == {
        "train/pos/1_9.txt": ("A joy.\nTwo lines in one review.", "pos"),
        "train/neg/2_1.txt": ("Dreadful.", "neg"),
        "train/neg/3_2.txt.gz": ("Compressed and bad.", "neg"),
        "train/README.txt": ("unlabelled, directly in the folder", None),
    }


def test_folder_mixing_formats_ingests_each_file(home, tmp_path):
    inbox = tmp_path / "inbox"
    write(inbox / "a.csv", "text,label\nfrom csv,1\n")
    write(inbox / "b.jsonl.gz", '{"text": "from jsonl", "label": 0}\n', gz=True)
    result = ingest(home, inbox, source="box")
    assert sorted(f["name"] for f in result["files"]) == ["inbox/a.csv", "inbox/b.jsonl"]
    assert sorted((d["text"], d["label"]) for d in documents(home, "box")) == [("from csv", "1"), ("from jsonl", "0")]


def test_format_override_and_gzip_magic(home, tmp_path):
    path = tmp_path / "export.dat"
    path.write_bytes(gzip.compress(b"text\thelpful\nnice\t1\n"))
    assert detect_format(path, "tsv").gzip  # compressed content is recognised without a .gz name
    result = only(ingest(home, path, fmt="tsv", source="x", label="helpful"))
    assert result["format"] == "tsv"
    assert [(d["text"], d["label"]) for d in documents(home, "x")] == [("nice", "1")]


def test_split_tag_dates_and_confidence(home, tmp_path):
    path = write(
        tmp_path / "t.csv",
        "tweet,polarity,confidence,created_at\n"
        "hi,positive,0.9,2024-05-01T10:00:00Z\n"
        "yo,negative,,Wed Oct 10 20:19:24 +0000 2018\n",
    )
    only(ingest(home, path, split="test"))
    docs = documents(home, "t")
    assert [d["split"] for d in docs] == ["test", "test"]
    assert [d["label_confidence"] for d in docs] == [0.9, None]
    assert [d["created_at"].isoformat() for d in docs] == ["2024-05-01T10:00:00+00:00", "2018-10-10T20:19:24+00:00"]


def test_shards_are_bounded_zstd_parquet_with_the_canonical_schema(home, tmp_path):
    path = write(tmp_path / "many.txt", "".join(f"line {i}\n" for i in range(25)))
    only(ingest(home, path, shard_rows=10))
    shards = sorted(home.source_documents("many").glob("part-*.parquet"))
    assert len(shards) == 3
    for shard in shards:
        meta = pq.ParquetFile(shard).metadata
        assert meta.num_rows <= 10
        assert meta.row_group(0).column(0).compression == "ZSTD"
        assert pq.read_schema(shard).remove_metadata() == DOCUMENT_SCHEMA
    assert not list(home.source_documents("many").glob(".tmp-*"))
