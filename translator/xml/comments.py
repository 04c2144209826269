"""Optional comments in the XML: OBIS and class names, invoke-id bits, date-times, scaled values.

They are written as ``<!--...-->`` before the element they describe (as Gurux places its own) and
never contain ``--`` (``writer.comment_text``), so a commented document stays well-formed XML and
reads back to the same bytes.
"""

from __future__ import annotations

from typing import Any

from ..errors import DecodeError
from ..schema import _core
from ..schema.cosem_datetime import describe_date_time, is_date_time_octets
from .spec import classes_spec, obis_spec
from .writer import Comment, El

__all__ = ["class_text", "data_comments", "field_comment", "obis_text", "value_comment"]

_OBIS = obis_spec()
_CODES: dict[str, str] = _OBIS["codes"]
_QUANTITY: dict[str, str] = _OBIS["electricity"]["quantity"]
_PROCESSING: dict[str, str] = _OBIS["electricity"]["processing"]
_CLASSES: dict[str, str] = classes_spec()["classes"]
_UNITS: dict[str, str] = classes_spec()["units"]
_NUMERIC = frozenset({"double_long", "double_long_unsigned", "integer", "long", "unsigned",
                      "long_unsigned", "long64", "long64_unsigned", "float32", "float64"})


def obis_text(octets: bytes) -> str:
    """``1.0.1.8.0.255 Active power+ (import), energy (time integral 1)``; the name when known."""
    dotted = ".".join(str(b) for b in octets)
    name = _CODES.get(dotted)
    if name is None and octets[0] == 1:
        q, p = _QUANTITY.get(str(octets[2])), _PROCESSING.get(str(octets[3]))
        if q and p:
            name = f"{q}, {p}"
    return f"{dotted} {name}" if name else dotted


def class_text(class_id: int) -> str:
    name = _CLASSES.get(str(int(class_id)))
    return f"{name} (class {int(class_id)})" if name else f"class {int(class_id)}"


def _date_time(schema_name: str, value: Any) -> str | None:
    try:
        return describe_date_time(value)
    except (KeyError, TypeError, ValueError):
        return None


def _octets_comment(octets: bytes) -> str | None:
    if len(octets) == 6:
        return obis_text(octets)
    if len(octets) == 12 and is_date_time_octets(octets):
        from ..schema.cosem_datetime import DateTime
        try:
            return describe_date_time(_core.parse(DateTime, octets, "axdr"))
        except DecodeError:
            return None
    return None


def value_comment(tag: str, value: Any) -> str | None:
    """A comment for one A-XDR value, or None."""
    if tag == "octet_string":
        return _octets_comment(bytes(value))
    if tag in ("date_time", "date", "time"):
        return _date_time(tag, value)
    return None


def _scaled(value: Any, scaler_unit: Any) -> str | None:
    """``1122 × 10^-1 = 112.2 V`` when ``scaler_unit`` is a {scaler, unit} structure."""
    if str(scaler_unit["tag"]) != "structure":
        return None
    su = scaler_unit["value"]
    if len(su) != 2 or str(su[0]["tag"]) != "integer" or str(su[1]["tag"]) != "enum":
        return None
    scaler, unit = int(su[0]["value"]), int(su[1]["value"])
    number = float(value) if isinstance(value, float) else int(value)
    scaled = number * (10 ** scaler) if scaler >= 0 else number / (10 ** -scaler)
    if isinstance(scaled, float):
        scaled = round(scaled, 9)
        if scaled == int(scaled) and abs(scaled) < 1e15:
            scaled = int(scaled)
    symbol = _UNITS.get(str(unit), f"unit {unit}")
    return f"{value} × 10^{scaler} = {scaled} {symbol}"


def data_comments(el: El, values: list, children: list[El], ctx: Any) -> None:
    """Fill ``el`` with ``children``, each preceded by its comment (values, OBIS, scaled)."""
    for i, (value, child) in enumerate(zip(values, children)):
        tag = str(value["tag"])
        text = value_comment(tag, value["value"])
        if text is None and tag in _NUMERIC and i + 1 < len(values):
            text = _scaled(value["value"], values[i + 1])
        if text:
            el.add(Comment(text))
        el.add(child)


def _invoke(value: int) -> str:
    from ..schema.xdlms import invoke_id_and_priority_bits
    b = invoke_id_and_priority_bits(int(value))
    return (f"Priority: {b['priority'].upper()} ServiceClass: {b['service_class'].upper()} "
            f"invokeID: {b['invoke_id']}")


def _long_invoke(value: int) -> str:
    from ..schema.xdlms import long_invoke_id_and_priority_bits
    b = long_invoke_id_and_priority_bits(int(value))
    return (f"Priority: {b['priority'].upper()} ServiceClass: {b['service_class'].upper()} "
            f"invokeID: {b['invoke_id']}")


def field_comment(field: str, value: Any) -> str | None:
    """A comment for one named field of an APDU (class, OBIS, invoke id, time), or None."""
    if value is None:
        return None
    if field == "class_id":
        return class_text(value)
    if field == "instance_id" and len(value) == 6:
        return obis_text(bytes(value))
    if field == "invoke_id_and_priority":
        return _invoke(value)
    if field == "long_invoke_id_and_priority":
        return _long_invoke(value)
    if field in ("date_time", "time", "current_time"):
        octets = value.get("value") if isinstance(value, dict) else value
        if octets is not None and len(octets) == 12:
            return _octets_comment(bytes(octets))
    return None
