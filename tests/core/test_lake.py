from datetime import UTC, datetime

import pyarrow as pa
import pytest

from sentiflow.tasks.core import lake
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA, make_doc_id


def docs(source: str, texts: list[str]) -> pa.Table:
    now = datetime.now(UTC)
    rows = [
        {
            "doc_id": make_doc_id(source, f"f.txt:{i}", t),
            "text": t,
            "label": None,
            "label_confidence": None,
            "source": source,
            "split": None,
            "created_at": None,
            "ingested_at": now,
            "origin": f"f.txt:{i}",
        }
        for i, t in enumerate(texts, start=1)
    ]
    return pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def test_doc_id_is_stable_and_row_specific():
    assert make_doc_id("s", "f:1", "hi") == make_doc_id("s", "f:1", "hi")
    assert make_doc_id("s", "f:1", "hi") != make_doc_id("s", "f:2", "hi")
    assert len(make_doc_id("s", "f:1", "hi")) == 16


def test_shards_round_trip_per_source(home):
    lake.write_documents_shard(home, docs("a", ["one", "two"]), "part-0.parquet")
    lake.write_documents_shard(home, docs("b", ["three"]), "part-0.parquet")
    assert lake.list_sources(home) == ["a", "b"]
    assert sorted(lake.read_documents(home).column("text").to_pylist()) == ["one", "three", "two"]
    assert lake.read_documents(home, ["b"]).column("text").to_pylist() == ["three"]


def test_partial_shards_are_invisible(home):
    lake.write_documents_shard(home, docs("a", ["one"]), "part-0.parquet")
    (home.source_documents("a") / ".tmp-abc-part-1.parquet").write_bytes(b"PAR1 partial")
    assert lake.read_documents(home).num_rows == 1


def test_empty_lake_and_unknown_source_are_user_errors(home):
    with pytest.raises(UserError, match="lake .* is empty"):
        lake.read_documents(home)
    lake.write_documents_shard(home, docs("a", ["one"]), "part-0.parquet")
    with pytest.raises(UserError, match="no documents for source.*nope.*known: a"):
        lake.read_documents(home, ["nope"])


def test_a_shard_holds_one_source(home):
    mixed = pa.concat_tables([docs("a", ["x"]), docs("b", ["y"])])
    with pytest.raises(ValueError):
        lake.write_documents_shard(home, mixed, "part-0.parquet")


def test_shards_are_visible_only_once_a_manifest_lists_them(home):
    # what a killed ingest leaves: a finished shard file that no manifest lists yet
    lake.write_shard_file(home, docs("a", ["half of a file"]), "part-unit-g001-00000.parquet")
    assert lake.list_sources(home) == []
    with pytest.raises(UserError, match="is empty"):
        lake.read_documents(home)
    lake.write_documents_shard(home, docs("a", ["committed"]), "part-other.parquet")
    assert lake.read_documents(home).column("text").to_pylist() == ["committed"]
    # the ingest that finishes the file commits its shards with its manifest
    (home.manifests / "source=a" / "unit.json").write_text('{"shards": ["part-unit-g001-00000.parquet"]}')
    assert sorted(lake.read_documents(home).column("text").to_pylist()) == ["committed", "half of a file"]
