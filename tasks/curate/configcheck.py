"""Building frozen config dataclasses from parsed TOML, with one-line errors naming the key.

Kept apart from config.py so the settings themselves read as a plain list of documented fields.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from sentiflow.tasks.core.errors import UserError


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def build_section(cls: type, data: Any, prefix: str, skip: frozenset[str] | set[str] = frozenset()) -> Any:
    """An instance of dataclass `cls` with `data` overriding its defaults."""
    where = f"'{prefix}'" if prefix else "the top level"
    if not isinstance(data, dict):
        raise UserError(f"config key {where} must be a table")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in skip:
            continue
        if name not in names:
            raise UserError(f"config key '{_key(prefix, name)}' is unknown; allowed in {where}: {', '.join(names)}")
        values[name] = _coerce(hints[name], value, _key(prefix, name))
    return cls(**values)


def _coerce(hint: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return build_section(hint, value, key)
    if hint is bool:
        if not isinstance(value, bool):
            raise UserError(f"config key '{key}' must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"config key '{key}' must be a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"config key '{key}' must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise UserError(f"config key '{key}' must be a string, got {value!r}")
        return value
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UserError(f"config key '{key}' must be a list of strings, got {value!r}")
        return tuple(value)
    raise TypeError(f"no TOML coercion for {key} ({hint})")  # a programming error, not the user's


def check_fraction(key: str, value: float) -> None:
    """A threshold or share must lie in 0..1."""
    if not 0.0 <= value <= 1.0:
        raise UserError(f"config key '{key}' is {value:g}; allowed: a number from 0 to 1")


def check_range(key: str, value: int, low: int, high: int | None) -> None:
    if value < low or (high is not None and value > high):
        allowed = f"{low} or more" if high is None else f"{low} to {high}"
        raise UserError(f"config key '{key}' is {value}; allowed: {allowed}")
