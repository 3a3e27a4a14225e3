"""Tiny inline corpora for curation tests: lake tables, lake shards and Docs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from sentiflow.tasks.core.home import Home
from sentiflow.tasks.core.lake import write_documents_shard
from sentiflow.tasks.core.schema import DOCUMENT_SCHEMA, make_doc_id
from sentiflow.tasks.curate.step import Doc

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def row(
    text: str,
    label: str | None = "positive",
    confidence: float | None = None,
    source: str = "tweets",
    split: str | None = None,
    n: int = 0,
) -> dict[str, Any]:
    """One lake row; `n` makes the origin (and so the doc_id) unique."""
    origin = f"{source}.csv:{n}"
    return {
        "doc_id": make_doc_id(source, origin, text),
        "text": text,
        "label": label,
        "label_confidence": confidence,
        "source": source,
        "split": split,
        "created_at": None,
        "ingested_at": NOW,
        "origin": origin,
    }


def table(*rows: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=DOCUMENT_SCHEMA)


def rows_of(texts_and_labels: list[tuple[str, str | None]], **kw: Any) -> list[dict[str, Any]]:
    return [row(t, lb, n=i, **kw) for i, (t, lb) in enumerate(texts_and_labels)]


def write_lake(home: Home, rows: list[dict[str, Any]]) -> None:
    """One shard per source, as ingest would write them."""
    for source in sorted({r["source"] for r in rows}):
        write_documents_shard(home, table(*[r for r in rows if r["source"] == source]), "part-00000.parquet")


def doc(
    text: str,
    label: str | None = "positive",
    confidence: float | None = None,
    source: str = "tweets",
    split: str | None = None,
    doc_id: str | None = None,
) -> Doc:
    """A Doc as a step sees it (label already canonical unless given otherwise)."""
    return Doc(
        doc_id=doc_id or make_doc_id(source, text, text),
        text=text,
        source=source,
        origin="t:1",
        text_original=text,
        label_original=label,
        label=label,
        label_confidence=confidence,
        split_given=split,
    )


# Twelve distinct English reviews per class, long enough for every step to judge them.
POSITIVE = [
    "what a wonderful film, the acting was superb from start to finish",
    "i loved every minute of this charming and funny little story",
    "the soundtrack is gorgeous and the photography takes your breath away",
    "a warm, clever comedy that the whole family will enjoy together",
    "brilliant performances and a script full of sharp dialogue",
    "this is the best thriller i have seen in many years",
    "an uplifting tale told with real heart and a great sense of humour",
    "the director delivers a stunning and moving portrait of friendship",
    "fresh, witty and beautifully made; i would happily watch it again",
    "the cast has wonderful chemistry and the jokes land every time",
    "a triumph of storytelling with a hopeful and satisfying ending",
    "smart, tender and surprising, a real gem of a movie",
]
NEGATIVE = [
    "a dull and lifeless film that drags on far too long",
    "i hated the wooden acting and the endless pointless subplots",
    "the plot makes no sense and the ending is a complete letdown",
    "boring, predictable and badly edited from the first scene",
    "one of the worst scripts i have ever had to sit through",
    "the jokes fall flat and the characters are impossible to like",
    "a messy, noisy sequel that nobody asked for at all",
    "the dialogue is clumsy and the pacing is painfully slow",
    "cheap special effects cannot save this tired and silly story",
    "i walked out halfway because it was so tedious and stupid",
    "an ugly, cynical movie with nothing interesting to say",
    "weak performances and a dreary plot make this a chore",
]
