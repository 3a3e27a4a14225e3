"""Per-file progress, reported by the ingest service to whoever listens in this process.

The CLI installs a listener that drives a progress bar; flows running tasks in other
processes (Dask workers) simply have no listener. Reporting never fails an ingest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# (unit label, bytes done, bytes total or 0 when unknown, finished)
Listener = Callable[[str, int, int, bool], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener` for every progress report made while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def report(label: str, done: int, total: int, finished: bool = False) -> None:
    for listener in list(_listeners):
        try:
            listener(label, done, total, finished)
        except Exception:  # a broken progress display must not stop an ingest
            pass
