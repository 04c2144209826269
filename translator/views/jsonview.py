"""Decoded messages as JSON-ready dicts: leaf values as numbers, names, text or hex strings, and
``"text"`` beside a value wherever the renderer (``views/values.py``) has more to say: a scaled
value with its unit, a date-time, an OBIS code or class with its name, a split invoke id."""

from __future__ import annotations

from typing import Any

from construct import EnumIntegerString

from ..message import Message, _find
from ..schema.xdlms import invoke_id_and_priority_bits, long_invoke_id_and_priority_bits
from ..tree import Node
from . import values
from .text import data_of


def _value(value: Any) -> Any:
    if isinstance(value, EnumIntegerString):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex().upper()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return "NaN"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)


def _data_json(node: Node, texts: dict, path: tuple) -> Any:
    """A ``Data`` node as ``{"tag", "value"[, "text"]}``: visible-strings as text (hex when not
    printable), ``"text"`` when the rendering differs from the plain value."""
    tag, value = node.children
    kind = str(tag.value)
    if kind in ("array", "structure"):
        plain: Any = [_expert(child, _data_json(child, texts, (*path, i)))
                      for i, child in enumerate(value.children)]
    elif kind in ("visible_string", "utf8_string") and isinstance(value.value, (bytes, bytearray)):
        plain = values.string_value(bytes(value.value),
                                    "ascii" if kind == "visible_string" else "utf-8")
    else:
        plain = node_to_json(value)
    out: dict[str, Any] = {"tag": _value(tag.value), "value": plain}
    text = texts.get(path)
    shown = plain if isinstance(plain, str) else json_text(plain)
    if text is not None and kind not in ("array", "structure", "visible_string", "utf8_string") \
            and text != shown or text is not None and text.startswith("scaler "):
        out["text"] = text
    return out


def json_text(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def node_to_json(node: Node, siblings: dict | None = None, raw: bool = False,
                 scaler_unit: dict | None = None) -> Any:
    """A node's value; a node carrying an error or warnings becomes ``{"value": ..., "error":
    ..., "warnings": [...]}`` (only such nodes: well-formed trees keep their plain shape); a
    named field the renderer names (class, OBIS, invoke id, date-time) becomes ``{"value": ...,
    "text": ...}`` unless ``raw``. ``scaler_unit``: a Register's attribute 3 the session read
    before, applied to the numbers of the values."""
    data = None if raw else data_of(node)
    if data is not None:
        return _expert(node, _data_json(node, values.item_texts(data, scaler_unit), ()))
    if not node.children:
        out = _value(node.value) if node.value is not None or not node.name.startswith("[") else None
        text = None if raw else values.field_text(node.name, node.value, siblings)
        if text is not None:
            out = {"value": out, "text": text}
    elif all(child.name.startswith("[") for child in node.children):
        out = [node_to_json(child, raw=raw, scaler_unit=scaler_unit) for child in node.children]
    else:
        names = {child.name: child.value for child in node.children}
        out = {child.name: node_to_json(child, names, raw, scaler_unit) for child in node.children}
    return _expert(node, out)


def _expert(node: Node, out: Any) -> Any:
    """``out`` with the node's error and warnings, when it has any."""
    if node.error is None and not node.notes:
        return out
    expert: dict[str, Any] = {"value": out}
    if node.error is not None:
        expert["error"] = str(node.error)
    if node.notes:
        expert["warnings"] = [note.text for note in node.notes]
    return expert


def message_to_json(msg: Message, pdu_only: bool = False, show_keys: bool = False,
                    scaler_unit: dict | None = None, raw: bool = False) -> dict[str, Any]:
    """A JSON object for one message: where it was, what it is, its layers and its errors
    (key material that deciphering revealed only with ``show_keys``; ``scaler_unit`` and
    ``raw``, the layers as the schemas decoded them, as in ``node_to_json``)."""
    out: dict[str, Any] = {
        "offset": msg.offset,
        "bytes": len(msg.raw),
        "framing": msg.framing,
        "service": msg.service,
        **_invoke(msg),
        "error": str(msg.errors[0]) if msg.errors else None,
        "security": msg.security.summary() if msg.security is not None else None,
        "notes": msg.notes or None,
        "warnings": [str(w) for w in msg.warnings] or None,
    }
    layers = {}
    for layer in msg.view_tree(show_keys).children:
        if pdu_only and layer.name not in ("apdu", "data"):
            continue
        key = layer.name
        n = 2
        while key in layers:
            key = f"{layer.name}_{n}"
            n += 1
        layers[key] = node_to_json(layer, raw=raw, scaler_unit=scaler_unit)
    out["layers"] = layers
    return out


def _invoke(msg: Message) -> dict[str, Any]:
    """The invoke id itself, its priority and service class (not the whole octet)."""
    short = _find(msg.cleartext, ("invoke_id_and_priority",))
    if short is not None:
        bits = invoke_id_and_priority_bits(int(short))
    else:
        long = _find(msg.cleartext, ("long_invoke_id_and_priority",))
        if long is None:
            return {"invoke_id": None, "priority": None, "service_class": None}
        bits = long_invoke_id_and_priority_bits(int(long))
    return {"invoke_id": bits["invoke_id"], "priority": bits["priority"],
            "service_class": bits["service_class"]}
