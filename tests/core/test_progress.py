"""The one in-process report mechanism: typed listeners, one at a time, never failing the work."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sentiflow.tasks.core import progress
from sentiflow.tasks.core.progress import Note, Progress, listening, publish, report


@dataclass(frozen=True)
class Other:
    """Stands for an event type core does not know (the training loop's TrainEvent)."""

    step: int


def test_each_listener_gets_only_its_type_and_only_while_listening():
    files, others = [], []
    with listening(files.append, Progress), listening(others.append, Other):
        report("demo:a.csv", 10, 100)
        publish(Other(3))
        publish(Note("compress", "quantizing"))
    report("demo:a.csv", 100, 100, finished=True)  # nobody listens any more
    assert files == [Progress("demo:a.csv", 10, 100, False)]
    assert others == [Other(3)]
    assert progress._listeners == []


def test_a_failing_listener_never_breaks_the_work_nor_the_other_listeners():
    def broken(_: Progress) -> None:
        raise RuntimeError("the terminal went away")

    seen = []
    with listening(broken, Progress), listening(seen.append, Progress):
        report("shard-1", 1, 2)  # raises nothing
    assert seen == [Progress("shard-1", 1, 2)]


def test_listeners_are_called_one_at_a_time_from_many_threads():
    inside, overlaps, calls = [0], [], []

    def slow(event: Progress) -> None:
        inside[0] += 1
        overlaps.append(inside[0] > 1)
        time.sleep(0.001)
        calls.append(event.label)
        inside[0] -= 1

    def work(name: str) -> None:
        for i in range(20):
            report(name, i, 20)

    with listening(slow, Progress):
        threads = [threading.Thread(target=work, args=(f"shard-{n}",)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(calls) == 80 and not any(overlaps)


def test_a_listener_may_publish_while_it_is_called():
    notes = []
    with listening(lambda p: publish(Note("ingest", p.label)), Progress), listening(notes.append, Note):
        report("demo:a.csv", 1, 1, finished=True)
    assert notes == [Note("ingest", "demo:a.csv")]
