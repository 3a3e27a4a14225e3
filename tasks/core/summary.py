"""Typed stage summaries that travel as JSON.

Each stage defines its summary as a dataclass in its own package (tasks/STAGE/summary.py). Its
flow returns the summary's JSON form, a plain dict: that is what `--json` prints, what a
deployment's flow run returns and what the stage tests compare. Whoever reads it back (the
orchestration flows, the CLI) parses it with `from_json` and reads attributes. Parsing is
strict: a key the class does not declare, or a declared one the dict lacks, raises at once, so
a renamed field can never turn into a silent None in a reader.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Self


class Summary:
    """Mixin for a stage's summary dataclass: `to_json`, `from_json`, and what a run reports."""

    def to_json(self) -> dict[str, Any]:
        """The JSON form: fields in declaration order, nested dataclasses as dicts."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from `to_json`'s output; unknown or missing keys raise a TypeError."""
        return from_json(cls, data)

    @property
    def partial(self) -> bool:
        """Whether some of the stage's inputs (files, shards) failed while the rest went through."""
        return False

    @property
    def failed(self) -> bool:
        """Whether the stage ran to its end but every input failed: nothing went through."""
        return False

    def counts(self, seconds: float | None) -> dict[str, Any]:
        """The stage's line in an orchestration run's summary (and its `runs` row)."""
        raise NotImplementedError(f"{type(self).__name__} does not say what a run reports of it")


def from_json(cls: type, data: Mapping[str, Any]) -> Any:
    """An instance of dataclass `cls` from its JSON form, nested dataclasses included."""
    if not isinstance(data, Mapping):
        raise TypeError(f"{cls.__name__}: expected a JSON object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(unknown)}")
    missing = sorted(f.name for f in dataclasses.fields(cls) if f.init and f.name not in data and _required(f))
    if missing:
        raise TypeError(f"{cls.__name__}: missing {', '.join(missing)}")
    return cls(**{name: _parse(hints[name], value) for name, value in data.items()})


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _parse(hint: Any, value: Any) -> Any:
    """`value` as `hint` says: dataclasses rebuilt, in lists, dict values and `X | None` too."""
    if value is None:
        return None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_json(hint, value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        arms = [a for a in args if a is not type(None)]
        return _parse(arms[0], value) if len(arms) == 1 else value
    if origin is list and args:
        return [_parse(args[0], v) for v in value]
    if origin is dict and len(args) == 2:
        return {k: _parse(args[1], v) for k, v in value.items()}
    return value
