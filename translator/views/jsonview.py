"""Decoded messages as JSON-ready dicts: leaf values as numbers, names or hex strings."""

from __future__ import annotations

from typing import Any

from construct import EnumIntegerString

from ..message import Message
from ..tree import Node


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


def node_to_json(node: Node) -> Any:
    """A node's value; a node carrying an error or warnings becomes ``{"value": ..., "error":
    ..., "warnings": [...]}`` (only such nodes: well-formed trees keep their plain shape)."""
    if not node.children:
        out = _value(node.value) if node.value is not None or not node.name.startswith("[") else None
    elif all(child.name.startswith("[") for child in node.children):
        out = [node_to_json(child) for child in node.children]
    else:
        out = {child.name: node_to_json(child) for child in node.children}
    if node.error is None and not node.notes:
        return out
    expert: dict[str, Any] = {"value": out}
    if node.error is not None:
        expert["error"] = str(node.error)
    if node.notes:
        expert["warnings"] = [note.text for note in node.notes]
    return expert


def message_to_json(msg: Message, pdu_only: bool = False, show_keys: bool = False) -> dict[str, Any]:
    """A JSON object for one message: where it was, what it is, its layers and its errors
    (key material that deciphering revealed only with ``show_keys``)."""
    out: dict[str, Any] = {
        "offset": msg.offset,
        "bytes": len(msg.raw),
        "framing": msg.framing,
        "service": msg.service,
        "invoke_id": msg.invoke_id,
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
        layers[key] = node_to_json(layer)
    out["layers"] = layers
    return out
