"""Reading the document lake: lake/documents/source=NAME/part-*.parquet (DOCUMENT_SCHEMA).

Every shard carries all DOCUMENT_SCHEMA columns, `source` included, so readers do not rely on
Hive partitioning. Temporary files ('.tmp-*') are never read.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from sentiflow.tasks.core.atomic import TMP_PREFIX
from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA


def list_sources(home: Home) -> list[str]:
    """Sources that have at least one shard in the lake."""
    if not home.documents.exists():
        return []
    return sorted(
        p.name.split("=", 1)[1]
        for p in home.documents.iterdir()
        if p.is_dir() and p.name.startswith("source=") and any(shard_paths(p))
    )


def shard_paths(folder: Path) -> list[Path]:
    """Finished Parquet shards in a folder, in name order."""
    return sorted(
        p for p in folder.glob("*.parquet") if p.is_file() and not p.name.startswith(TMP_PREFIX)
    )


def document_shards(home: Home, sources: list[str] | None = None) -> list[Path]:
    """All finished document shards of the given sources (all sources when None)."""
    known = list_sources(home)
    if not known:
        raise UserError(f"the lake in {home.root} is empty: run `sentiflow ingest` first")
    chosen = known if not sources else sources
    missing = [s for s in chosen if s not in known]
    if missing:
        raise UserError(
            f"no documents for source(s) {', '.join(missing)} (known: {', '.join(known)})"
        )
    return [p for s in chosen for p in shard_paths(home.source_documents(s))]


def documents_dataset(home: Home, sources: list[str] | None = None) -> ds.Dataset:
    """A pyarrow dataset over the chosen sources' shards, with DOCUMENT_SCHEMA."""
    return ds.dataset([str(p) for p in document_shards(home, sources)], schema=DOCUMENT_SCHEMA, format="parquet")


def read_documents(
    home: Home, sources: list[str] | None = None, columns: list[str] | None = None
) -> pa.Table:
    """All documents of the chosen sources as one table (for curation-sized data)."""
    return documents_dataset(home, sources).to_table(columns=columns)


def write_documents_shard(home: Home, table: pa.Table, name: str) -> Path:
    """Write one finished shard for `table`'s single source (used by ingest and by tests)."""
    from sentiflow.tasks.core.atomic import write_parquet

    sources = set(table.column("source").to_pylist())
    if len(sources) != 1:
        raise ValueError(f"a shard holds one source, got {sorted(sources)}")
    table = table.cast(DOCUMENT_SCHEMA)
    return write_parquet(table, home.source_documents(sources.pop()) / name)
