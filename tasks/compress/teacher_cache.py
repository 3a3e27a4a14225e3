"""A teacher's probabilities over a transfer set, computed once, in resumable shards.

    runs/teacher-targets/KEY/shard-NNNNN.parquet   rows and calibrated probabilities
    runs/teacher-targets/KEY/shard-NNNNN.json      its completion marker, written after it

KEY hashes the teacher (id, creation time, temperature) and the texts it covers (one part of a
transfer set: teaching.teacher_targets caches each part on its own), so the next student
distilled from the same teacher on a set with the same part reads the cache instead of running
the teacher again, and a changed teacher or changed texts never read stale targets.
As scoring does (tasks/score/shards.py), each shard is written atomically and its marker last:
a killed run loses at most the shard in progress, and the next run scores only the shards whose
marker is missing or does not match (a marker names the shard's row range and texts' hash).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sentiflow.tasks.core.atomic import clean_stale_temporaries, write_json, write_parquet
from sentiflow.tasks.core.home import Home

SHARD_ROWS = 2_048  # texts per shard: a few seconds of a base-sized teacher on 2 CPU cores
Score = Callable[[list[str]], np.ndarray]  # texts -> calibrated probabilities (rows x labels)


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


@dataclass(frozen=True)
class ShardMarker:
    start: int
    stop: int
    texts_sha256: str
    teacher: str
    labels: list[str]


@dataclass
class CacheReport:
    key: str
    folder: str
    shards: int
    reused_shards: int
    scored_shards: int
    scored_rows: int

    def to_json(self) -> dict:
        return asdict(self)


class TeacherCache:
    """The shards of one teacher over one list of texts (a part of a transfer set)."""

    def __init__(self, home: Home, teacher_fingerprint: str, texts: Sequence[str], labels: list[str]) -> None:
        self.teacher, self.texts, self.labels = teacher_fingerprint, list(texts), list(labels)
        blob = json.dumps([teacher_fingerprint, self.labels, texts_digest(self.texts)])
        self.key = hashlib.sha256(blob.encode()).hexdigest()[:20]
        self.folder: Path = home.runs / "teacher-targets" / self.key

    def ranges(self, shard_rows: int = SHARD_ROWS) -> list[tuple[int, int]]:
        return [(start, min(start + shard_rows, len(self.texts))) for start in range(0, len(self.texts), shard_rows)]

    def _paths(self, index: int) -> tuple[Path, Path]:
        return self.folder / f"shard-{index:05d}.parquet", self.folder / f"shard-{index:05d}.json"

    def _marker(self, start: int, stop: int) -> ShardMarker:
        return ShardMarker(start, stop, texts_digest(self.texts[start:stop]), self.teacher, self.labels)

    def is_done(self, index: int, start: int, stop: int) -> bool:
        data, marker = self._paths(index)
        if not (data.is_file() and marker.is_file()):
            return False
        try:
            found = ShardMarker(**json.loads(marker.read_text(encoding="utf-8")))
        except (ValueError, TypeError):
            return False  # unreadable: score the shard again
        return found == self._marker(start, stop)

    def compute(self, score: Score, shard_rows: int = SHARD_ROWS, log: Callable[[str], None] | None = None):
        """Score the shards not yet done; return (probabilities for every row, what was done)."""
        clean_stale_temporaries(self.folder)
        reused = scored_rows = 0
        ranges = self.ranges(shard_rows)
        for index, (start, stop) in enumerate(ranges):
            if self.is_done(index, start, stop):
                reused += 1
                continue
            probabilities = np.asarray(score(self.texts[start:stop]), dtype=np.float32)
            if probabilities.shape != (stop - start, len(self.labels)):
                raise ValueError(f"teacher gave shape {probabilities.shape} for {stop - start} texts")
            data, marker = self._paths(index)
            table = pa.table(
                {
                    "row": pa.array(np.arange(start, stop), pa.int64()),
                    "probabilities": pa.array(probabilities.tolist(), pa.list_(pa.float32())),
                }
            )
            write_parquet(table, data)
            write_json(asdict(self._marker(start, stop)), marker)  # last: the shard is done
            scored_rows += stop - start
            if log:
                log(
                    f"teacher {self.teacher.split('@')[0]}: shard {index + 1}/{len(ranges)} ({stop} of {len(self.texts)} texts)"
                )
        report = CacheReport(self.key, str(self.folder), len(ranges), reused, len(ranges) - reused, scored_rows)
        return self.read(shard_rows), report

    def read(self, shard_rows: int = SHARD_ROWS) -> np.ndarray:
        """Every row's probabilities, from the finished shards."""
        out = np.full((len(self.texts), len(self.labels)), np.nan, dtype=np.float32)
        for index, (start, stop) in enumerate(self.ranges(shard_rows)):
            if not self.is_done(index, start, stop):
                raise RuntimeError(f"teacher shard {index} of {self.folder} is not finished")
            table = pq.read_table(self._paths(index)[0])
            rows = table.column("row").to_numpy()
            out[rows] = np.asarray(table.column("probabilities").to_pylist(), dtype=np.float32)
        return out
