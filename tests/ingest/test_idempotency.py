"""Idempotency and accounting: re-ingesting adds nothing, growth adds only new rows, rewrites
replace, a killed run's leftovers are cleaned, and read = written + quarantined + skipped."""

from __future__ import annotations

import gzip
import json
import os

import pytest

from sentiflow.tasks.ingest.inputs import plan_inputs
from sentiflow.tasks.ingest.manifest import AccountingError, Counts, Manifest

from .helpers import documents, ingest, only, quarantined, write


def identity(result):
    return result["read"] == result["written"] + result["quarantined"] + result["already_ingested"]


def test_same_file_twice_adds_nothing(home, tmp_path):
    path = write(tmp_path / "r.csv", "text,label\na,1\nb,0\nbad,row,here\na,1\n")
    first = only(ingest(home, path))
    before = documents(home, "r")
    second = only(ingest(home, path))
    assert first["status"] == "new" and second["status"] == "unchanged"
    assert (second["read"], second["written"], second["quarantined"], second["already_ingested"]) == (4, 0, 0, 4)
    assert documents(home, "r") == before
    assert len(before) == 3 and len(quarantined(home, "r")) == 1
    # repeated texts stay separate documents with different ids (different lines)
    assert len({d["doc_id"] for d in before}) == 3
    assert identity(first) and identity(second)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_appended_file_adds_only_new_rows(home, tmp_path, gz):
    path = tmp_path / ("log.csv.gz" if gz else "log.csv")
    write(path, "text,label\none,1\ntwo,0\n", gz=gz)
    only(ingest(home, path))
    ids_before = {d["doc_id"] for d in documents(home, "log")}
    with open(path, "ab") as fh:  # a second gzip member decompresses as a continuation
        more = b'three,1\n"four\nlines",0\nbroken,row,x\n'
        fh.write(gzip.compress(more) if gz else more)
    grown = only(ingest(home, path))
    assert grown["status"] == "grown"
    assert (grown["read"], grown["written"], grown["quarantined"], grown["already_ingested"]) == (5, 2, 1, 2)
    docs = documents(home, "log")
    assert [d["text"] for d in docs] == ["one", "two", "three", "four\nlines"]
    assert [d["origin"] for d in docs][2:] == ["log.csv:4", "log.csv:5"]
    assert ids_before <= {d["doc_id"] for d in docs}
    again = only(ingest(home, path))
    assert (again["status"], again["written"], again["already_ingested"]) == ("unchanged", 0, 5)


def test_appended_jsonl_continues_line_numbers(home, tmp_path):
    path = write(tmp_path / "e.jsonl", '{"text": "a"}\n{"text": "b"}\n')
    only(ingest(home, path))
    with open(path, "a") as fh:
        fh.write('{"text": "c"}\n')
    only(ingest(home, path))
    assert [d["origin"] for d in documents(home, "e")] == ["e.jsonl:1", "e.jsonl:2", "e.jsonl:3"]


def test_rewritten_file_replaces_its_rows(home, tmp_path):
    path = write(tmp_path / "r.tsv", "text\tlabel\nkeep\t1\nold\t0\n")
    only(ingest(home, path))
    keep_id = documents(home, "r")[0]["doc_id"]
    write(path, "text\tlabel\nkeep\t1\nnew\t1\n")
    replaced = only(ingest(home, path))
    assert (replaced["status"], replaced["written"], replaced["already_ingested"]) == ("replaced", 2, 0)
    docs = documents(home, "r")
    assert [d["text"] for d in docs] == ["keep", "new"]
    assert docs[0]["doc_id"] == keep_id  # same row of the same file: same id
    assert len(list(home.source_documents("r").glob("part-*"))) == 1  # the old shard is gone


def test_touched_but_identical_file_adds_nothing(home, tmp_path):
    path = write(tmp_path / "t.txt", "x\ny\n")
    only(ingest(home, path))
    os.utime(path, ns=(1, 1))
    result = only(ingest(home, path))
    assert (result["status"], result["written"], result["already_ingested"]) == ("unchanged", 0, 2)


def test_folder_of_txt_grows_by_new_files(home, tmp_path):
    root = tmp_path / "reviews"
    write(root / "pos" / "a.txt", "good")
    only(ingest(home, root))
    write(root / "neg" / "b.txt", "bad")
    grown = only(ingest(home, root))
    assert (grown["status"], grown["written"], grown["already_ingested"]) == ("grown", 1, 1)
    assert sorted((d["text"], d["label"]) for d in documents(home, "reviews")) == [("bad", "neg"), ("good", "pos")]
    assert only(ingest(home, root))["status"] == "unchanged"


def test_killed_run_leftovers_are_removed_on_the_next_run(home, tmp_path):
    path = write(tmp_path / "k.csv", "text\na\nb\n")
    only(ingest(home, path))
    [unit] = plan_inputs([str(path)]).units
    prefix = Manifest(home, unit).shard_prefix()
    folder = home.source_documents("k")
    orphan = folder / f"{prefix}g009-00000.parquet"  # a shard no manifest lists
    temp = folder / f".tmp-deadbeef-{prefix}g009-00001.parquet"
    other = folder / "part-someone-else-00000.parquet"
    for p in (orphan, temp, other):
        p.write_bytes((folder / next(iter(os.listdir(folder)))).read_bytes())
    only(ingest(home, path))
    assert not orphan.exists() and not temp.exists()
    assert other.exists()  # another unit's shard is left alone


def test_manifest_stores_the_accounting(home, tmp_path):
    path = write(tmp_path / "m.jsonl", '{"text": "a"}\nnot json\n{"text": ""}\n')
    only(ingest(home, path))
    [unit] = plan_inputs([str(path)]).units
    entry = Manifest(home, unit).load()
    assert entry is not None
    assert (entry.totals.read, entry.totals.written, entry.totals.quarantined) == (3, 1, 2)
    assert entry.totals.by_reason == {"invalid_json": 1, "empty_text": 1}
    assert entry.last_run.read == entry.last_run.written + entry.last_run.quarantined + entry.last_run.already_ingested
    saved = json.loads(Manifest(home, unit).path.read_text())
    assert saved["prefix_bytes"] == path.stat().st_size and saved["next_line"] == 4


def test_accounting_identity_is_enforced():
    Counts(read=5, written=3, quarantined=1, already_ingested=1, by_reason={"empty_text": 1}).check("ok")
    with pytest.raises(AccountingError, match="read 5 != written 3"):
        Counts(read=5, written=3, quarantined=1).check("bad")
    with pytest.raises(AccountingError, match="reasons"):
        Counts(read=4, written=3, quarantined=1).check("reasons")
