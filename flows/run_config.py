"""Configured sources: the `sentiflow.toml` file that `run --sources` and `nightly` read.

It lives in the home (HOME/sentiflow.toml) unless `--sources-file` or SENTIFLOW_SOURCES_FILE
names another (the flag wins over the variable). One `[[sources]]` table per source:

    [[sources]]
    name = "tickets"                     # the source name in the lake (letters, digits, . _ -)
    paths = ["/data/tickets/2024.csv"]   # files or folders `sentiflow run --sources` ingests;
                                         # "demo" is the embedded demo corpus
    inbox = "/data/tickets/inbox"        # optional: a folder the nightly flow watches
    pattern = "*.csv"                    # optional: which inbox files to take (default "*")
    format = "csv"                       # optional, as `sentiflow ingest --format`
    text_column = "body"                 # optional column mapping, as `sentiflow ingest`
    label_column = "csat"
    confidence_column = "csat_confidence"
    date_column = "created"
    split = "train"                      # optional, as `sentiflow ingest --split`

Relative paths are relative to the file's folder. Ingestion is idempotent (a manifest of
ingested files), so re-reading a path or an inbox only adds rows not ingested before.
Pure: no Prefect, no I/O beyond reading the file and checking paths exist.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import safe_name
from sentiflow.tasks.core.settings import Settings

SOURCES_FILE_NAME = "sentiflow.toml"
DEMO_INPUT = "demo"
_INGEST_OPTIONS = ("format", "split", "text_column", "label_column", "confidence_column", "date_column")
_KEYS = ("name", "paths", "inbox", "pattern") + _INGEST_OPTIONS


@dataclass(frozen=True)
class SourceConfig:
    """One configured source: where its files are and how to read them."""

    name: str
    paths: tuple[str, ...] = ()
    inbox: str | None = None
    pattern: str = "*"
    options: dict[str, str] = field(default_factory=dict)  # ingest_flow keyword arguments

    def ingest_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `ingest_flow` (besides inputs and home)."""
        kwargs: dict[str, Any] = {"source": self.name}
        for key, value in self.options.items():
            kwargs["fmt" if key == "format" else key] = value
        return kwargs

    def inbox_files(self) -> list[str]:
        """Files now in the inbox folder that match the pattern, in name order."""
        if self.inbox is None:
            return []
        return sorted(str(p) for p in Path(self.inbox).glob(self.pattern) if p.is_file() and not p.name.startswith("."))


def sources_file_for(home: Path, sources_file: str | Path | None = None) -> Path:
    """The sources file in use: the one given (--sources-file), else SENTIFLOW_SOURCES_FILE,
    else HOME/sentiflow.toml."""
    if not sources_file:
        sources_file = Settings().sources_file
    return Path(sources_file).expanduser().resolve() if sources_file else Path(home) / SOURCES_FILE_NAME


def load_sources(path: Path) -> list[SourceConfig]:
    """Parse and validate a sources file; every problem is a one-line UserError naming it."""
    if not path.is_file():
        raise UserError(
            f"no sources file at {path}: create it with [[sources]] tables "
            "(see `sentiflow run --help`) or pass --sources-file (or set SENTIFLOW_SOURCES_FILE)"
        )
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    unknown_tables = sorted(set(document) - {"sources"})
    if unknown_tables:
        raise UserError(f"{path}: unknown table(s) {', '.join(unknown_tables)}; only [[sources]] is read")
    tables = document.get("sources", [])
    if not isinstance(tables, list) or not tables:
        raise UserError(f"{path}: no [[sources]] tables found")
    sources = [_parse_source(path, i, table) for i, table in enumerate(tables, start=1)]
    names = [s.name for s in sources]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise UserError(f"{path}: source name(s) configured twice: {', '.join(duplicated)}")
    return sources


def select_sources(configured: list[SourceConfig], names: list[str], path: Path) -> list[SourceConfig]:
    """The configured sources named (all of them for ["all"]), in the order given."""
    if names == ["all"]:
        return configured
    by_name = {s.name: s for s in configured}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise UserError(
            f"source(s) {', '.join(missing)} not configured in {path} "
            f"(configured: {', '.join(by_name)}); use --sources all for every one"
        )
    return [by_name[n] for n in names]


