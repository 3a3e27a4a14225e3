"""Where and how a model runs: device choice, CPU threads, and quiet library output."""

from __future__ import annotations

import os
import platform

from sentiflow.tasks.core.errors import UserError


def pick_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was given but no CUDA GPU is available; use --device cpu or auto")
    if device not in ("cpu", "cuda"):
        raise UserError(f"unknown --device {device!r}: use auto, cpu or cuda")
    return device


def configure_threads(threads: int | None) -> int:
    """Torch CPU threads: `threads`, else OMP_NUM_THREADS, else the CPUs this process may use
    (its affinity, not the host's count); one inter-op thread."""
    import torch

    env = os.environ.get("OMP_NUM_THREADS", "")
    n = threads or (int(env) if env.isdigit() and int(env) > 0 else len(os.sched_getaffinity(0)))
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)  # only allowed before the first parallel op
    except RuntimeError:
        pass
    return n


def default_threads() -> int:
    """Physical cores this process may use: ORT's intra-op pool gains nothing from hyperthreads."""
    import psutil

    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False) or available
    return max(1, min(available, physical))


def spinning_wait() -> bool:
    """Whether idle inference threads should spin: only when OMP_WAIT_POLICY=ACTIVE is asked for
    (tasks/models/__init__.py sets PASSIVE unless the environment says otherwise)."""
    return os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "ACTIVE"


def quiet_transformers() -> None:
    """No per-file tqdm bars from transformers/safetensors: sentiflow reports progress itself."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def describe_hardware(device: str) -> str:
    import torch

    if device == "cuda":
        return f"{torch.cuda.get_device_name(0)} (CUDA, bf16 autocast)"
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {len(os.sched_getaffinity(0))} CPU cores, {torch.get_num_threads()} torch threads"
