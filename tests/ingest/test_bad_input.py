"""Bad input never loses a row: each bad-row class is quarantined with its reason and origin,
invalid UTF-8 is repaired and counted, and problems that stop a file are one clear line."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sentiflow.tasks.ingest import stream
from sentiflow.tasks.ingest.batch import REASONS

from .helpers import documents, ingest, only, quarantined, write


def reasons(home, source):
    return [(q["origin"], q["reason"]) for q in quarantined(home, source)]


def test_malformed_csv_rows_are_quarantined_with_their_line(home, tmp_path):
    path = write(
        tmp_path / "bad.csv",
        (
            "text,label\n"
            "good one,1\n"
            "too,many,fields\n"  # line 3: wrong field count
            '"spans\ntwo lines",0\n'  # lines 4-5: fine
            "\n"  # a blank line is not a row
            "missing label\n"  # line 7: wrong field count
            '"never closed,1\n'  # line 8: broken quoting
            "after the break,0\n"  # line 9: read again after the broken line
        ),
    )
    result = only(ingest(home, path))
    assert (result["read"], result["written"], result["quarantined"]) == (6, 3, 3)
    assert result["quarantined_by_reason"] == {"malformed_row": 3}
    assert [d["origin"] for d in documents(home, "bad")] == ["bad.csv:2", "bad.csv:4", "bad.csv:9"]
    rows = quarantined(home, "bad")
    assert [(q["origin"], q["reason"]) for q in rows] == [
        ("bad.csv:3", "malformed_row"),
        ("bad.csv:7", "malformed_row"),
        ("bad.csv:8", "malformed_row"),
    ]
    assert rows[0]["raw"] == "too,many,fields" and "expected 2 fields, found 3" in rows[0]["detail"]
    assert "broken quoting" in rows[2]["detail"] and rows[2]["source"] == "bad"


@pytest.mark.parametrize("tail", ['"open to the end\n', '"open to the end'])
def test_quote_left_open_at_the_end_of_a_one_column_file(home, tmp_path, tail):
    path = write(tmp_path / "one.csv", "text\nfine\n" + tail)
    result = only(ingest(home, path))
    assert (result["written"], result["quarantined_by_reason"]) == (1, {"malformed_row": 1})
    assert [q["origin"] for q in quarantined(home, "one")] == ["one.csv:3"]


def test_invalid_json_lines_are_quarantined(home, tmp_path):
    path = write(
        tmp_path / "events.jsonl",
        (
            '{"text": "ok", "label": 1}\n'
            '{"text": "broken",\n'
            "\n"
            '["not", "an", "object"]\n'
            '{"text": "also ok", "label": "pos"}\n'
        ),
    )
    result = only(ingest(home, path))
    assert result["quarantined_by_reason"] == {"invalid_json": 2}
    assert [(d["text"], d["label"], d["origin"]) for d in documents(home, "events")] == [
        ("ok", "1", "events.jsonl:1"),
        ("also ok", "pos", "events.jsonl:5"),
    ]
    assert reasons(home, "events") == [("events.jsonl:2", "invalid_json"), ("events.jsonl:4", "invalid_json")]


def test_text_checks_quarantine_with_reasons(home, tmp_path):
    path = write(
        tmp_path / "t.tsv",
        (
            "text\tlabel\tconfidence\tdate\n"
            "fine\t1\t0.5\t2024-01-01\n"
            "   \t1\t\t\n"  # whitespace only
            "\t0\t\t\n"  # empty
            f"{'x' * 41}\t1\t\t\n"  # over the limit
            "nul\x00byte\t1\t\t\n"
            "sure\t1\thigh\t\n"  # confidence that is not a number
            "when\t1\t\tnot a date\n"
        ),
    )
    result = only(ingest(home, path, max_text_chars=40))
    assert result["written"] == 1
    assert result["quarantined_by_reason"] == {
        "empty_text": 2,
        "text_too_long": 1,
        "nul_bytes": 1,
        "invalid_confidence": 1,
        "invalid_date": 1,
    }
    assert reasons(home, "t") == [
        ("t.tsv:3", "empty_text"),
        ("t.tsv:4", "empty_text"),
        ("t.tsv:5", "text_too_long"),
        ("t.tsv:6", "nul_bytes"),
        ("t.tsv:7", "invalid_confidence"),
        ("t.tsv:8", "invalid_date"),
    ]
    detail = {q["reason"]: q["detail"] for q in quarantined(home, "t")}
    assert "41 characters > 40" in detail["text_too_long"]
    assert "'high'" in detail["invalid_confidence"]
    assert set(result["quarantined_by_reason"]) <= set(REASONS)


def test_quarantine_is_written_in_shards_bounded_by_size(home, tmp_path, monkeypatch):
    from sentiflow.tasks.ingest import writer

    monkeypatch.setattr(writer, "QUARANTINE_SHARD_BYTES", 40_000)  # about 8 of the 5,000-char rows below
    monkeypatch.setattr(stream, "BLOCK_BYTES", 12_000)  # a few rows a batch
    lines = [f'{{"text": "{i} {"y" * 5_000}", broken' for i in range(30)]
    path = write(tmp_path / "allbad.jsonl", "\n".join(lines) + "\n")
    result = only(ingest(home, path))
    assert (result["read"], result["written"], result["quarantined"]) == (30, 0, 30)
    shards = list(home.source_quarantine("allbad").glob("*.parquet"))
    assert len(shards) >= 3  # flushed as it went, not held until the end
    assert sorted(q["origin"] for q in quarantined(home, "allbad")) == sorted(
        f"allbad.jsonl:{i + 1}" for i in range(30)
    )


def test_invalid_utf8_is_repaired_and_counted(home, tmp_path):
    path = write(tmp_path / "latin.csv", b"text,label\ncaf\xe9 au lait,1\nplain,0\n")
    result = only(ingest(home, path))
    assert (result["written"], result["quarantined"], result["repaired"]) == (2, 0, 1)
    assert [d["text"] for d in documents(home, "latin")] == ["caf\ufffd au lait", "plain"]


def test_empty_lines_in_txt_are_quarantined_as_empty_text(home, tmp_path):
    path = write(tmp_path / "lines.txt", "one\n\n  \ntwo\n")
    result = only(ingest(home, path))
    assert (result["read"], result["written"]) == (4, 2)
    assert reasons(home, "lines") == [("lines.txt:2", "empty_text"), ("lines.txt:3", "empty_text")]


def errors_for(home, *inputs, **options):
    result = ingest(home, *inputs, **options)
    return [f["error"] for f in result["failures"]]


def test_errors_that_stop_a_file_name_it_and_say_what_to_do(home, tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "notes.md", "# not data")
    write(tmp_path / "data.xml", "<a/>")
    write(tmp_path / "cols.csv", "id,payload\n1,hello\n")
    write(tmp_path / "ok.csv", "text\nhello\n")
    [missing] = errors_for(home, tmp_path / "nope.csv")
    assert "nope.csv: no such file or folder" in missing
    [empty] = errors_for(home, tmp_path / "empty")
    assert "the folder has no supported files" in empty and "--format" in empty
    [unknown] = errors_for(home, tmp_path / "data.xml")
    assert "data.xml: unknown format" in unknown and "--format" in unknown
    [no_text] = errors_for(home, tmp_path / "cols.csv")
    assert "cols.csv" in no_text and "columns found: id, payload" in no_text and "--text-column" in no_text
    [no_label] = errors_for(home, tmp_path / "ok.csv", label="stars")
    assert "ok.csv" in no_label and "label column 'stars'" in no_label and "columns found: text" in no_label
    assert all("\n" not in e for e in (missing, empty, unknown, no_text, no_label))


def test_corrupt_files_are_one_line_and_leave_the_lake_as_it_was(home, tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 64 << 10)  # several chunks (and shards) before the damage
    rows = "".join(f"row {i * 7919 % 100003} {i}\n" for i in range(200_000)).encode()
    compressed = gzip.compress(b"text\n" + rows)
    gz = write(tmp_path / "cut.csv.gz", compressed[: len(compressed) * 3 // 4])  # a truncated download
    fake = write(tmp_path / "fake.parquet", "not parquet at all")
    [cut] = errors_for(home, gz, shard_rows=1000)
    assert "cut.csv.gz: cannot be read past byte" in cut and "\n" not in cut
    assert not list(home.source_documents("cut").glob("*.parquet"))  # no half-ingested rows
    [bad] = errors_for(home, fake)
    assert "fake.parquet: not a readable Parquet file" in bad


def test_good_inputs_are_ingested_next_to_bad_ones(home, tmp_path):
    good = write(tmp_path / "good.csv", "text\nfine\n")
    result = ingest(home, tmp_path / "missing.csv", good, tmp_path / "missing2.jsonl")
    assert [f["name"] for f in result["files"]] == ["good.csv"]
    assert len(result["failures"]) == 2
    assert [d["text"] for d in documents(home, "good")] == ["fine"]


def test_unreadable_file_is_one_line():
    # Not tmp_path: pytest's base folder is private (0700), and the check runs as another user.
    with tempfile.TemporaryDirectory(prefix="sentiflow-perm-") as folder:
        os.chmod(folder, 0o755)
        path = write(Path(folder) / "secret.csv", "text\nhidden\n")
        path.chmod(0)
        _check_unreadable(path)


def _check_unreadable(path: Path) -> None:
    code = (
        "from sentiflow.tasks.ingest.inputs import plan_inputs;"
        f"print(plan_inputs([{str(path)!r}]).failures[0]['error'])"
    )
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:  # root reads anything: check as an unprivileged user
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"{path}: permission denied; make it readable (chmod +r) or run as its owner"


@pytest.mark.parametrize("text,label", [("1", "name"), ("text", "2")])
def test_mixing_names_and_positions_is_refused(home, tmp_path, text, label):
    path = write(tmp_path / "m.csv", "text,name\na,b\n")
    [error] = errors_for(home, path, text=text, label=label)
    assert "not a mix" in error


def test_same_name_twice_in_one_source_is_refused(home, tmp_path):
    a = write(tmp_path / "a" / "train.csv", "text\none\n")
    b = write(tmp_path / "b" / "train.csv", "text\ntwo\n")
    result = ingest(home, a, b, source="s")
    assert [f["input"] for f in result["files"]] == [str(a)]
    [error] = [f["error"] for f in result["failures"]]
    assert "another input named 'train.csv'" in error and "--source" in error


def test_a_unit_being_ingested_elsewhere_is_refused(home, tmp_path):
    from sentiflow.tasks.ingest.inputs import plan_inputs
    from sentiflow.tasks.ingest.manifest import Manifest

    path = write(tmp_path / "busy.csv", "text\nx\n")
    [unit] = plan_inputs([str(path)]).units
    with Manifest(home, unit).locked():  # as another process would hold it
        [error] = errors_for(home, path)
    assert "is being ingested into source 'busy' by another process" in error
    assert only(ingest(home, path))["written"] == 1  # and once released it goes ahead
