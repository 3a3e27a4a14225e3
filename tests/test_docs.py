"""The project's own documents point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT_FOLDERS = ("tasks", "flows", "sql", "deploy", "benchmarks", "tests", "docs")


def _cited_paths(document: Path) -> list[str]:
    """Backticked paths into the project's folders, e.g. `tasks/models/classifier.py`."""
    folders = "|".join(PROJECT_FOLDERS)
    cited = re.findall(rf"`((?:{folders})/[A-Za-z0-9_./-]*)`", document.read_text("utf-8"))
    return sorted({path for path in cited if "*" not in path})


def test_readme_cites_only_files_that_exist():
    missing = [path for path in _cited_paths(REPO / "README.md") if not (REPO / path).exists()]
    assert not missing, f"README.md cites files that do not exist: {missing}"
