"""Plain Python values from decoded A-XDR ``Data`` trees, and ``Data`` trees from JSON.

Scripts want ``12345678`` and ``[...]``, not ``{"tag": "double_long_unsigned", "value": ...}``;
``dlms read ... set --value JSON`` needs a way to name a type, because A-XDR is typed and JSON is
not. The JSON form is one key per value, the Blue Book type name: ``{"long_unsigned": 5}``,
``{"structure": [{"unsigned": 1}, {"octet_string": "0000010000FF"}]}``. Octet strings are hex,
visible and UTF-8 strings text; the tree is built by the schema (``translator.schema.axdr``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..schema._core import build
from ..schema.axdr import AXDR_TAGS, FIXED_SIZES, Data
from ..schema.cosem_datetime import DateTime, to_datetime

__all__ = ["data_tree", "data_octets", "to_python", "ValueSpecError"]

_INTEGERS = frozenset(name for name, size in FIXED_SIZES.items()
                      if name not in ("null_data", "dont_care", "boolean", "float32", "float64",
                                      "date_time", "date", "time"))
_TEXTS = {"visible_string": "ascii", "utf8_string": "utf-8"}


class ValueSpecError(ValueError):
    """A JSON value that does not name an A-XDR type, or does not fit it."""


def to_python(data: Mapping[str, Any]) -> Any:
    """The plain value of a decoded ``Data``: int, bool, float, bytes, str, list or None.

    Date-time octet strings stay bytes (only the attribute's definition tells they are one);
    tagged date-time values become ``datetime`` when complete, else their octets.
    """
    tag = str(data["tag"])
    value = data["value"]
    if tag in ("array", "structure"):
        return [to_python(item) for item in value]
    if tag in ("null_data", "dont_care"):
        return None
    if tag == "boolean":
        return bool(value)
    if tag in _TEXTS:
        return bytes(value).decode(_TEXTS[tag], errors="replace")
    if tag == "octet_string":
        return bytes(value)
    if tag == "bit_string":
        bits = "".join(f"{octet:08b}" for octet in value["octets"])
        return bits[: int(value["bit_count"])]
    if tag == "date_time":
        return to_datetime(value) or build(DateTime, value, "axdr")   # its 12 octets
    if tag == "compact_array":
        return [to_python_row(row) for row in value["array_contents"]]
    return value if not isinstance(value, float) else float(value)


def to_python_row(row: Any) -> Any:
    """A compact-array row (already untagged values) as plain Python."""
    if isinstance(row, list):
        return [to_python_row(item) for item in row]
    if isinstance(row, (bytes, bytearray)):
        return bytes(row)
    return row


def data_tree(spec: Any) -> dict[str, Any]:
    """A ``Data`` tree for ``build`` from the typed JSON form (see the module docstring)."""
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise ValueSpecError(
            f"a value is one type name and its value, e.g. {{\"long_unsigned\": 5}}; got {spec!r}")
    ((tag, value),) = spec.items()
    if tag not in AXDR_TAGS or tag == "compact_array":
        raise ValueSpecError(f"unknown A-XDR type {tag!r}")
    if tag in ("array", "structure"):
        if not isinstance(value, list):
            raise ValueSpecError(f"{tag} takes a list of values")
        return {"tag": tag, "value": [data_tree(item) for item in value]}
    if tag in ("null_data", "dont_care"):
        return {"tag": tag, "value": None}
    if tag == "boolean":
        return {"tag": tag, "value": 1 if value else 0}
    if tag in _TEXTS:
        return {"tag": tag, "value": str(value).encode(_TEXTS[tag])}
    if tag == "octet_string":
        return {"tag": tag, "value": _octets(value)}
    if tag == "bit_string":
        bits = str(value)
        if set(bits) - {"0", "1"}:
            raise ValueSpecError("bit_string takes a text of 0 and 1")
        padded = bits + "0" * (-len(bits) % 8)
        octets = bytes(int(padded[i:i + 8], 2) for i in range(0, len(padded), 8))
        return {"tag": tag, "value": {"bit_count": len(bits), "octets": octets}}
    if tag in ("float32", "float64"):
        return {"tag": tag, "value": float(value)}
    if tag in ("date_time", "date", "time"):
        raise ValueSpecError(f"give a {tag} as an octet_string of its octets, or as "
                             f"{{\"{tag}\": ...}} in XML")
    if tag in _INTEGERS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueSpecError(f"{tag} takes an integer, not {value!r}")
        return {"tag": tag, "value": value}
    raise ValueSpecError(f"unsupported A-XDR type {tag!r}")


def data_octets(spec: Any) -> bytes:
    """The A-XDR octets of a typed JSON value (refused by the schema when out of range)."""
    return build(Data, data_tree(spec), "axdr")


def _octets(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, _dt.datetime):
        raise ValueSpecError("give a date-time as its 12 octets in hex")
    try:
        return bytes.fromhex(str(value).replace(" ", ""))
    except ValueError:
        raise ValueSpecError(f"octet_string takes hex, not {value!r}") from None
