"""One rendering of COSEM values for every view (text, JSON, XML comments, capture lines, CSV,
TUI, client output): scaled with their unit when the scaler-unit is known, date-times in ISO 8601.

A value here is a decoded A-XDR ``Data`` tree (``{"tag": ..., "value": ...}``) as the schemas
parse it; ``scaler_unit`` is the Register's attribute 3 (a ``structure`` of integer and enum)
when the session knows it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from ..schema._core import parse
from ..schema.cosem_datetime import DateTime, describe_date_time, to_datetime
from ..tables import load_json

__all__ = ["data_text", "scaled"]


def scaled(value: Any, scaler_unit: Mapping[str, Any]) -> tuple[Any, str | None]:
    """``value`` times 10^scaler with its unit name, from a Register's scaler_unit tree."""
    from ..client.values import to_python

    scaler, unit = to_python(scaler_unit)
    units = load_json("classes.json")["units"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = value * 10 ** scaler
        if isinstance(value, float):
            value = round(value, max(0, -scaler))
    return value, units.get(str(unit))


def data_text(data: Mapping[str, Any], scaler_unit: Mapping[str, Any] | None = None) -> str:
    """One line for a ``Data`` tree: numbers (scaled with their unit when ``scaler_unit`` is
    given), text, hex octets, date-times in ISO 8601."""
    from ..client.values import to_python

    parsed = date_time_of(data)
    if parsed is not None:
        moment = to_datetime(parsed)
        return moment.isoformat() if moment is not None else describe_date_time(parsed)
    value = to_python(data)
    if scaler_unit is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = scaled(value, scaler_unit)
        return f"{number} {unit}" if unit else str(number)
    return _plain(value)


def date_time_of(data: Mapping[str, Any]) -> Any:
    """The COSEM date-time an octet string of 12 octets holds (clock time, capture times are sent
    so), decoded by its schema; None for any other value."""
    if str(data["tag"]) != "octet_string" or len(data["value"]) != 12:
        return None
    return parse(DateTime, bytes(data["value"]), "axdr")


def _plain(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if value is None:
        return "null"
    return str(value)
