"""The training loop: AdamW with linear warm-up and decay, early stopping on validation
macro-F1, a wall-clock budget, and resumable checkpoints.

It reports through one callback (`on_event`) so the caller decides where lines go: the
Prefect run logger, a progress bar, a test's list. On CPU, a seed fixes everything (sampling,
batch order, dropout), and a run resumed from a checkpoint ends with the same weights as one
that was never interrupted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentiflow.tasks.models.batching import padding_share, shuffled_length_batches
from sentiflow.tasks.models.metrics import classification_metrics
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

NLL_MIN_GAIN = 1e-4  # validation loss drop (nats) that counts as a gain when macro-F1 ties


@dataclass
class TrainEvent:
    """One thing worth reporting. `kind`: header, step (every step, for bars), progress
    (every `log_every` steps), eval, checkpoint, stop."""

    kind: str
    step: int
    total_steps: int
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[TrainEvent], None]


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


@dataclass
class LoopResult:
    steps: int
    total_steps: int
    stop_reason: str  # completed | early stopping | time budget
    best_step: int
    best_validation_macro_f1: float
    train_seconds: float
    samples_per_second: float
    resumed_from_step: int | None
    history: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_steps(n_train: int, config: TrainConfig) -> tuple[int, int, int]:
    """(steps per epoch, total steps, steps between validation passes)."""
    per_epoch = max(1, math.ceil(n_train / config.batch_size))
    total = max(1, math.ceil(config.epochs * per_epoch))
    if config.max_steps is not None:
        total = min(total, config.max_steps)
    return per_epoch, total, max(1, min(total, math.ceil(per_epoch / config.evals_per_epoch)))


def make_optimizer(model: Any, config: TrainConfig, total_steps: int) -> tuple[Any, Any]:
    """AdamW (no decay on biases and norms) and a linear warm-up then linear decay to 0."""
    import torch

    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (no_decay if param.ndim < 2 or "norm" in name.lower() else decay).append(param)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr,
        fused=True,  # one kernel for all parameters: 5x faster steps on CPU than the for-loop version
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, config.warmup_ratio)
    )
    return optimizer, schedule


def lr_factor(step: int, total: int, warmup_ratio: float) -> float:
    """Linear warm-up over the first warmup_ratio of `total` steps, then linear decay to 0."""
    warmup = int(warmup_ratio * total)
    if step < warmup:
        return (step + 1) / (warmup + 1)
    return max(0.0, (total - step) / max(1, total - warmup))


def validation_metrics(
    model: Any, tokenizer: Any, split: EncodedSplit, labels: Sequence[str], device: str, max_len: int, batch_size: int
) -> dict[str, Any]:
    """Macro-F1 and friends of the model as it is now (eval mode, inference_mode)."""
    from sentiflow.tasks.models.torch_backend import TorchClassifier

    was_training = model.training
    model.eval()
    clf = TorchClassifier(model, tokenizer, list(labels), 1.0, device, max_length=max_len)
    logits = clf.logits(split.texts, batch_size=batch_size)
    model.train(was_training)
    return classification_metrics(logits, np.array(split.label_ids), labels)


def _header(
    train: EncodedSplit,
    validation: EncodedSplit,
    config: TrainConfig,
    labels: Sequence[str],
    device: str,
    per_epoch: int,
    total: int,
    resumed: int | None,
) -> TrainEvent:
    import torch

    budget = f"{config.max_minutes:g} min" if config.max_minutes else "none"
    pad = padding_share(train.lengths, shuffled_length_batches(train.lengths, config.batch_size, config.seed, 0))
    lines = [
        f"train examples {len(train)}, validation examples {len(validation)}, labels {list(labels)}",
        f"batch size {config.batch_size}, {per_epoch} steps/epoch, {total} steps ({config.epochs:g} epochs"
        f"{', capped at max_steps' if config.max_steps and total == config.max_steps else ''}), lr {config.lr:g}",
        f"time budget {budget}, device {device}, torch threads {torch.get_num_threads()}, "
        f"max_seq_len {config.max_seq_len}, padding {pad:.0%} of token slots (dynamic, length-bucketed)",
    ]
    if resumed is not None:
        lines.append(f"resuming from checkpoint at step {resumed}")
    for i in range(min(3, len(train))):
        lines.append(f"  sample: [{labels[train.label_ids[i]]}] {train.texts[i][:90]!r}")
    return TrainEvent(
        "header",
        resumed or 0,
        total,
        "\n".join(lines),
        {"examples": len(train), "batch_size": config.batch_size, "total_steps": total},
    )


class _TrainingRun:
    """One invocation of the loop: the model, its optimizer, the loop state and the reporting."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        train: EncodedSplit,
        validation: EncodedSplit,
        labels: Sequence[str],
        config: TrainConfig,
        device: str,
        work_dir: Path,
        on_event: EventSink,
    ):
        self.model, self.tokenizer, self.train, self.validation = model, tokenizer, train, validation
        self.labels, self.config, self.device, self.work_dir, self.on_event = (
            list(labels),
            config,
            device,
            work_dir,
            on_event,
        )
        self.per_epoch, self.total, self.eval_every = plan_steps(len(train), config)
        self.optimizer, self.scheduler = make_optimizer(model, config, self.total)
        self.state = LoopState()
        self.pad_id = tokenizer.pad_token_id or 0
        self.started = time.monotonic()
        self._batches: list[list[int]] = []
        self._batches_epoch = -1
        self._window = [0.0, 0, 0.0]  # loss x samples, samples, seconds since the last progress line

    def restore(self, resume: bool) -> int | None:
        """Continue from the newest checkpoint when asked and one exists; else start seeded."""
        import torch

        checkpoint = latest_checkpoint(self.work_dir) if resume else None
        if checkpoint is None:
            torch.manual_seed(self.config.seed)  # dropout stream independent of how the head was drawn
            return None
        self.state = LoopState(**load_checkpoint(checkpoint, self.model, self.optimizer, self.scheduler))
        return self.state.step

    def step(self) -> None:
        """One optimizer step on the next batch; the batch follows from (seed, step) alone."""
        import torch

        epoch, position = divmod(self.state.step, self.per_epoch)
        if epoch != self._batches_epoch:
            self._batches = shuffled_length_batches(self.train.lengths, self.config.batch_size, self.config.seed, epoch)
            self._batches_epoch = epoch
        started = time.monotonic()
        indices = self._batches[position]
        batch = {k: v.to(self.device) for k, v in collate(self.train, indices, self.pad_id).items()}
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=self.device == "cuda"):
            loss = self.model(**batch).loss
        loss.backward()
        if self.config.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        seconds, loss_value, n = time.monotonic() - started, loss.detach().item(), len(indices)
        self.state.step += 1
        self.state.samples += n
        self.state.train_seconds += seconds
        self._window = [self._window[0] + loss_value * n, self._window[1] + n, self._window[2] + seconds]
        self.on_event(TrainEvent("step", self.state.step, self.total, data={"loss": loss_value}))
        if self.state.step % self.config.log_every == 0 or self.state.step == self.total:
            self._progress()

    def _progress(self) -> None:
        weighted, samples, seconds = self._window
        rate = samples / max(seconds, 1e-9)  # training steps only, not evaluation
        loss = weighted / samples
        self.on_event(
            TrainEvent(
                "progress",
                self.state.step,
                self.total,
                f"step {self.state.step}/{self.total} epoch {self.state.step / self.per_epoch:.2f} loss {loss:.4f} "
                f"lr {self.scheduler.get_last_lr()[0]:.2e} {rate:.0f} samples/s "
                f"elapsed {(time.monotonic() - self.started) / 60:.1f} min",
                {"loss": loss, "samples_per_second": rate},
            )
        )
        self._window = [0.0, 0, 0.0]

    def evaluate(self) -> None:
        """Validation pass; a new best is saved to best.safetensors."""
        config, state = self.config, self.state
        metrics = validation_metrics(
            self.model,
            self.tokenizer,
            self.validation,
            self.labels,
            self.device,
            config.max_seq_len,
            max(64, 2 * config.batch_size),
        )
        record = {k: metrics[k] for k in ("accuracy", "macro_f1", "nll")} | {"step": state.step}
        state.history.append(record)
        # small validation sets tie on macro-F1 often (e.g. at 1.0); then lower loss wins
        f1, best_f1 = round(metrics["macro_f1"], 6), round(state.best_macro_f1, 6)
        better = f1 > best_f1 or (f1 == best_f1 and metrics["nll"] < state.best_nll - NLL_MIN_GAIN)
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
                self.total,
                f"step {state.step}/{self.total} validation accuracy {metrics['accuracy']:.4f} macro-F1 "
                f"{metrics['macro_f1']:.4f} loss {metrics['nll']:.4f}{' (best so far)' if better else ''}",
                record,
            )
        )

    def after_step(self) -> str:
        """Evaluate, checkpoint and decide: 'continue', 'early stopping' or 'time budget'."""
        config, step = self.config, self.state.step
        decision = "continue"
        evaluated = step % self.eval_every == 0 or step == self.total
        if evaluated:
            self.evaluate()
            if config.patience and self.state.evals_without_gain >= config.patience and step < self.total:
                decision = "early stopping"
        out_of_time = config.max_minutes is not None and time.monotonic() - self.started >= config.max_minutes * 60
        if decision == "continue" and out_of_time and step < self.total:
            decision = "time budget"
            if not evaluated:
                self.evaluate()  # the best checkpoint must account for the last steps too
        periodic = config.checkpoint_every and step % config.checkpoint_every == 0 and step < self.total
        if periodic or decision == "time budget":
            save_checkpoint(self.work_dir, step, self.model, self.optimizer, self.scheduler, asdict(self.state))
            self.on_event(TrainEvent("checkpoint", step, self.total, f"checkpoint saved at step {step}"))
        return decision

    def finish(self, stop_reason: str, resumed: int | None) -> LoopResult:
        """Load the best weights back and report why training stopped."""
        state, config = self.state, self.config
        if state.best_step != state.step:
            load_weights(self.model, self.work_dir / BEST_WEIGHTS)
        if stop_reason == "time budget":
            why = (
                f"stopped at the time budget ({config.max_minutes:g} min) after step {state.step}/{self.total}; "
                "`--resume` continues from here"
            )
        elif stop_reason == "early stopping":
            why = (
                f"stopped early at step {state.step}/{self.total}: no validation gain in {config.patience} evaluations"
            )
        else:
            why = f"finished {state.step}/{self.total} steps"
        self.on_event(
            TrainEvent(
                "stop",
                state.step,
                self.total,
                f"{why}; kept the best checkpoint: step {state.best_step}, "
                f"validation macro-F1 {state.best_macro_f1:.4f}",
                {"stop_reason": stop_reason},
            )
        )
        return LoopResult(
            steps=state.step,
            total_steps=self.total,
            stop_reason=stop_reason,
            best_step=state.best_step,
            best_validation_macro_f1=state.best_macro_f1,
            train_seconds=round(state.train_seconds, 2),
            samples_per_second=round(state.samples / max(state.train_seconds, 1e-9), 1),
            resumed_from_step=resumed,
            history=state.history,
        )


def run_training(
    model: Any,
    tokenizer: Any,
    train: EncodedSplit,
    validation: EncodedSplit,
    labels: Sequence[str],
    config: TrainConfig,
    device: str,
    work_dir: Path,
    resume: bool = False,
    on_event: EventSink = lambda e: None,
) -> LoopResult:
    """Train `model` in place; on return it holds the best weights seen on validation."""
    run = _TrainingRun(model, tokenizer, train, validation, labels, config, device, work_dir, on_event)
    resumed = run.restore(resume)
    on_event(_header(train, validation, config, labels, device, run.per_epoch, run.total, resumed))
    model.train()
    decision = "continue"
    while run.state.step < run.total and decision == "continue":
        run.step()
        decision = run.after_step()
    return run.finish("completed" if decision == "continue" else decision, resumed)