def _parse_source(path: Path, index: int, table: Any) -> SourceConfig:
    where = f"{path}: [[sources]] #{index}"
    if not isinstance(table, dict):
        raise UserError(f"{where} is not a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_KEYS)}")
    if "name" not in table:
        raise UserError(f"{where}: missing key 'name'")
    name = safe_name(str(table["name"]), "source name")
    where = f"{path}: source {name!r}"
    paths = table.get("paths", [])
    if isinstance(paths, str) or not all(isinstance(p, str) for p in paths):
        raise UserError(f"{where}: 'paths' must be a list of strings, e.g. paths = [\"data.csv\"]")
    if not paths and "inbox" not in table:
        raise UserError(f"{where}: give 'paths' (files to ingest) or 'inbox' (a folder to watch)")
    resolved = tuple(p if p == DEMO_INPUT else str(_resolve(path, p, where, "path")) for p in paths)
    inbox = str(_resolve(path, table["inbox"], where, "inbox")) if "inbox" in table else None
    if inbox is not None and not Path(inbox).is_dir():
        raise UserError(f"{where}: inbox {inbox} is not a folder")
    options = {}
    for key in _INGEST_OPTIONS:
        if key in table:
            if not isinstance(table[key], str | int):
                raise UserError(f"{where}: {key!r} must be a string or a column number")
            options[key] = str(table[key])
    return SourceConfig(name, resolved, inbox, str(table.get("pattern", "*")), options)


def _resolve(config_path: Path, value: Any, where: str, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise UserError(f"{where}: {key!r} must be a non-empty string")
    resolved = (config_path.parent / Path(value).expanduser()).resolve()
    if not resolved.exists():
        raise UserError(f"{where}: {key} {resolved} does not exist")
    return resolved


PROFILES = ("quick", "full")


@dataclass(frozen=True)
class IngestJob:
    """One `ingest_flow` call: its inputs and keyword arguments."""

    inputs: tuple[str, ...]
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class RunPlan:
    """What a `run` will ingest, checked before any work starts."""

    home: str
    profile: str
    source_names: tuple[str, ...]
    ingest_jobs: tuple[IngestJob, ...]


def plan_run(
    home: str,
    profile: str = "quick",
    sources: list[str] | None = None,
    sources_file: str | None = None,
    runner: str = "threads",
    dask_address: str | None = None,
) -> RunPlan:
    """Validate a run's parameters (one-line UserErrors) and say what it will ingest.

    No sources: the embedded demo corpus. Sources: those names from the sources file
    (["all"] for every configured source), each ingested from its paths and inbox files.
    """
    from sentiflow.tasks.core.runners import check_runner

    root = check_home(home)
    if profile not in PROFILES:
        raise UserError(f"unknown --profile {profile!r}: use one of {', '.join(PROFILES)}")
    check_runner(runner, dask_address)
    if not sources:
        if sources_file:
            raise UserError("--sources-file needs --sources NAME (or --sources all)")
        return RunPlan(str(root), profile, (DEMO_INPUT,), (IngestJob((DEMO_INPUT,), {}),))
    path = sources_file_for(root, sources_file)
    chosen = select_sources(load_sources(path), list(sources), path)
    jobs = []
    for source in chosen:
        inputs = (*source.paths, *source.inbox_files())
        if inputs:
            jobs.append(IngestJob(inputs, source.ingest_kwargs()))
    return RunPlan(str(root), profile, tuple(s.name for s in chosen), tuple(jobs))


def check_home(home: str | Path) -> Path:
    """The home folder as an absolute path; a UserError if it cannot be one."""
    if not str(home).strip():
        raise UserError("no home folder given: pass --home DIR or set SENTIFLOW_HOME")
    root = Path(home).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise UserError(f"home {root} exists and is not a folder: pass another --home")
    return root
