"""Typed settings, read from SENTIFLOW_* environment variables and overridden by CLI flags.

Every field is documented here and in the README's settings table (tests check they agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings. Instantiate with `Settings()`; flags override via `model_copy`."""

    model_config = SettingsConfigDict(env_prefix="SENTIFLOW_", frozen=True, extra="ignore")

    home: Path = Field(
        default=Path("sentiflow-home"),
        description="Home folder: everything a run produces lives under it (SENTIFLOW_HOME).",
    )
    shard_rows: int = Field(
        default=200_000,
        gt=0,
        description="Rows per Parquet shard written to the lake (bounds writer memory).",
    )
    max_text_chars: int = Field(
        default=100_000,
        gt=0,
        description="Longest text ingested, in characters; longer rows are quarantined.",
    )
    query_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description="How long `query` waits for a running load to release the warehouse.",
    )
    score_threads: int = Field(
        default=0,
        ge=0,
        description="Inference threads per scoring worker; 0 = automatic (up to 4 per worker, one worker per 4 cores).",
    )
    offline: bool = Field(
        default=False,
        description="Never reach the Hugging Face hub (also on with HF_HUB_OFFLINE=1).",
    )
    sources_file: Path | None = Field(
        default=None,
        description="The sources file `run --sources` and the nightly flow read (also --sources-file, which wins); "
        "unset: HOME/sentiflow.toml.",
    )

    @field_validator("sources_file", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def with_home(self, home: Path | None) -> Settings:
        """The same settings with another home folder, when one is given."""
        return self if home is None else self.model_copy(update={"home": Path(home)})


FLAG, ENVIRONMENT, DEFAULT = "flag", "environment", "default"


def setting_origins(settings: Settings, flags: Iterable[str] = ()) -> dict[str, str]:
    """Where each value of `settings` came from: FLAG for the fields named in `flags` (the
    command line set them), ENVIRONMENT for those a SENTIFLOW_* variable set (pydantic-settings
    marks what its sources supplied as set), DEFAULT for the rest."""
    flagged = set(flags)
    return {
        name: FLAG if name in flagged else ENVIRONMENT if name in settings.model_fields_set else DEFAULT
        for name in Settings.model_fields
    }


def setting_docs() -> dict[str, str]:
    """Environment variable name -> description, for the README and `--help`."""
    return {f"SENTIFLOW_{name.upper()}": (field.description or "") for name, field in Settings.model_fields.items()}
