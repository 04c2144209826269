"""Optional comments in the XML: OBIS and class names, invoke-id bits, date-times, scaled values.

They are written as ``<!--...-->`` before the element they describe (as Gurux places its own) and
never contain ``--`` (``writer.comment_text``), so a commented document stays well-formed XML and
reads back to the same bytes.
"""

from __future__ import annotations

from typing import Any

from ..cosem.obis import ObisCode
from ..errors import DecodeError
from ..schema import _core
from ..schema.cosem_datetime import describe_date_time, is_date_time_octets
from ..views import values
from .writer import Comment, El

__all__ = ["class_text", "data_comments", "field_comment", "obis_text", "value_comment"]


def obis_text(octets: bytes) -> str:
    """``1.0.1.8.0.255 Active energy import +A, total``: the dotted code (as Gurux comments it)
    and its name from the one renderer's tables."""
    code = ObisCode(bytes(octets))
    name = code.name()
    return f"{code.dotted()} {name}" if name else code.dotted()


def class_text(class_id: int) -> str:
    name = values.class_name(class_id)
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


def _scaled(value: Any, scaler: int, text: str) -> str:
    """``1122 × 10^-1 = 112.2 V``: the raw number, its scaler and the renderer's scaled text."""
    return f"{value} × 10^{scaler} = {text}"


def data_comments(el: El, items: list, children: list[El], ctx: Any) -> None:
    """Fill ``el`` with ``children``, each preceded by its comment (values, OBIS, scaled: the
    scaler_unit that follows a value, or the one a known HAN list gives its OBIS code)."""
    whole = {"tag": "structure", "value": items}
    texts, scalers = values.item_texts(whole), values.item_scalers(whole)
    for i, (value, child) in enumerate(zip(items, children)):
        tag = str(value["tag"])
        text = value_comment(tag, value["value"])
        if text is None and (i,) in scalers:
            text = _scaled(value["value"], scalers[(i,)][0], texts[(i,)])
        if text:
            el.add(Comment(text))
        el.add(child)


def _invoke(value: int, long: bool = False) -> str:
    """Gurux's wording of the split invoke id, from the same bits the renderer shows."""
    from ..schema.xdlms import invoke_id_and_priority_bits, long_invoke_id_and_priority_bits
    b = (long_invoke_id_and_priority_bits if long else invoke_id_and_priority_bits)(int(value))
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
        return _invoke(value, long=True)
    if field in ("date_time", "time", "current_time"):
        octets = value.get("value") if isinstance(value, dict) else value
        if octets is not None and len(octets) == 12:
            return _octets_comment(bytes(octets))
    return None
