"""The home folder layout (docs/ARCHITECTURE.md). Every path a run writes is derived here.

Names that come from users (sources, dataset versions, model ids) become folder names, so they
are validated to stay inside the home: letters, digits, '.', '_' and '-', not starting with '.'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sentiflow.tasks.core.errors import UserError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


def safe_name(name: str, kind: str) -> str:
    """Return `name` if it is safe as a single folder name, else raise a UserError."""
    if not isinstance(name, str) or not _SAFE_NAME.match(name) or ".." in name:
        raise UserError(
            f"invalid {kind} {name!r}: use 1-128 letters, digits, '.', '_' or '-' (no '/', no leading '.', no '..')"
        )
    return name


@dataclass(frozen=True)
class Home:
    """Paths under one home folder. Creating a Home touches nothing on disk."""

    root: Path

    @classmethod
    def at(cls, root: Path | str) -> Home:
        return cls(Path(root).expanduser().resolve())

    # lake
    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def documents(self) -> Path:
        return self.lake / "documents"

    def source_documents(self, source: str) -> Path:
        return self.documents / f"source={safe_name(source, 'source name')}"

    def source_quarantine(self, source: str) -> Path:
        return self.lake / "quarantine" / f"source={safe_name(source, 'source name')}"

    @property
    def manifests(self) -> Path:
        return self.lake / "_manifests"

    # datasets and models
    @property
    def datasets(self) -> Path:
        return self.root / "datasets"

    def dataset(self, version: str) -> Path:
        return self.datasets / safe_name(version, "dataset version")

    @property
    def models(self) -> Path:
        return self.root / "models"

    def model(self, model_id: str) -> Path:
        return self.models / safe_name(model_id, "model id")

    # scoring and the warehouse
    @property
    def predictions(self) -> Path:
        return self.root / "predictions"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def configs(self) -> Path:
        """Named training configs (NAME.json), e.g. the best one a `tune` search found."""
        return self.root / "configs"

    @property
    def tune(self) -> Path:
        """Training-strategy searches: NAME.journal (the Optuna study) and NAME/ (trial work folders)."""
        return self.root / "tune"

    def study_journal(self, study: str) -> Path:
        """The Optuna journal of search `study` (what optuna-dashboard opens)."""
        return self.tune / f"{safe_name(study, 'study name')}.journal"
