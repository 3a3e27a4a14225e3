"""What the work reports while it runs, delivered to whoever listens in this process.

One mechanism for every report meant for people watching: an ingest file's bytes and a scoring
shard's documents (`Progress`, sent with `report`), a training run's events (the training loop's
TrainEvent, which the train stage's Prefect layer publishes) and a stage's running commentary
(`Note`, from compress). A listener subscribes to one event type with `listening`; the CLI's
progress bars and status line are such listeners. Work running in other processes (Dask
workers) reports to nobody, and nothing is lost: reports never carry results.

Two promises, because the work reports from several threads at once (a shard per worker):
listeners are called one at a time, under a lock, so a progress bar need not be thread-safe;
and a listener that raises is skipped for that report, never failing the work that reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

E = TypeVar("E")


@dataclass(frozen=True)
class Progress:
    """How far one unit of work is: an ingest file (bytes) or a scoring shard (documents)."""

    label: str  # ingest: 'source:file'; scoring: the shard's name
    done: int
    total: int  # 0 when unknown (a gzipped input's size)
    finished: bool = False


@dataclass(frozen=True)
class Note:
    """One line of a stage's running commentary, as it also goes to the Prefect log."""

    stage: str
    message: str


_listeners: list[tuple[type, Callable[[Any], None]]] = []
_lock = threading.RLock()  # re-entrant: a listener may itself publish


@contextmanager
def listening(listener: Callable[[E], None], kind: type[E]) -> Iterator[None]:
    """Call `listener` with every event of type `kind` published while the block runs."""
    entry = (kind, listener)
    with _lock:
        _listeners.append(entry)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(entry)


def publish(event: object) -> None:
    """Hand `event` to each listener of its type, one at a time; a failing listener is skipped."""
    with _lock:
        for kind, listener in list(_listeners):
            if not isinstance(event, kind):
                continue
            try:
                listener(event)
            except Exception:  # a broken display must never stop an ingest, a scoring or a training
                pass


def report(label: str, done: int, total: int, finished: bool = False) -> None:
    """Publish a `Progress` (what the ingest service and the shard scorer call)."""
    publish(Progress(label, done, total, finished))
