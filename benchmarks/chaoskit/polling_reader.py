"""A reader polling a home while writers run and get killed: what a user's reader would see.

It reads every finished shard it can list in the lake (as `tasks/core/lake.py` lists them) and
opens the warehouse read-only with a bounded wait, in a loop. It records any file it could list
but not read (a partial shard: atomic writes should make that impossible), files that vanished
between listing and reading (a writer's clean-up, harmless), and the longest lock wait.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyarrow.parquet as pq


class LakeReader:
    """Polls one home in a thread while it is open as a context manager."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.unreadable: list[str] = []
        self.vanished = 0  # listed, then deleted before it could be read (a writer's cleanup)
        self.reads = 0
        self.longest_wait = 0.0
        self.busy = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LakeReader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        from sentiflow.tasks.core.lake import shard_paths

        while not self._stop.is_set():
            for folder in (self.home / "lake" / "documents", self.home / "lake" / "quarantine"):
                for source in sorted(folder.glob("source=*")) if folder.exists() else []:
                    for shard in shard_paths(source):
                        self._read(shard)
            self._query_warehouse()
            self._stop.wait(0.05)

    def _read(self, shard: Path) -> None:
        try:
            pq.read_table(shard)
            self.reads += 1
        except FileNotFoundError:
            self.vanished += 1
        except Exception as exc:  # noqa: BLE001 - anything else is a file readers should never see
            if shard.exists():
                self.unreadable.append(f"{shard.relative_to(self.home)}: {exc!r}"[:300])
            else:
                self.vanished += 1

    def _query_warehouse(self) -> None:
        from sentiflow.tasks.warehouse.db import WarehouseBusy, connect_ro

        warehouse = self.home / "warehouse.duckdb"
        if not warehouse.exists():
            return
        start, waited = time.monotonic(), []
        try:
            with connect_ro(warehouse, wait_seconds=30, on_wait=waited.append) as con:
                if waited:
                    self.longest_wait = max(self.longest_wait, time.monotonic() - start)
                con.execute("select count(*) from predictions").fetchall()
        except WarehouseBusy:
            self.busy += 1
            self.longest_wait = max(self.longest_wait, time.monotonic() - start)
        except Exception as exc:  # noqa: BLE001
            self.unreadable.append(f"warehouse.duckdb: {exc!r}"[:300])
