"""Reading the document lake: lake/documents/source=NAME/part-*.parquet (DOCUMENT_SCHEMA).

Every shard carries all DOCUMENT_SCHEMA columns, `source` included, so readers do not rely on
Hive partitioning. Temporary files ('.tmp-*') are never read.

A shard is part of the lake once a manifest (lake/_manifests/source=NAME/*.json) lists it in
its "shards". Ingest writes a file's shards first and its manifest last, so readers see all
of a file's new rows or none of them: the shards of a file whose ingest was killed (or is
still running) stay invisible until a run finishes it. `write_documents_shard` commits a
single shard the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from sentiflow.tasks.core.atomic import TMP_PREFIX, write_json, write_parquet
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA


def list_sources(home: Home) -> list[str]:
    """Sources that have at least one committed shard in the lake."""
    if not home.documents.exists():
        return []
    return sorted(
        source
        for p in home.documents.iterdir()
        if p.is_dir() and p.name.startswith("source=") and source_shards(home, source := p.name.split("=", 1)[1])
    )


def shard_paths(folder: Path) -> list[Path]:
    """Finished Parquet files in a folder (committed or not), in name order."""
    return sorted(p for p in folder.glob("*.parquet") if p.is_file() and not p.name.startswith(TMP_PREFIX))


def committed_shard_names(home: Home, source: str) -> set[str]:
    """Names of the document shards the source's manifests list."""
    names: set[str] = set()
    folder = home.manifests / f"source={source}"
    for path in folder.glob("*.json") if folder.exists() else []:
        if path.name.startswith(TMP_PREFIX):
            continue
        try:
            names.update(json.loads(path.read_text(encoding="utf-8")).get("shards", []))
        except FileNotFoundError:  # replaced by a rename or removed since the listing
            continue
        except (ValueError, AttributeError) as exc:
            raise UserError(f"{path}: unreadable manifest ({exc}); delete it and re-ingest its file") from None
    return names


def source_shards(home: Home, source: str) -> list[Path]:
    """The source's committed document shards, in name order."""
    listed = committed_shard_names(home, source)
    return [p for p in shard_paths(home.source_documents(source)) if p.name in listed] if listed else []


def document_shards(home: Home, sources: list[str] | None = None) -> list[Path]:
    """All finished document shards of the given sources (all sources when None)."""
    known = list_sources(home)
    if not known:
        raise UserError(f"the lake in {home.root} is empty: run `sentiflow ingest` first")
    chosen = known if not sources else sources
    missing = [s for s in chosen if s not in known]
    if missing:
        raise UserError(f"no documents for source(s) {', '.join(missing)} (known: {', '.join(known)})")
    return [p for s in chosen for p in source_shards(home, s)]


def documents_dataset(home: Home, sources: list[str] | None = None) -> ds.Dataset:
    """A pyarrow dataset over the chosen sources' shards, with DOCUMENT_SCHEMA."""
    return ds.dataset([str(p) for p in document_shards(home, sources)], schema=DOCUMENT_SCHEMA, format="parquet")


def read_documents(home: Home, sources: list[str] | None = None, columns: list[str] | None = None) -> pa.Table:
    """All documents of the chosen sources as one table (for curation-sized data)."""
    return documents_dataset(home, sources).to_table(columns=columns)


def write_shard_file(home: Home, table: pa.Table, name: str) -> Path:
    """Write one shard for `table`'s single source; readers see it once a manifest lists it."""
    sources = set(table.column("source").to_pylist())
    if len(sources) != 1:
        raise ValueError(f"a shard holds one source, got {sorted(sources)}")
    table = table.cast(DOCUMENT_SCHEMA)
    return write_parquet(table, home.source_documents(sources.pop()) / name)


def write_documents_shard(home: Home, table: pa.Table, name: str) -> Path:
    """Write one shard and commit it with a manifest of its own (for writers other than ingest)."""
    path = write_shard_file(home, table, name)
    source = path.parent.name.split("=", 1)[1]
    write_json(
        {"source": source, "name": name, "shards": [name]}, home.manifests / f"source={source}" / f"shard-{name}.json"
    )
    return path
