"""The project's own documents point at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PROJECT_FOLDERS = ("tasks", "flows", "sql", "deploy", "benchmarks", "tests", "docs")
PLACEHOLDERS = {"NAME", "ID", "VERSION", "FILE"}  # a template path (`flows/NAME.py`), not a file


def _cited_paths(document: Path) -> list[str]:
    """Backticked paths into the project's folders, e.g. `tasks/models/classifier.py`."""
    folders = "|".join(PROJECT_FOLDERS)
    cited = re.findall(rf"`((?:{folders})/[A-Za-z0-9_./-]*)`", document.read_text("utf-8"))
    return sorted({path for path in cited if "*" not in path and not PLACEHOLDERS & set(re.split(r"[/.]", path))})


def test_readme_cites_only_files_that_exist():
    missing = [path for path in _cited_paths(REPO / "README.md") if not (REPO / path).exists()]
    assert not missing, f"README.md cites files that do not exist: {missing}"


def test_architecture_notes_cite_only_files_that_exist():
    notes = REPO / "docs" / "ARCHITECTURE.md"
    missing = [path for path in _cited_paths(notes) if not (REPO / path).exists()]
    assert not missing, f"docs/ARCHITECTURE.md cites files that do not exist: {missing}"
    assert "## Layers and the stage contract" in notes.read_text("utf-8")


def test_modules_cite_documents_the_project_has():
    """A citation of a document a user's clone lacks (DESIGN.md was one) points nowhere."""
    missing = []
    for folder in ("tasks", "flows", "sql", "benchmarks", "tests", "deploy"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in (".py", ".md", ".yaml", ".sql") or path == Path(__file__).resolve():
                continue
            for name in re.findall(r"\b((?:docs/)?[A-Z][A-Z_]+\.md)\b", path.read_text("utf-8", errors="replace")):
                if not (REPO / name).exists() and not (path.parent / name).exists():
                    missing.append(f"{path.relative_to(REPO)}: {name}")
    assert not missing, f"documents cited but not in the project: {missing}"
