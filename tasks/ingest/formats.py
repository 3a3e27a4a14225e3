"""Input formats: detected from the file name (`.gz` included), overridable with `--format`.

A format says how a file is split into rows. Compression is independent of the format: a name
ending in `.gz`, or a file starting with the gzip magic bytes, is decompressed while it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sentiflow.tasks.core.errors import UserError

# User-facing format names (what `--format` accepts) and the extensions that imply them.
FORMATS = ("csv", "tsv", "jsonl", "parquet", "txt")
FORMAT_ALIASES = {"ndjson": "jsonl", "pq": "parquet", "text": "txt"}
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "txt",
}
# Internal format of a folder of .txt files: one document per file, label from the parent
# folder's name (the aclImdb pos/ neg/ layout). It is never given with --format.
TXT_FOLDER = "txt-folder"

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class FileFormat:
    """How to read one file: the row format and whether it is gzip-compressed."""

    name: str  # one of FORMATS, or TXT_FOLDER
    gzip: bool = False


def normalize_format(name: str | None) -> str | None:
    """The canonical name of a `--format` value (None stays None); a UserError if unknown."""
    if name is None:
        return None
    key = name.strip().lower().lstrip(".")
    key = key.removesuffix(".gz")
    key = FORMAT_ALIASES.get(key, key)
    if key not in FORMATS:
        raise UserError(
            f"unknown --format {name!r}: use one of {', '.join(FORMATS)} (compression is detected from a .gz name)"
        )
    return key


def is_gzip(path: Path) -> bool:
    """True for a `.gz` name or a file that starts with the gzip magic bytes."""
    if path.name.lower().endswith(".gz"):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError:
        return False


def format_from_name(path: Path) -> str | None:
    """The format implied by a file's extension (ignoring a trailing .gz), or None."""
    name = path.name.lower().removesuffix(".gz")
    return EXTENSIONS.get(Path(name).suffix)


def detect_format(path: Path, override: str | None = None) -> FileFormat:
    """The format of one file: `override` (a --format value) wins over the extension."""
    name = normalize_format(override) or format_from_name(path)
    if name is None:
        raise UserError(
            f"{path}: unknown format (extension {''.join(path.suffixes) or 'none'}); "
            f"rename it or pass --format ({', '.join(FORMATS)})"
        )
    return FileFormat(name, gzip=is_gzip(path))


def display_name(path: Path) -> str:
    """The file name without compression suffix, e.g. 'reviews.csv' for 'reviews.csv.gz'."""
    return path.name[:-3] if path.name.lower().endswith(".gz") else path.name


def stem(path: Path) -> str:
    """The name without format and compression suffixes: 'reviews' for 'reviews.csv.gz'."""
    name = display_name(path)
    suffix = Path(name).suffix
    return name[: -len(suffix)] if suffix and len(suffix) < len(name) else name
