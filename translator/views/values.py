"""One rendering of COSEM values for every view (text, JSON, XML comments, capture lines, CSV,
TUI, client output): scaled with their unit when the scaler-unit is known, date-times in ISO 8601
with deviation and clock status, enumerations and classes by name, OBIS codes with their name.

A value here is a decoded A-XDR ``Data`` tree (``{"tag": ..., "value": ...}``) as the schemas
parse it; ``scaler_unit`` is the Register's attribute 3 (a ``structure`` of integer and enum)
when the session knows it. Names come from ``specs/`` alone.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from construct import EnumIntegerString

from ..cosem.obis import ObisCode
from ..schema._core import parse
from ..schema.axdr import AXDR_TAGS
from ..schema.cosem_datetime import (
    DEVIATION_NOT_SPECIFIED,
    DateTime,
    describe_clock_status,
    describe_date_time,
    is_date_time_octets,
    to_datetime,
)
from ..tables import load_json

__all__ = [
    "attribute_name", "attribute_type", "class_name", "class_text", "data_text", "date_time_of",
    "date_time_text", "field_text", "invoke_text", "is_data", "item_scalers", "item_texts",
    "leaf_text", "method_name", "obis_text", "octets_text", "printable", "raw_text", "scaled",
    "string_value", "type_name", "unit_name",
]

_NUMERIC = frozenset({"double_long", "double_long_unsigned", "integer", "long", "unsigned",
                      "long_unsigned", "long64", "long64_unsigned", "float32", "float64"})
_TEXTS = {"visible_string": "ascii", "utf8_string": "utf-8"}

Path = tuple[int, ...]


# --- names from specs/ ---------------------------------------------------------------------------

def unit_name(code: int) -> str | None:
    """The Blue Book's unit symbol for a unit enumeration code (``27`` -> ``W``)."""
    return load_json("classes.json")["units"].get(str(int(code)))


def class_name(class_id: int) -> str | None:
    """The interface class name (``3`` -> ``Register``), None when not known."""
    return load_json("classes.json")["classes"].get(str(int(class_id)))


def class_text(class_id: int) -> str:
    """``3 (Register)``; the number alone for an unknown class."""
    name = class_name(class_id)
    return f"{int(class_id)} ({name})" if name else str(int(class_id))


def _interface(class_id: int | None) -> Mapping[str, Any]:
    if class_id is None:
        return {}
    return load_json("classes.json")["interfaces"].get(str(int(class_id)), {})


def attribute_name(class_id: int | None, index: int) -> str | None:
    """The name of attribute ``index`` of a class (1 is always logical_name)."""
    if int(index) == 1:
        return "logical_name"
    names = _interface(class_id).get("attributes", [])
    return names[int(index) - 1] if 0 < int(index) <= len(names) else None


def attribute_type(class_id: int | None, index: int) -> str | None:
    """The data type of attribute ``index`` of a class as the Blue Book states it, when listed."""
    types = _interface(class_id).get("types", [])
    return types[int(index) - 1] if 0 < int(index) <= len(types) else None


def method_name(class_id: int | None, index: int) -> str | None:
    """The name of method ``index`` of a class."""
    names = _interface(class_id).get("methods", [])
    return names[int(index) - 1] if 0 < int(index) <= len(names) else None


def obis_text(octets: bytes) -> str:
    """``1-0:1.8.0*255 (Active energy import +A, total)``; the code alone when unnamed."""
    return ObisCode(bytes(octets)).text()


def type_name(tag: Any) -> str:
    """The Blue Book spelling of an A-XDR type (``double_long_unsigned`` -> ``double-long-unsigned``)."""
    return str(tag).replace("_", "-")


# --- invoke ids ----------------------------------------------------------------------------------

