"""Named queries: sql/queries/NAME.sql, run with `sentiflow query --name NAME --param k=v`.

A query file starts with comment lines: first a description, then one line per parameter,

    -- The most negative documents by one model.
    -- param source varchar = null: only this source (default: every source)
    -- param limit integer = 10: how many documents

and uses each parameter as `$name` (DuckDB named parameters: values are bound, never pasted
into the SQL). A parameter without `= default` is required. Values from the command line are
converted to the declared type here, so a bad value gets a one-line error naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from sentiflow.tasks.core.errors import UserError

_PARAM = re.compile(r"^--\s*param\s+(\w+)\s+(\w+)(?:\s*=\s*([^:]+?))?\s*:\s*(.*)$")
_NAME = re.compile(r"^[a-z0-9_]+$")


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError(text)
    return lowered in ("true", "1", "yes")


# declared type -> converter from the command line's text
CONVERTERS = {
    "varchar": str,
    "integer": int,
    "double": float,
    "boolean": _boolean,
    "date": date.fromisoformat,
    "timestamp": datetime.fromisoformat,
}


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    default: str | None  # as written in the file; None when required
    required: bool
    description: str

    def convert(self, text: str | None, query: str) -> Any:
        if text is None or text.lower() == "null":
            return None
        try:
            return CONVERTERS[self.type](text)
        except ValueError:
            raise UserError(f"--param {self.name}={text!r} for query {query!r}: not a valid {self.type}") from None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[QueryParam, ...]
    sql: str

    def bind(self, given: dict[str, str]) -> dict[str, Any]:
        """Typed values for every declared parameter, from `--param` texts and defaults."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            known = ", ".join(declared) or "none"
            raise UserError(f"query {self.name!r} has no parameter {unknown[0]!r} (parameters: {known})")
        values = {}
        for p in self.params:
            if p.name not in given and p.required:
                raise UserError(f"query {self.name!r} needs --param {p.name}=... ({p.type}: {p.description})")
            values[p.name] = p.convert(given.get(p.name, p.default), self.name)
        return values


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Read the description and parameters from a query file's leading comments."""
    description, params = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("--"):
            break
        match = _PARAM.match(line)
        if match:
            pname, ptype, default, doc = match.groups()
            if ptype.lower() not in CONVERTERS:
                raise ValueError(f"sql/queries/{name}.sql: parameter {pname} has unknown type {ptype}")
            params.append(QueryParam(pname, ptype.lower(), default, default is None, doc.strip()))
        else:
            description.append(line.lstrip("-").strip())
    return NamedQuery(name, " ".join(d for d in description if d), tuple(params), text)


def _folder():
    return resources.files("sentiflow.sql").joinpath("queries")


def list_named_queries() -> list[NamedQuery]:
    """Every query shipped in sql/queries/, by name."""
    files = sorted(p.name for p in _folder().iterdir() if p.name.endswith(".sql"))
    return [parse_named_query(f.removesuffix(".sql"), _folder().joinpath(f).read_text(encoding="utf-8")) for f in files]


def named_query(name: str) -> NamedQuery:
    """The named query `name`, or a UserError listing the known ones."""
    queries = {q.name: q for q in list_named_queries()}
    if not _NAME.match(name) or name not in queries:
        raise UserError(f"no named query {name!r} (known: {', '.join(queries)}); see `sentiflow query --list`")
    return queries[name]
