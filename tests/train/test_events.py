"""The train stage's Prefect layer publishes every TrainEvent to this process's listeners (the
CLI's progress bar), and a listener that fails never stops the training."""

from __future__ import annotations

from tests.train.test_flow import TOY_ARGS


def test_listeners_get_every_training_event_and_a_broken_one_is_harmless(prefect_harness, home, tiny_bert):
    from sentiflow.flows.train import train_flow
    from sentiflow.tasks.core.progress import Progress, listening
    from sentiflow.tasks.models.training.loop import TrainEvent
    from tests.train.helpers import write_dataset

    def broken(_: TrainEvent) -> None:
        raise RuntimeError("the progress bar's terminal went away")

    write_dataset(home)
    events: list[TrainEvent] = []
    unrelated: list[Progress] = []
    with listening(broken, TrainEvent), listening(events.append, TrainEvent), listening(unrelated.append, Progress):
        summary = train_flow(home=str(home.root), base_model=str(tiny_bert), **{**TOY_ARGS, "epochs": 2})
    kinds = [e.kind for e in events]
    assert kinds[0] == "header" and kinds[-1] == "stop"
    steps = [e.step for e in events if e.kind == "step"]
    assert steps == list(range(1, summary["training"]["steps"] + 1))
    assert unrelated == []