def invoke_text(value: int, long: bool = False) -> str:
    """``0xC1 (invoke id 1, priority high, confirmed)``: Invoke-Id-And-Priority split into its
    bits (``long`` for the Long-Invoke-Id-And-Priority of DataNotification and friends)."""
    from ..schema.xdlms import invoke_id_and_priority_bits, long_invoke_id_and_priority_bits

    if long:
        b = long_invoke_id_and_priority_bits(int(value))
        return (f"0x{int(value):08X} (invoke id {b['invoke_id']}, priority {b['priority']}, "
                f"{b['service_class']}, {b['processing_option'].replace('_', ' ')}"
                f"{', self-descriptive' if b['self_descriptive'] else ''})")
    b = invoke_id_and_priority_bits(int(value))
    return (f"0x{int(value):02X} (invoke id {b['invoke_id']}, priority {b['priority']}, "
            f"{b['service_class']})")


# --- date-times ----------------------------------------------------------------------------------

def date_time_text(value: Mapping[str, Any]) -> str:
    """A decoded date-time in ISO 8601 with its deviation and clock status
    (``2022-01-24T18:58:50 (deviation not specified, clock status not specified)``); one with
    wildcards keeps the Blue Book's own description (``*`` for each wildcard)."""
    moment = to_datetime(value)
    if moment is None:
        return describe_date_time(value)
    deviation = value["deviation"]
    zone = ("deviation not specified" if deviation == DEVIATION_NOT_SPECIFIED
            else f"deviation {deviation} min")
    return f"{moment.isoformat()} ({zone}, clock status {describe_clock_status(value['clock_status'])})"


def date_time_of(data: Mapping[str, Any]) -> Any:
    """The COSEM date-time an octet string of 12 octets holds (clock time, capture times are sent
    so), decoded by its schema; None for any other value."""
    if str(data["tag"]) != "octet_string" or len(data["value"]) != 12:
        return None
    if not is_date_time_octets(bytes(data["value"])):
        return None
    return parse(DateTime, bytes(data["value"]), "axdr")


# --- Data values ---------------------------------------------------------------------------------

def is_data(value: Any) -> bool:
    """Whether a decoded container is an A-XDR ``Data`` (a tag of the Data CHOICE and its value)."""
    return (isinstance(value, Mapping) and "tag" in value and "value" in value
            and str(value["tag"]) in AXDR_TAGS)


