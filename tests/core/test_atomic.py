import errno

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiflow.tasks.core import atomic
from sentiflow.tasks.core.errors import StorageError


def test_parquet_round_trip(tmp_path):
    table = pa.table({"a": [1, 2, 3], "b": ["x", "y", None]})
    path = atomic.write_parquet(table, tmp_path / "sub" / "part-0.parquet")
    assert pq.read_table(path).equals(table)
    assert [p.name for p in path.parent.iterdir()] == ["part-0.parquet"]


def test_a_failing_writer_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "report.json"
    atomic.write_json({"v": 1}, target)

    with pytest.raises(StorageError, match=r"cannot write .*report.json: no space left on device"):
        with atomic.atomic_path(target) as tmp:
            tmp.write_text('{"v": 2, "trunc')
            raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_text() == '{\n  "v": 1\n}\n'
    assert list(tmp_path.iterdir()) == [target]


def test_only_what_the_disk_refuses_becomes_a_storage_error(tmp_path):
    # pyarrow's errors carry no errno: the message tells
    with pytest.raises(StorageError, match="file too large"):
        with atomic.atomic_path(tmp_path / "a.parquet"):
            raise OSError("Error writing bytes to file. Detail: [errno 27] File too large")
    with pytest.raises(PermissionError):  # anything else is raised as it is
        with atomic.atomic_path(tmp_path / "b.parquet"):
            raise PermissionError(errno.EACCES, "Permission denied")


def test_stale_temporaries_are_cleaned(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / ".tmp-1234-part-0.parquet").write_bytes(b"partial")
    (tmp_path / "a" / "part-1.parquet").write_bytes(b"done")
    assert atomic.clean_stale_temporaries(tmp_path) == 1
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["part-1.parquet"]
