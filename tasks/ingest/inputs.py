"""Turn the inputs a user names (files, folders, `demo`) into ingest units.

A unit is what the manifest tracks and one Prefect task ingests: a single file, or a folder's
.txt files read as one document per file. Problems that stop one input (missing file, folder
with nothing supported, no read permission, unknown format) become one-line failures, so the
other inputs still go ahead.

Identity: within a source, a unit is known by its name: the file name for a file given
directly ('train.tsv'), 'FOLDER/RELATIVE/PATH' for a file found in a folder, and the folder's
name for a folder of .txt files. Origins ('train.tsv:12') and so doc_ids derive from it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import safe_name
from sentiflow.tasks.ingest.demo import DEMO_INPUT, DEMO_SOURCE, demo_corpus_path
from sentiflow.tasks.ingest.formats import (
    FORMATS,
    TXT_FOLDER,
    detect_format,
    display_name,
    format_from_name,
    normalize_format,
    stem,
)


@dataclass(frozen=True)
class IngestUnit:
    """One file (or one folder of .txt files) to ingest into one source."""

    input: str  # the argument as the user gave it, for messages
    source: str
    name: str  # identity within the source, and the file part of every origin
    path: str  # absolute path of the file, or of the folder for TXT_FOLDER
    format: str  # one of FORMATS or TXT_FOLDER
    gzip: bool = False
    size: int = 0  # bytes on disk (for a folder: all its .txt files), for MB/s
    all_files: bool = False  # TXT_FOLDER only: every file is a document (--format txt)

    @property
    def delimiter(self) -> str:
        return "\t" if self.format == "tsv" else ","


@dataclass
class InputPlan:
    """The units to ingest, the inputs that failed, and files a folder held but we skip."""

    units: list[IngestUnit] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def fail(self, input_: str, message: str) -> None:
        self.failures.append({"input": input_, "error": message})


def source_name_for(path: Path) -> str:
    """A safe source name from a file or folder name: 'IMDB reviews.csv.gz' -> 'IMDB_reviews'."""
    base = path.name if path.is_dir() else stem(path)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-") or "source"
    return name[:128]


def folder_files(root: Path) -> list[Path]:
    """Regular, non-hidden files under `root`, in a stable (sorted) order."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return [p for p in found if p.is_file()]


def _raise(error: OSError) -> None:
    raise error


def txt_folder_files(root: Path, all_files: bool) -> list[Path]:
    """The files of a folder-of-txt unit: *.txt (and *.txt.gz), or every file with --format txt."""
    files = folder_files(root)
    return files if all_files else [p for p in files if format_from_name(p) == "txt"]


def check_readable(path: Path) -> None:
    """A UserError naming the file when it cannot be opened for reading."""
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError:
        raise UserError(f"{path}: permission denied; make it readable (chmod +r) or run as its owner") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a folder where a file was expected") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror or exc}); check the file") from None


def plan_inputs(inputs: list[str], source: str | None = None, fmt: str | None = None) -> InputPlan:
    """Expand inputs into units. Raises UserError only for bad options; input problems are data."""
    if source is not None:
        safe_name(source, "--source name")
    override = normalize_format(fmt)
    plan = InputPlan()
    seen: dict[tuple[str, str], str] = {}  # (source, name) -> path, to catch name clashes
    for raw in inputs:
        try:
            for unit in _units_for(raw, source, override, plan):
                key = (unit.source, unit.name)
                if key in seen and seen[key] != unit.path:
                    raise UserError(
                        f"{raw}: another input named {unit.name!r} already goes to source "
                        f"{unit.source!r}; ingest it with a different --source"
                    )
                if key not in seen:
                    seen[key] = unit.path
                    plan.units.append(unit)
        except UserError as exc:
            plan.fail(raw, str(exc))
    return plan


def _units_for(raw: str, source: str | None, override: str | None, plan: InputPlan) -> list[IngestUnit]:
    if raw == DEMO_INPUT and not Path(raw).exists():
        path = demo_corpus_path()
        return [IngestUnit(raw, source or DEMO_SOURCE, path.name, str(path), "csv", size=path.stat().st_size)]
    path = Path(raw).expanduser()
    try:
        exists = path.exists()
    except PermissionError:
        raise UserError(f"{raw}: permission denied on a folder in its path; make it readable") from None
    if not exists:
        hint = " (the embedded corpus is `demo`)" if raw.lower() == "demo" else ""
        raise UserError(f"{raw}: no such file or folder; check the path{hint}")
    path = path.resolve()
    if path.is_dir():
        return _folder_units(raw, path, source or source_name_for(path), override, plan)
    check_readable(path)
    ff = detect_format(path, override)
    return [
        IngestUnit(
            raw, source or source_name_for(path), display_name(path), str(path), ff.name, ff.gzip, path.stat().st_size
        )
    ]


def _folder_units(raw: str, root: Path, source: str, override: str | None, plan: InputPlan) -> list[IngestUnit]:
    try:
        files = folder_files(root)
    except PermissionError:
        raise UserError(f"{raw}: permission denied while listing the folder; make it readable") from None
    units: list[IngestUnit] = []
    txt_files: list[Path] = []
    for path in files:
        name = override or format_from_name(path)
        if name is None:
            plan.ignored.append(str(path))
        elif name == "txt":
            txt_files.append(path)
        else:
            check_readable(path)
            ff = detect_format(path, name)
            rel = path.relative_to(root.parent).as_posix()
            units.append(
                IngestUnit(raw, source, rel.removesuffix(".gz"), str(path), ff.name, ff.gzip, path.stat().st_size)
            )
    if txt_files:
        size = sum(p.stat().st_size for p in txt_files)
        units.insert(
            0, IngestUnit(raw, source, root.name, str(root), TXT_FOLDER, all_files=override == "txt", size=size)
        )
    if not units:
        raise UserError(
            f"{raw}: the folder has no supported files ({', '.join(FORMATS)}, optionally .gz); "
            "point at the files or pass --format"
        )
    return units
