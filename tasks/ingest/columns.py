"""Column mapping: which input column is the text, the label, the confidence and the date.

Columns come from --text-column / --label-column / --confidence-column / --date-column, by
name or, as a 1-based number, by position. Giving the columns of a CSV or TSV by position
means the file has no header row. Without flags, common names are recognised (case-insensitive).
"""

from __future__ import annotations

from dataclasses import dataclass

from sentiflow.tasks.core.errors import UserError

# Recognised names, in order of preference.
TEXT_NAMES = ("text", "sentence", "review", "content", "tweet", "body", "document", "comment", "message")
LABEL_NAMES = ("label", "sentiment", "rating", "polarity", "stars", "class", "target")
CONFIDENCE_NAMES = ("confidence", "label_confidence", "score_confidence", "agreement")
DATE_NAMES = ("date", "created_at", "timestamp", "time", "datetime", "published_at")


@dataclass(frozen=True)
class ColumnSpec:
    """The columns a user asked for (None: detect by name)."""

    text: str | None = None
    label: str | None = None
    confidence: str | None = None
    date: str | None = None

    def given(self) -> dict[str, str]:
        return {role: value for role, value in vars(self).items() if value is not None}

    @property
    def by_position(self) -> bool:
        """True when columns are given as positions (so a CSV/TSV has no header row)."""
        given = self.given()
        positional = [v for v in given.values() if is_position(v)]
        if positional and len(positional) != len(given):
            raise UserError(
                "give all columns by name (a file with a header) or all by 1-based position "
                f"(a file without one), not a mix: {', '.join(f'{k}={v}' for k, v in given.items())}"
            )
        return bool(positional)


@dataclass(frozen=True)
class ColumnMapping:
    """Resolved input column names for each role (None: the input has no such column)."""

    text: str
    label: str | None = None
    confidence: str | None = None
    date: str | None = None


def is_position(value: str) -> bool:
    return value.strip().isdigit()


def _find(columns: list[str], wanted: str) -> str | None:
    """The column named `wanted` (exact, then case-insensitive), or the one at its position."""
    if wanted in columns:
        return wanted
    lowered = {c.lower(): c for c in reversed(columns)}
    if wanted.lower() in lowered:
        return lowered[wanted.lower()]
    if is_position(wanted) and 1 <= int(wanted) <= len(columns):
        return columns[int(wanted) - 1]
    return None


def _detect(columns: list[str], names: tuple[str, ...], taken: set[str]) -> str | None:
    lowered = {c.lower(): c for c in reversed(columns) if c not in taken}
    return next((lowered[n] for n in names if n in lowered), None)


def _describe_columns(columns: list[str], limit: int = 12) -> str:
    """Column names for a one-line error: control bytes escaped, long names and lists cut.

    A binary file with a .csv name yields a "header" of raw bytes; printed as is, it would
    break the terminal and the one-line contract.
    """
    if not columns:
        return "none"
    shown = [ascii(c)[1:-1] if not c.isprintable() else c for c in columns[:limit]]
    shown = [c if len(c) <= 40 else c[:37] + "..." for c in shown]
    more = f" (+{len(columns) - limit} more)" if len(columns) > limit else ""
    hint = "" if all(c.isprintable() for c in columns) else " (not text: is this a binary file?)"
    return ", ".join(shown) + more + hint


def resolve_columns(columns: list[str], spec: ColumnSpec, where: str) -> ColumnMapping:
    """Map roles to columns of one input; UserError naming `where` and the columns found."""
    found = _describe_columns(columns)
    mapping: dict[str, str | None] = {}
    for role in ("text", "label", "confidence", "date"):
        wanted = getattr(spec, role)
        if wanted is None:
            continue
        column = _find(columns, wanted)
        if column is None:
            flag = f"--{role}-column"
            raise UserError(f"{where}: {role} column {wanted!r} ({flag}) not found; columns found: {found}")
        mapping[role] = column
    taken = {c for c in mapping.values() if c}
    for role, names in (
        ("text", TEXT_NAMES),
        ("label", LABEL_NAMES),
        ("confidence", CONFIDENCE_NAMES),
        ("date", DATE_NAMES),
    ):
        if role not in mapping:
            mapping[role] = _detect(columns, names, taken)
            if mapping[role]:
                taken.add(mapping[role])  # type: ignore[arg-type]
    if mapping["text"] is None:
        raise UserError(
            f"{where}: no text column (looked for {', '.join(TEXT_NAMES)}); columns found: {found}; "
            "pass --text-column NAME (or a 1-based position for a file without a header)"
        )
    return ColumnMapping(**mapping)  # type: ignore[arg-type]
