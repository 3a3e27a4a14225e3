"""Named training configs: a training recipe saved in the home under a name (HOME/configs/NAME.json).

`sentiflow tune` saves the best trial's hyperparameters and data recipe this way; `train
--config NAME`, `run --config NAME` and the retrain deployment read them back. It lives below
the stages because both `tune` (writes) and `train` (reads) use it, and stages never import
each other.

A config holds:
  profile   the training profile its hyperparameters override (quick | full)
  train     TrainConfig fields (lr, epochs, batch_size, warmup_ratio, ...)
  recipe    the data recipe: which curation settings produced its training rows
            (near_dedup, near_dup_threshold, leakage_threshold, min_confidence,
            min_alpha_word_ratio); `curation_toml` turns it into a `curate --config` file
  origin    where it came from (study, dataset version, validation and test scores)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.atomic import write_json, write_text
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home, safe_name
from sentiflow.tasks.models.training.config import TrainConfig

RECIPE_KEYS = ("near_dedup", "near_dup_threshold", "leakage_threshold", "min_confidence", "min_alpha_word_ratio")
CORPUS_STEPS_ALWAYS = ("normalize_text", "normalize_labels", "label_confidence", "quality", "language", "exact_dedup")


@dataclass(frozen=True)
class NamedConfig:
    name: str
    profile: str = "full"
    train: dict[str, Any] = field(default_factory=dict)
    recipe: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Any] = field(default_factory=dict)

    def curation_toml(self) -> str:
        """The recipe as a `sentiflow curate --config` file (TOML)."""
        r = self.recipe
        steps = list(CORPUS_STEPS_ALWAYS) + (["near_dedup"] if r.get("near_dedup", True) else [])
        lines = [
            f"# data recipe of training config {self.name!r} (written by sentiflow)",
            f"steps = {json.dumps(steps)}",
        ]
        dedup = {k: r[k] for k in ("near_dup_threshold", "leakage_threshold") if k in r}
        if dedup:
            lines.append("\n[dedup]")
            if "near_dup_threshold" in dedup:
                lines.append(f"threshold = {float(dedup['near_dup_threshold'])!r}")
            if "leakage_threshold" in dedup:
                lines.append(f"leakage_threshold = {float(dedup['leakage_threshold'])!r}")
        if "min_confidence" in r:
            lines += ["\n[confidence]", f"min_confidence = {float(r['min_confidence'])!r}"]
        if "min_alpha_word_ratio" in r:
            lines += ["\n[quality]", f"min_alpha_word_ratio = {float(r['min_alpha_word_ratio'])!r}"]
        return "\n".join(lines) + "\n"


def config_path(home: Home, name: str) -> Path:
    return home.configs / f"{safe_name(name, 'config name')}.json"


def curation_path(home: Home, name: str) -> Path:
    """The recipe as a curation config file, beside the JSON (what `run --config` curates with)."""
    return home.configs / f"{safe_name(name, 'config name')}.curate.toml"


def save_named_config(home: Home, config: NamedConfig) -> Path:
    """Write NAME.json and NAME.curate.toml atomically; an older config of that name is replaced."""
    unknown = set(config.train) - {f.name for f in fields(TrainConfig)}
    if unknown:
        raise ValueError(f"not training options: {sorted(unknown)}")  # a bug in the caller, not user input
    path = config_path(home, config.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(config.curation_toml(), curation_path(home, config.name))
    write_json(asdict(config), path)
    return path


def load_named_config(home: Home, name: str) -> NamedConfig:
    """The config called `name`; a one-line UserError naming the ones that exist if it does not."""
    path = config_path(home, name)
    if not path.is_file():
        known = (
            sorted(p.name.removesuffix(".json") for p in home.configs.glob("*.json")) if home.configs.is_dir() else []
        )
        raise UserError(
            f"no training config {name!r} in {home.configs} (known: {', '.join(known) or 'none'}; "
            "`sentiflow tune` saves one)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return NamedConfig(**data)
    except (json.JSONDecodeError, TypeError) as exc:
        raise UserError(f"{path}: not a training config ({exc}); run `sentiflow tune` again to rewrite it") from None


def training_config(home: Home, name: str | None, profile: str, **flags: Any) -> TrainConfig:
    """The config a `train` run uses: the profile with the flags given (None: not given), or with
    `name`, the named config's profile and hyperparameters with the flags given on top."""
    from sentiflow.tasks.models.training.config import make_config

    if name is None:
        return make_config(profile, **flags)
    named = load_named_config(home, name)
    return make_config(named.profile, **{**named.train, **{k: v for k, v in flags.items() if v is not None}})
