"""Kill `sentiflow train` soon after its first checkpoint, then `sentiflow train --resume`.

The toy dataset has 800 training examples: 25 optimizer steps an epoch at batch size 32, so
TRAIN_EPOCHS epochs are 200 steps and the quick profile (a checkpoint every 100 steps) writes
its first checkpoint half-way. Used by tests/reliability/test_chaos.py and benchmarks/chaos.py.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from benchmarks.chaoskit.cli import kill_group, run_cli, start_cli
from benchmarks.chaoskit.homes import toy_rows, write_toy_dataset

TRAIN_EPOCHS = 8  # 200 steps: checkpoints at 100 and 200


def train_home(root: Path, base: Path) -> Path:
    """A home with a toy dataset large enough for 25 optimizer steps per epoch."""
    from sentiflow.tasks.core.home import Home

    home = Home.at(root)
    write_toy_dataset(home, train=toy_rows(repeat=100), validation=toy_rows(), test=toy_rows())
    return home.root


def train_args(home: Path, base: Path, resume: bool = False) -> list[str]:
    return [
        "train",
        "--home",
        str(home),
        "--base-model",
        str(base),
        "--epochs",
        str(TRAIN_EPOCHS),
        "--batch-size",
        "32",
        "--max-seq-len",
        "16",
        "--device",
        "cpu",
        "--json",
        *(["--resume"] if resume else []),
    ]


def first_checkpoint(home: Path) -> Path | None:
    found = sorted(p for p in (home / "runs").glob("train-*/ckpt-*") if (p / "state.json").is_file())
    return found[0] if found else None


def kill_train_after_checkpoint(
    home: Path, base: Path, env: dict[str, str], rng: random.Random, timeout: float = 300.0
) -> tuple[bool, int]:
    """Start a training run, SIGKILL it soon after its first checkpoint; (killed, checkpoint step)."""
    proc = start_cli(train_args(home, base), env)
    deadline = time.monotonic() + timeout
    while first_checkpoint(home) is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpoint = first_checkpoint(home)
    time.sleep(rng.uniform(0, 0.3))
    killed = proc.poll() is None
    kill_group(proc)
    if checkpoint is None:
        raise AssertionError(f"training wrote no checkpoint (exit {proc.returncode})")
    return killed, int(checkpoint.name.split("-")[1])


def resume_train(home: Path, base: Path, env: dict[str, str]) -> tuple[dict, dict]:
    """`sentiflow train --resume` to the end; (its JSON summary, the model's metrics.json)."""
    result = run_cli(train_args(home, base, resume=True), env, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"train --resume failed ({result.returncode}):\n{result.stderr[-3000:]}")
    summary = json.loads(result.stdout)
    metrics = json.loads((Path(summary["model_dir"]) / "metrics.json").read_text())
    return summary, metrics


def model_weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(Path(model_dir) / "model.safetensors"))
