"""Resumable checkpoints: tensors in safetensors, everything else in JSON. Nothing is unpickled.

A checkpoint is a folder `ckpt-NNNNNNN/` (the optimizer step) holding
  model.safetensors      the weights
  optimizer.safetensors  AdamW moments and step counts, keyed `<param index>.<name>`
  rng.safetensors        torch CPU (and CUDA) generator states
  state.json             optimizer hyperparameters, loop state; written last (no scheduler:
                         each step's learning rate follows from the step and the plan)
It is written under a temporary name and renamed, so a folder named ckpt-* is always whole;
only the newest is kept. The best weights so far live beside them in `best.safetensors`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import TMP_PREFIX, atomic_path, write_json

BEST_WEIGHTS = "best.safetensors"


def save_weights(model: Any, path: Path) -> None:
    """Model weights to one safetensors file, atomically (shared tensors handled)."""
    from safetensors.torch import save_model

    with atomic_path(path) as tmp:
        save_model(model, str(tmp))


def load_weights(model: Any, path: Path) -> None:
    from safetensors.torch import load_model

    load_model(model, str(path), strict=True)


def _optimizer_tensors(optimizer: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = optimizer.state_dict()
    tensors, plain = {}, {}
    for pid, values in state["state"].items():
        for name, value in values.items():
            if hasattr(value, "shape"):
                tensors[f"{pid}.{name}"] = value.detach().contiguous().cpu()
            else:
                plain[f"{pid}.{name}"] = value
    return tensors, {"param_groups": state["param_groups"], "plain": plain}


def _restore_optimizer(optimizer: Any, tensors: dict[str, Any], meta: dict[str, Any]) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, value in list(tensors.items()) + list(meta["plain"].items()):
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def save_checkpoint(folder: Path, step: int, model: Any, optimizer: Any, loop_state: dict) -> Path:
    """Write checkpoint `step` under `folder`, then drop older ones."""
    import torch
    from safetensors.torch import save_file, save_model

    final = folder / f"ckpt-{step:07d}"
    tmp = folder / f"{TMP_PREFIX}ckpt-{step:07d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_model(model, str(tmp / "model.safetensors"))
    opt_tensors, opt_meta = _optimizer_tensors(optimizer)
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    rng = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        rng.update({f"cuda{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    save_file(rng, str(tmp / "rng.safetensors"))
    state = {"step": step, "optimizer": opt_meta, "loop": loop_state}
    write_json(state, tmp / "state.json")
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in folder.glob("ckpt-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(folder: Path) -> Path | None:
    """The newest whole checkpoint under `folder`, if any."""
    done = sorted(p for p in folder.glob("ckpt-*") if (p / "state.json").is_file()) if folder.is_dir() else []
    return done[-1] if done else None


def load_checkpoint(path: Path, model: Any, optimizer: Any) -> dict:
    """Restore model, optimizer and RNG from `path`; return the loop state."""
    import torch
    from safetensors.torch import load_file

    state = json.loads((path / "state.json").read_text(encoding="utf-8"))
    load_weights(model, path / "model.safetensors")
    # load_state_dict moves the moments to each parameter's device and dtype itself
    _restore_optimizer(optimizer, load_file(str(path / "optimizer.safetensors")), state["optimizer"])
    rng = load_file(str(path / "rng.safetensors"))
    torch.set_rng_state(rng["cpu"])
    cuda_states = [rng[k] for k in sorted(rng) if k.startswith("cuda")]
    if cuda_states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda_states)
    return state["loop"]