def scaled(value: Any, scaler_unit: Mapping[str, Any]) -> tuple[Any, str | None]:
    """``value`` times 10^scaler with its unit name, from a Register's scaler_unit tree."""
    scaler, unit = _scaler_unit(scaler_unit) or (0, None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = value * 10 ** scaler
        if isinstance(value, float):
            value = round(value, max(0, -scaler))
    return value, unit_name(unit) if unit is not None else None


def data_text(data: Mapping[str, Any], scaler_unit: Mapping[str, Any] | None = None) -> str:
    """One line for a ``Data`` tree: numbers (scaled with their unit when ``scaler_unit`` is
    given), text, hex octets, date-times in ISO 8601, OBIS codes with their names."""
    return item_texts(data, scaler_unit, plain=True)[()]


def item_texts(data: Mapping[str, Any], scaler_unit: Mapping[str, Any] | None = None,
               plain: bool = False) -> dict[Path, str]:
    """The text of every item of a ``Data`` tree by its index path (``()`` the whole value,
    ``(3, 1)`` item 1 of item 3). Inside arrays and structures a number takes the scaler_unit
    structure that follows it (as Aidon and Landis+Gyr pushes send), or the one a known HAN list
    gives its OBIS code (``specs/push_lists.json``, for Kamstrup's bare values).

    ``plain`` is the form a program reads back (client output, CSV cells): strings unquoted,
    date-times in bare ISO 8601, octets in hex.
    """
    out: dict[Path, str] = {}
    _walk(data, (), scaler_unit, _push_list(data), out, plain, {})
    return out


def item_scalers(data: Mapping[str, Any], scaler_unit: Mapping[str, Any] | None = None,
                 ) -> dict[Path, tuple[int, int]]:
    """The (scaler, unit) that applies to each number of a ``Data`` tree, by index path, found
    as ``item_texts`` finds them."""
    scalers: dict[Path, tuple[int, int]] = {}
    _walk(data, (), scaler_unit, _push_list(data), {}, False, scalers)
    return scalers


def _walk(data: Mapping[str, Any], path: Path, scaler_unit: Any, known: Mapping[str, Any],
          out: dict[Path, str], plain: bool, scalers: dict) -> None:
    tag = str(data["tag"])
    if scaler_unit is not None and tag in _NUMERIC:
        scalers[path] = _scaler_unit(scaler_unit)
    if tag in ("array", "structure"):
        items = list(data["value"])
        su = _scaler_unit(data)
        out[path] = (f"scaler {su[0]}, unit {unit_name(su[1]) or su[1]}" if su is not None
                     else f"{len(items)} item{'s' if len(items) != 1 else ''}")
        for i, item in enumerate(items):
            _walk(item, (*path, i), _item_scaler(items, i, known), known, out, plain, scalers)
        if plain:  # a program reads the items back: ``[5, AB, 2025-01-01T00:00:00]``
            out[path] = "[" + ", ".join(out[(*path, i)] for i in range(len(items))) + "]"
        elif su is not None and unit_name(su[1]):
            out[(*path, 1)] = f"{su[1]} ({unit_name(su[1])})"
        return
    if plain and tag == "compact_array":
        out[path] = _plain(data["value"]["array_contents"])
    if plain and tag in _TEXTS:
        out[path] = string_value(bytes(data["value"]), _TEXTS[tag])
    elif plain and tag in ("octet_string", "date_time"):
        moment = date_time_of(data) if tag == "octet_string" else data["value"]
        if moment is None:
            out[path] = bytes(data["value"]).hex().upper()
        else:
            instant = to_datetime(moment)
            out[path] = instant.isoformat() if instant else describe_date_time(moment)
    else:
        out[path] = _leaf_text(tag, data["value"], scaler_unit)


def _item_scaler(items: list, i: int, known: Mapping[str, Any]) -> Any:
    """The scaler_unit a push gives item ``i``: the structure after it, else the known list's."""
    if str(items[i]["tag"]) not in _NUMERIC:
        return None
    if i + 1 < len(items) and _scaler_unit(items[i + 1]) is not None:
        return items[i + 1]
    if i > 0 and known and _obis_of(items[i - 1]) is not None:
        entry = known.get(_obis_of(items[i - 1]).display().rsplit("*", 1)[0])
        if entry is not None:
            return {"tag": "structure", "value": [{"tag": "integer", "value": entry[0]},
                                                  {"tag": "enum", "value": entry[1]}]}
    return None


def _scaler_unit(data: Any) -> tuple[int, int] | None:
    """(scaler, unit) when ``data`` is a scaler_unit structure {integer, enum}, else None."""
    if not is_data(data) or str(data["tag"]) != "structure" or len(data["value"]) != 2:
        return None
    scaler, unit = data["value"]
    if str(scaler["tag"]) != "integer" or str(unit["tag"]) != "enum":
        return None
    return int(scaler["value"]), int(unit["value"])


def _obis_of(data: Any) -> ObisCode | None:
    if str(data["tag"]) == "octet_string" and len(data["value"]) == 6:
        return ObisCode(bytes(data["value"]))
    return None


def _push_list(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The scalers of a known HAN list, found by the list version identifier a push starts with."""
    lists = load_json("push_lists.json")["lists"]
    node = data
    for _ in range(3):          # the identifier is the first text, at most a few levels down
        if str(node["tag"]) in _TEXTS:
            return lists.get(bytes(node["value"]).decode("ascii", "replace"), {})
        if str(node["tag"]) not in ("array", "structure") or not node["value"]:
            return {}
        items = node["value"]
        text = next((it for it in items[:2] if str(it["tag"]) in _TEXTS), None)
        node = text if text is not None else items[0]
    return {}


def _leaf_text(tag: str, value: Any, scaler_unit: Any) -> str:
    if tag in ("null_data", "dont_care"):
        return "null"
    if tag == "boolean":
        return "true" if value else "false"
    if tag in _NUMERIC:
        number = float(value) if tag.startswith("float") else int(value)
        if scaler_unit is not None:
            number, unit = scaled(number, scaler_unit)
            return f"{number} {unit}" if unit else str(number)
        return str(number)
    if tag in _TEXTS:
        return printable(bytes(value), _TEXTS[tag])
    if tag == "octet_string":
        return octets_text(bytes(value))
    if tag == "bit_string":
        bits = "".join(f"{octet:08b}" for octet in value["octets"])
        return bits[: int(value["bit_count"])]
    if tag == "date_time":
        return date_time_text(value)
    if tag in ("date", "time"):
        return describe_date_time(value)
    if tag == "enum":
        return str(int(value))
    if tag == "compact_array":
        return "compact array"
    return _plain(value)


def printable(octets: bytes, encoding: str = "ascii") -> str:
    """A string's text in quotes when every character is printable, else its octets in hex."""
    try:
        text = octets.decode(encoding)
    except UnicodeDecodeError:
        return octets.hex().upper()
    if all(ch.isprintable() for ch in text):
        return f'"{text}"'
    return octets.hex().upper()


def string_value(octets: bytes, encoding: str = "ascii") -> str:
    """A visible-string's value for JSON: its text when printable, else its octets in hex."""
    text = printable(octets, encoding)
    return text[1:-1] if text.startswith('"') else text


def octets_text(octets: bytes) -> str:
    """An octet string as a reader wants it: a date-time, a named OBIS code, or hex (with its
    text when every octet is printable ASCII)."""
    if len(octets) == 12 and is_date_time_octets(octets):
        return date_time_text(parse(DateTime, octets, "axdr"))
    if len(octets) == 6 and ObisCode(octets).name() is not None:
        return obis_text(octets)
    text = octets.hex().upper()
    if len(octets) > 2 and all(0x20 <= b < 0x7F for b in octets):
        text += f' "{octets.decode("ascii")}"'
    return text


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


# --- named APDU fields ---------------------------------------------------------------------------

def field_text(name: str, value: Any, siblings: Mapping[str, Any] | None = None) -> str | None:
    """The readable text of one named APDU field (class, OBIS, invoke id, attribute or method,
    date-time octets), or None when the field has nothing to add to its plain value.
    ``siblings`` are the other fields of its container (the class of an attribute id)."""
    if value is None:
        return None
    class_id = (siblings or {}).get("class_id")
    if name == "class_id":
        return class_text(value)
    if name == "instance_id" and len(value) == 6:
        return obis_text(bytes(value))
    if name == "invoke_id_and_priority":
        return invoke_text(value)
    if name == "long_invoke_id_and_priority":
        return invoke_text(value, long=True)
    if name == "attribute_id" and class_id is not None:
        attr = attribute_name(class_id, value)
        return f"{int(value)} ({attr})" if attr else None
    if name == "method_id" and class_id is not None:
        method = method_name(class_id, value)
        return f"{int(value)} ({method})" if method else None
    if isinstance(value, (bytes, bytearray)) and len(value) == 12 and is_date_time_octets(
            bytes(value)):
        return date_time_text(parse(DateTime, bytes(value), "axdr"))
    return None


def leaf_text(value: Any) -> str:
    """The readable value of a plain decoded field: enumerations by name with their code,
    numbers in decimal, octets in hex (with their ASCII when printable)."""
    if type(value) is int:
        return str(value)
    if isinstance(value, (bytes, bytearray)) and not value:
        return "(none)"
    return raw_text(value)


def raw_text(value: Any, name: str | None = None) -> str:
    """The raw rendering of a leaf (``dlms decode --raw``): numbers with their hex, octets in hex
    with their ASCII, enumerations with their code; ``name`` adds the dotted OBIS of an
    instance_id and the description of date-time octets."""
    if isinstance(value, (bytes, bytearray)) and len(value) == 6 and name == "instance_id":
        return f"{ObisCode(bytes(value)).dotted()}  ({bytes(value).hex(' ').upper()})"
    if isinstance(value, (bytes, bytearray)) and len(value) == 12:
        if is_date_time_octets(bytes(value)):
            text = describe_date_time(parse(DateTime, bytes(value), "axdr"))
            return f"{bytes(value).hex(' ').upper()}  ({text})"
    if value is None:
        return "-"
    if isinstance(value, EnumIntegerString):
        return f"{value} ({int(value)})"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value} (0x{value:X})" if value > 9 else str(value)
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).hex(" ").upper()
        if value and all(0x20 <= b < 0x7F for b in value) and len(value) > 2:
            text += f'  "{bytes(value).decode("ascii")}"'
        return text
    return str(value)
