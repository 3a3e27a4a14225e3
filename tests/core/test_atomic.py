import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiflow.tasks.core import atomic


def test_parquet_round_trip(tmp_path):
    table = pa.table({"a": [1, 2, 3], "b": ["x", "y", None]})
    path = atomic.write_parquet(table, tmp_path / "sub" / "part-0.parquet")
    assert pq.read_table(path).equals(table)
    assert [p.name for p in path.parent.iterdir()] == ["part-0.parquet"]


def test_a_failing_writer_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "report.json"
    atomic.write_json({"v": 1}, target)

    class DiskFull(OSError):
        pass

    with pytest.raises(DiskFull):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text('{"v": 2, "trunc')
            raise DiskFull("no space left on device")
    assert target.read_text() == '{\n  "v": 1\n}\n'
    assert list(tmp_path.iterdir()) == [target]


def test_stale_temporaries_are_cleaned(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".tmp-1234-part-0.parquet").write_bytes(b"partial")
    (tmp_path / "a" / "part-1.parquet").write_bytes(b"done")
    assert atomic.clean_stale_temporaries(tmp_path) == 1
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["part-1.parquet"]
