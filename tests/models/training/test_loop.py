"""One meaning of max_minutes, on a fake clock: the schedule is fitted to the pace, the learning
rate reaches ~0 inside the budget, the loop never runs past it, and a fine-tune can resume."""

from __future__ import annotations

from dataclasses import replace

from sentiflow.tasks.models.training.checkpoint import latest_checkpoint
from sentiflow.tasks.models.training.loop import log_lines, run_training
from sentiflow.tasks.models.training.schedule import lr_factor
from sentiflow.tasks.models.training.validation import Validation
from tests.models.training.helpers import LABELS, FakeClock, tiny_model
from tests.train.helpers import TINY_CONFIG

# 32 toy rows in batches of 16: 100 steps planned; 30 s at one (fake) second a step fits 27
BUDGETED = replace(TINY_CONFIG, epochs=50, warmup_ratio=0.1, max_minutes=0.5)


def _run(tiny_bert, config, clock, **kwargs):
    model, tokenizer, split = tiny_model(tiny_bert)
    events = []

    def on_event(event):
        clock.on_event(event)
        events.append(event)

    result = run_training(model, split, config, pad_id=tokenizer.pad_token_id, on_event=on_event, clock=clock, **kwargs)
    return result, events, tokenizer, split


def test_a_budget_fits_the_schedule_so_the_lr_reaches_zero_inside_it(tiny_bert):
    clock = FakeClock()
    result, events, _, _ = _run(tiny_bert, BUDGETED, clock)
    assert result.total_steps == 100 and result.steps == result.planned_steps == 27
    assert result.stop_reason == "time budget" and result.loop_seconds == clock.now == 27.0 <= 30.0
    lrs = [e.data["lr"] for e in events if e.kind == "step"]
    peak = BUDGETED.lr
    assert max(lrs) == peak and lrs[-1] < 0.05 * peak  # the last step ran at a twentieth of the peak or less
    assert lr_factor(result.steps, result.planned_steps, BUDGETED.warmup_ratio) == 0.0  # decayed to zero
    assert all(a >= b for a, b in zip(lrs[20:], lrs[21:]))  # decaying after the re-fit
    refit = next(e for e in events if e.kind == "progress" and "time budget" in e.message)
    assert refit.step == 20 and "1.00 s/step, so 27 of 100 steps fit in 0.5 min" in refit.message
    stop = next(e for e in events if e.kind == "stop").message
    assert "stopped at the time budget (0.5 min) after step 27/100 (the schedule was fitted to 27 steps)" in stop
    assert "--resume" not in stop  # nothing to resume without a work_dir


def test_the_loop_never_runs_past_the_budget_when_the_pace_drops(tiny_bert):
    clock = FakeClock(slow_after=20, slow_seconds=4.0)  # busy machine from step 21 on
    result, _, _, _ = _run(tiny_bert, BUDGETED, clock)
    assert result.stop_reason == "time budget" and result.steps == 22 < result.planned_steps == 27
    assert clock.now == 28.0 <= 30.0  # a 23rd step would have ended at 32 s


def test_without_a_budget_the_epochs_plan_runs_whatever_the_pace(tiny_bert):
    clock = FakeClock(slow_seconds=60.0, slow_after=0)
    result, _, _, _ = _run(tiny_bert, replace(BUDGETED, max_minutes=None, epochs=15), clock)
    assert result.stop_reason == "completed" and result.steps == result.planned_steps == 30


def test_a_fine_tune_stopped_by_its_budget_checkpoints_and_resumes(tiny_bert, tmp_path):
    clock = FakeClock()
    model, tokenizer, split = tiny_model(tiny_bert)
    lines: list[str] = []
    log = log_lines(lines.append)
    kwargs = dict(pad_id=tokenizer.pad_token_id, validation=Validation(split, LABELS, tokenizer), work_dir=tmp_path)

    def on_event(event):
        clock.on_event(event)
        log(event)

    result = run_training(model, split, BUDGETED, on_event=on_event, clock=clock, **kwargs)
    assert result.stop_reason == "time budget" and result.steps == 27
    assert result.history[-1]["step"] == 27  # the last, settled weights were evaluated
    assert latest_checkpoint(tmp_path).name == "ckpt-0000027" and "`--resume` continues from here" in lines[-1]
    resumed = run_training(model, split, replace(BUDGETED, max_minutes=None), resume=True, **kwargs)
    assert resumed.resumed_from_step == 27 and resumed.stop_reason == "completed" and resumed.steps == 100
