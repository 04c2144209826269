"""Reading one TOML table of a model file, so every mistake names its table and key.

A model file is edited by hand; an error has to say where it is in one line
(``model.toml: [objects."1.0.1.8.0.255"] scaler: an integer, got 'x'``), and a key nobody reads
(a typo) is an error too, not silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import TranslatorError

__all__ = ["ModelError", "Table"]


class ModelError(TranslatorError):
    """A model file that cannot be served: one line naming the file, table and key."""


class Table:
    """One TOML table and where it is (``[objects."0.0.1.0.0.255"]``); ``take`` reads keys."""

    def __init__(self, source: str, name: str, mapping: Any) -> None:
        self.source = source
        self.name = name
        if not isinstance(mapping, Mapping):
            raise ModelError(f"{source}: [{name}] must be a table, not {_kind(mapping)}")
        self.mapping = mapping
        self._read: set[str] = set()

    def error(self, key: str | None, text: str) -> ModelError:
        if not self.name:   # the file's top level
            return ModelError(f"{self.source}: [{key}]: {text}")
        where = f"[{self.name}]" + (f" {key}" if key else "")
        return ModelError(f"{self.source}: {where}: {text}")

    def has(self, key: str) -> bool:
        return key in self.mapping

    def take(self, key: str, kind: type | tuple[type, ...] | None = None,
             default: Any = ..., check: Any = None) -> Any:
        """The value of ``key`` (of ``kind``); ``default`` when absent (required without one).
        ``check(value)`` returns an error text or None."""
        self._read.add(key)
        if key not in self.mapping:
            if default is ...:
                raise self.error(key, "missing")
            return default
        value = self.mapping[key]
        if kind is not None:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            bad_bool = isinstance(value, bool) and bool not in kinds
            if bad_bool or not isinstance(value, kinds):
                names = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
                raise self.error(key, f"expected {names}, got {_kind(value)}")
        if check is not None:
            problem = check(value)
            if problem:
                raise self.error(key, problem)
        return value

    def sub(self, key: str) -> Table | None:
        """A nested table (``[objects."...".rows]``), or None when absent."""
        if key not in self.mapping:
            self._read.add(key)
            return None
        self._read.add(key)
        return Table(self.source, f"{self.name}.{key}" if self.name else key, self.mapping[key])

    def done(self) -> None:
        """Refuse the keys nothing read (typos, options of another class)."""
        extra = sorted(set(self.mapping) - self._read)
        if extra:
            raise self.error(extra[0], "unknown key")


_KIND_NAMES = {int: "an integer", str: "a text", bool: "true or false", list: "a list",
               dict: "a table", float: "a number"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "a table"
    for kind, name in _KIND_NAMES.items():
        if isinstance(value, kind):
            return f"{name} ({value!r})" if kind in (int, str, float) else name
    return type(value).__name__
