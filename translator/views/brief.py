"""A value in a few words, for one-line views (``dlms capture`` lines): the renderer's text of a
simple value, and for arrays and structures their count and first elements.

Built on ``views.values.data_text`` (the one renderer); a profile buffer's row elements take
the scaler-units of their columns when the session knows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .values import data_text, octets_text

__all__ = ["brief"]

_LISTS = frozenset({"array", "structure", "compact_array"})
_WIDTH = 120


def brief(data: Mapping[str, Any], scaler_unit: Any = None,
          columns: Sequence[Any] | None = None, limit: int = 2) -> str:
    """``12.345 kWh``; ``array[5] {2025-01-01T00:00:00+00:00, 1234467.8 Wh}, ...``.

    ``columns`` (objects with a ``scaler_unit``) scale the elements of each row of an array of
    structures, position by position."""
    tag = str(data.get("tag"))
    if tag == "octet_string" and isinstance(data.get("value"), (bytes, bytearray)):
        return _cut(octets_text(bytes(data["value"])))  # a name's text, an OBIS code's name
    if tag not in _LISTS or not isinstance(data.get("value"), list):
        return _cut(data_text(data, scaler_unit))
    items = data["value"]
    shown = [_element(item, columns) for item in items[:limit]]
    more = ", ..." if len(items) > limit else ""
    return _cut(f"{tag}[{len(items)}] " + ", ".join(shown) + more)


def _element(item: Any, columns: Sequence[Any] | None) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    tag = str(item.get("tag"))
    if tag in _LISTS and isinstance(item.get("value"), list):
        cells = item["value"]
        units = [getattr(c, "scaler_unit", None) for c in columns or ()]
        texts = [_element(cell, None) if str(cell.get("tag")) in _LISTS
                 else data_text(cell, units[i] if i < len(units) else None)
                 for i, cell in enumerate(cells[:4])]
        return "{" + ", ".join(texts) + (", ..." if len(cells) > 4 else "") + "}"
    return data_text(item)


def _cut(text: str) -> str:
    return text if len(text) <= _WIDTH else text[:_WIDTH - 3] + "..."
