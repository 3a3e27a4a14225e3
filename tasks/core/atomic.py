"""Atomic writes: a temporary file in the target folder, fsync, then a rename.

Readers never see a partial file: a shard either exists whole or not at all. Temporary files
start with '.tmp-' so readers (and pyarrow datasets) ignore them. A write the disk refuses
(full, quota, file-size limit) becomes a one-line StorageError naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.errors import StorageError

TMP_PREFIX = ".tmp-"
# Write failures that retrying cannot fix. pyarrow raises OSError without errno, so its
# message is matched too.
DISK_REFUSALS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large",
    errno.EROFS: "read-only file system",
}


def disk_refusal(exc: BaseException) -> str | None:
    """What the disk refused ('no space left on device'...) when `exc` is such a failure."""
    if not isinstance(exc, OSError):
        return None
    if exc.errno in DISK_REFUSALS:
        return DISK_REFUSALS[exc.errno]
    text = str(exc).lower()
    return next((reason for reason in DISK_REFUSALS.values() if reason in text), None)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it over `path` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        yield tmp
        if tmp.is_file():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        reason = disk_refusal(exc)
        if reason is None:
            raise
        raise StorageError(
            f"cannot write {path}: {reason}; free space (or raise the limit) under "
            f"{path.parent} and run the command again: nothing partial was kept"
        ) from exc
    finally:
        if tmp.exists():
            if tmp.is_dir():
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()


def write_parquet(table: pa.Table, path: Path, compression: str = "zstd") -> Path:
    """Write one Parquet file atomically."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression=compression)
    return path


def write_text(text: str, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(obj: Any, path: Path) -> Path:
    return write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", path)


def clean_stale_temporaries(folder: Path) -> int:
    """Remove temporaries a killed writer left behind; returns how many were removed."""
    if not folder.exists():
        return 0
    removed = 0
    for tmp in folder.rglob(f"{TMP_PREFIX}*"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed
