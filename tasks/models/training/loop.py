"""The one training loop: fine-tuning, distillation and prune recovery all run on it.

Every step takes the next batch (a function of seed and step alone), computes the caller's
loss (the model's own cross-entropy, or distillation from a teacher: losses.py) and takes an
AdamW step at the learning rate the plan gives that step (schedule.py). Around the steps, what
the caller asks for:
- validation (fine-tuning): macro-F1 on held-out rows `evals_per_epoch` times an epoch, early
  stopping after `patience` evaluations without gain, and the best weights kept;
- checkpoints in `work_dir` every `checkpoint_every` steps, so `resume` continues a killed or
  budget-stopped run. On CPU a seed fixes everything (sampling, batch order, dropout), and a
  resumed run ends with the same weights as one that was never interrupted;
- `max_minutes`, the wall-clock budget of one run of the loop: the schedule is fitted to the
  pace so warm-up and decay complete inside it, and the loop stops before a step it expects
  to end past it. When the budget cuts the epochs' plan short, the stop reason is "time
  budget" and, with a `work_dir`, a checkpoint is written: a resumed run continues toward the
  epochs' plan, within a budget of its own. Without a budget the epochs' plan runs as planned.

It reports through one callback (`on_event`) so the caller decides where lines go: the
Prefect run logger, a progress bar, a test's list, or a plain `log` function (`log_lines`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentiflow.tasks.models.batching import padding_share, shuffled_length_batches
from sentiflow.tasks.models.training.checkpoint import (
    BEST_WEIGHTS,
    latest_checkpoint,
    load_checkpoint,
    load_weights,
    save_checkpoint,
    save_weights,
)
from sentiflow.tasks.models.training.config import TrainConfig
from sentiflow.tasks.models.training.data import EncodedSplit, collate
from sentiflow.tasks.models.training.losses import CrossEntropy, TrainingLoss
from sentiflow.tasks.models.training.schedule import Clock, TimeBudget, lr_factor, make_optimizer, plan_steps
from sentiflow.tasks.models.training.validation import Validation, improved

CURVE_POINTS = 20  # fewest points on a run's training-loss curve (each the mean loss of a window of steps)
CURVE_WINDOW = 50  # most steps in one point of the curve
REPLAN_NOTE = 0.05  # a re-fitted plan is reported when it moves by more than this share of steps
LOGGED_KINDS = ("header", "progress", "eval", "checkpoint", "stop")  # events whose message is a log line


@dataclass
class TrainEvent:
    """One thing worth reporting. `kind`: header, step (every step, for bars), progress
    (every `log_every` steps), eval, checkpoint, stop. `total_steps`: the current plan."""

    kind: str
    step: int
    total_steps: int
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[TrainEvent], None]


def log_lines(log: Callable[[str], None] | None) -> EventSink:
    """A sink sending the message of each logged kind of event, line by line, to `log`."""

    def sink(event: TrainEvent) -> None:
        if log is not None and event.kind in LOGGED_KINDS:
            for line in event.message.splitlines():
                log(line)

    return sink


@dataclass
class LoopState:
    """Everything besides tensors that a resumed run needs (saved as JSON in checkpoints)."""

    step: int = 0  # optimizer steps done; with the seed it fixes the data position
    best_macro_f1: float = -1.0
    best_nll: float = float("inf")  # validation loss of the best checkpoint: breaks macro-F1 ties
    best_step: int = 0
    evals_without_gain: int = 0
    train_seconds: float = 0.0  # time inside optimizer steps, all invocations together
    samples: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # the training-loss curve so far


@dataclass
class LoopResult:
    """What one call of the loop did; its JSON goes into metrics.json (training, compression details)."""

    steps: int
    total_steps: int  # the epochs' plan (capped by max_steps)
    planned_steps: int  # what the schedule last decayed toward: total_steps, or fewer fitted to the budget
    stop_reason: str  # completed | early stopping | time budget
    best_step: int  # the step whose weights the model holds on return
    best_validation_macro_f1: float | None  # None without validation
    train_seconds: float  # inside optimizer steps, all invocations together
    loop_seconds: float  # wall time of this invocation, evaluation and checkpoints included
    samples_per_second: float
    resumed_from_step: int | None
    losses: list[float]  # the training-loss curve: mean loss per window of steps, CURVE_POINTS or more
    history: list[dict[str, Any]]  # validation records

    @property
    def first_loss(self) -> float:
        return self.losses[0] if self.losses else float("nan")

    @property
    def last_loss(self) -> float:
        return self.losses[-1] if self.losses else float("nan")

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"loss_first": round(self.first_loss, 5), "loss_last": round(self.last_loss, 5)}


class _TrainingRun:
    """One invocation of the loop: the model, its optimizer, the loop state and the reporting."""

    def __init__(
        self,
        model: Any,
        train: EncodedSplit,
        config: TrainConfig,
        loss: TrainingLoss,
        pad_id: int,
        device: str,
        validation: Validation | None,
        work_dir: Path | None,
        on_event: EventSink,
        clock: Clock,
        resume: bool,
    ):
        if validation is not None and work_dir is None:
            raise ValueError("validation keeps the best weights in work_dir: pass one")
        self.model, self.train, self.config = model, train, config
        self.loss, self.pad_id, self.device = loss, pad_id, device
        self.validation, self.work_dir = validation, work_dir
        self.on_event, self.clock = on_event, clock
        self.per_epoch, self.total, self.eval_every = plan_steps(len(train), config)
        self.planned = self.total  # steps the schedule decays over; a time budget re-fits it
        self.optimizer = make_optimizer(model, config)
        self.state = LoopState()
        self.resumed = self._restore(resume)
        self.budget = TimeBudget(config.max_minutes, self.state.step, self.total, clock)  # for the steps left
        self.curve_every = max(1, min(CURVE_WINDOW, self.total // CURVE_POINTS))  # steps per point on the curve
        self._batches: list[list[int]] = []
        self._batches_epoch = -1
        self._window = [0.0, 0, 0.0]  # loss x samples, samples, seconds since the last progress line
        self._curve: list[float] = []  # step losses since the last point on the loss curve

    def _restore(self, resume: bool) -> int | None:
        """Continue from the newest checkpoint when asked and one exists; else start seeded."""
        import torch

        checkpoint = latest_checkpoint(self.work_dir) if resume and self.work_dir is not None else None
        if checkpoint is None:
            torch.manual_seed(self.config.seed)  # dropout stream independent of how the head was drawn
            return None
        self.state = LoopState(**load_checkpoint(checkpoint, self.model, self.optimizer))
        return self.state.step

    def header(self) -> TrainEvent:
        import torch

        config, train, validation, resumed = self.config, self.train, self.validation, self.resumed
        budget = f"{config.max_minutes:g} min (the schedule is fitted to the pace)" if config.max_minutes else "none"
        pad = padding_share(train.lengths, shuffled_length_batches(train.lengths, config.batch_size, config.seed, 0))
        held_out = (
            f"validation examples {len(validation.split)}, labels {list(validation.labels)}"
            if validation
            else "no validation"
        )
        capped = ", capped at max_steps" if config.max_steps and self.total == config.max_steps else ""
        lines = [
            f"train examples {len(train)}, {held_out}",
            f"batch size {config.batch_size}, {self.per_epoch} steps/epoch, {self.total} steps "
            f"({config.epochs:g} epochs{capped}), lr {config.lr:g}, loss {self.loss.describe()}",
            f"time budget {budget}, device {self.device}, torch threads {torch.get_num_threads()}, "
            f"max_seq_len {config.max_seq_len}, padding {pad:.0%} of token slots (dynamic, length-bucketed)",
        ]
        if resumed is not None:
            lines.append(f"resuming from checkpoint at step {resumed}")
        for i in range(min(3, len(train))):
            label = train.label_ids[i]
            name = validation.labels[label] if validation else f"label {label}"
            lines.append(f"  sample: [{name}] {train.texts[i][:90]!r}")
        return TrainEvent(
            "header",
            resumed or 0,
            self.total,
            "\n".join(lines),
            {"examples": len(train), "batch_size": config.batch_size, "total_steps": self.total},
        )

    def step(self) -> None:
        """One optimizer step on the next batch; the batch follows from (seed, step) alone."""
        import torch

        config, state = self.config, self.state
        epoch, position = divmod(state.step, self.per_epoch)
        if epoch != self._batches_epoch:
            self._batches = shuffled_length_batches(self.train.lengths, config.batch_size, config.seed, epoch)
            self._batches_epoch = epoch
        started = self.clock()
        rows = self._batches[position]
        lr = config.lr * lr_factor(state.step, self.planned, config.warmup_ratio)
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)  # layer-wise decay (schedule.make_optimizer)
        batch = {k: v.to(self.device) for k, v in collate(self.train, rows, self.pad_id).items()}
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=self.device == "cuda"):
            loss = self.loss(self.model, batch, rows)
        loss.backward()
        if config.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.max_grad_norm)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        seconds, loss_value, n = self.clock() - started, loss.detach().item(), len(rows)
        state.step += 1
        state.samples += n
        state.train_seconds += seconds
        self._window = [self._window[0] + loss_value * n, self._window[1] + n, self._window[2] + seconds]
        self._curve.append(loss_value)
        if state.step % self.curve_every == 0:
            self._close_curve_point()
        self.on_event(TrainEvent("step", state.step, self.planned, data={"loss": loss_value, "lr": lr}))

    def _close_curve_point(self) -> None:
        if self._curve:
            self.state.losses.append(float(np.mean(self._curve)))
            self._curve = []

    def _progress(self, note: str) -> None:
        weighted, samples, seconds = self._window
        rate = samples / max(seconds, 1e-9)  # training steps only, not evaluation
        loss = weighted / samples
        self.on_event(
            TrainEvent(
                "progress",
                self.state.step,
                self.planned,
                f"step {self.state.step}/{self.planned} epoch {self.state.step / self.per_epoch:.2f} loss {loss:.4f} "
                f"lr {self.optimizer.param_groups[0]['lr']:.2e} {rate:.0f} samples/s "
                f"elapsed {self.budget.elapsed() / 60:.1f} min{note}",
                {"loss": loss, "samples_per_second": rate, "planned_steps": self.planned},
            )
        )
        self._window = [0.0, 0, 0.0]

    def _refit(self) -> tuple[str, bool]:
        """Fit the plan to the time budget; (a note when it moved much, whether time is up)."""
        step = self.state.step
        planned, out_of_time = self.budget.check(step, self.planned)
        note = ""
        if abs(planned - self.planned) > REPLAN_NOTE * self.planned:
            pace = self.budget.elapsed() / (step - self.budget.start_step)
            note = (
                f"; time budget: {pace:.2f} s/step, so {planned} of {self.total} steps fit in "
                f"{self.config.max_minutes:g} min"
            )
        self.planned = planned
        return note, out_of_time

    def evaluate(self) -> None:
        """Validation pass; a new best is saved to best.safetensors."""
        config, state = self.config, self.state
        batch_size = max(64, 2 * config.batch_size)
        metrics = self.validation.metrics(self.model, self.device, config.max_seq_len, batch_size)
        record = {k: metrics[k] for k in ("accuracy", "macro_f1", "nll")} | {"step": state.step}
        state.history.append(record)
        better = improved(metrics, state.best_macro_f1, state.best_nll)
        if better:
            state.best_macro_f1, state.best_nll = metrics["macro_f1"], metrics["nll"]
            state.best_step, state.evals_without_gain = state.step, 0
            save_weights(self.model, self.work_dir / BEST_WEIGHTS)
        else:
            state.evals_without_gain += 1
        self.on_event(
            TrainEvent(
                "eval",
                state.step,
                self.planned,
                f"step {state.step}/{self.planned} validation accuracy {metrics['accuracy']:.4f} macro-F1 "
                f"{metrics['macro_f1']:.4f} loss {metrics['nll']:.4f}{' (best so far)' if better else ''}",
                record,
            )
        )

    def after_step(self) -> str:
        """Fit the plan, report, evaluate, checkpoint and decide: 'continue', 'early stopping'
        or 'time budget'."""
        config, step = self.config, self.state.step
        note, out_of_time = self._refit()
        if note or step % config.log_every == 0 or step == self.planned:
            self._progress(note)
        decision = "continue"
        evaluated = self.validation is not None and (step % self.eval_every == 0 or step == self.planned)
        if evaluated:
            self.evaluate()
            if config.patience and self.state.evals_without_gain >= config.patience and step < self.planned:
                decision = "early stopping"
        budget_cut = (step < self.planned and out_of_time) or step == self.planned < self.total
        if decision == "continue" and budget_cut:
            decision = "time budget"
            if self.validation is not None and not evaluated:
                self.evaluate()  # the best checkpoint must account for the last steps too
        periodic = config.checkpoint_every and step % config.checkpoint_every == 0 and step < self.planned
        if self.work_dir is not None and (periodic or decision == "time budget"):
            save_checkpoint(self.work_dir, step, self.model, self.optimizer, asdict(self.state))
            self.on_event(TrainEvent("checkpoint", step, self.planned, f"checkpoint saved at step {step}"))
        return decision

    def finish(self, stop_reason: str) -> LoopResult:
        """Load the best weights back (with validation) and report why training stopped."""
        state, config, validated = self.state, self.config, self.validation is not None
        self._close_curve_point()
        if validated and state.best_step != state.step:
            load_weights(self.model, self.work_dir / BEST_WEIGHTS)
        best_step = state.best_step if validated else state.step
        self.model.eval()
        if stop_reason == "time budget":
            why = f"stopped at the time budget ({config.max_minutes:g} min) after step {state.step}/{self.total}"
            if self.planned < self.total:
                why += f" (the schedule was fitted to {self.planned} steps)"
            if self.work_dir is not None:
                why += "; `--resume` continues from here"
        elif stop_reason == "early stopping":
            why = (
                f"stopped early at step {state.step}/{self.total}: no validation gain in {config.patience} evaluations"
            )
        else:
            why = f"finished {state.step}/{self.total} steps"
        result = LoopResult(
            steps=state.step,
            total_steps=self.total,
            planned_steps=self.planned,
            stop_reason=stop_reason,
            best_step=best_step,
            best_validation_macro_f1=state.best_macro_f1 if validated else None,
            train_seconds=round(state.train_seconds, 2),
            loop_seconds=round(self.budget.elapsed(), 2),
            samples_per_second=round(state.samples / max(state.train_seconds, 1e-9), 1),
            resumed_from_step=self.resumed,
            losses=state.losses,
            history=state.history,
        )
        kept = (
            f"kept the best checkpoint: step {best_step}, validation macro-F1 {state.best_macro_f1:.4f}"
            if validated
            else f"training loss {result.first_loss:.4f} -> {result.last_loss:.4f}"
        )
        self.on_event(TrainEvent("stop", state.step, self.planned, f"{why}; {kept}", {"stop_reason": stop_reason}))
        return result


def run_training(
    model: Any,
    train: EncodedSplit,
    config: TrainConfig,
    *,
    pad_id: int,
    device: str = "cpu",
    loss: TrainingLoss | None = None,
    validation: Validation | None = None,
    work_dir: Path | None = None,
    resume: bool = False,
    on_event: EventSink = lambda e: None,
    clock: Clock = time.monotonic,
) -> LoopResult:
    """Train `model` in place on `train` and return what happened.

    loss: what each step minimises; None = the model's own cross-entropy (`CrossEntropy`).
    validation: evaluate, stop early and keep the best weights (needs `work_dir`); None = the
        model ends with its last weights.
    work_dir: checkpoints and the best weights; None = neither, and nothing to resume.
    config.max_minutes: the wall-clock budget of this call (see the module docstring); `clock`
        reads the time in seconds.
    """
    run = _TrainingRun(
        model,
        train,
        config,
        loss or CrossEntropy(config.label_smoothing),
        pad_id,
        device,
        validation,
        work_dir,
        on_event,
        clock,
        resume,
    )
    on_event(run.header())
    model.train()
    decision = "continue"
    while run.state.step < run.planned and decision == "continue":
        run.step()
        decision = run.after_step()
    return run.finish("completed" if decision == "continue" else decision)
