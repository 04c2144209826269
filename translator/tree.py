"""A generic view of a decoded tree: named nodes with values and the spans of their bytes.

Views (text, JSON, TUI) walk parsed containers through ``nodes``, which reads the spans the
schemas' ``Struct`` recorded, so none of them needs to know a byte layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from construct import ListContainer


@dataclass
class Node:
    """One field of a decoded message: name, leaf value (None for composites), span, children."""

    name: str
    value: Any = None
    offset: int | None = None
    length: int | None = None
    children: list[Node] = field(default_factory=list)
    error: Any = None                   # the DecodeError of the field where decoding stopped
    notes: list[Any] = field(default_factory=list)  # errors.ExpertNote about this field

    def find(self, name: str) -> Node | None:
        """The first node named ``name`` in depth-first order (self included)."""
        for node in self.iter():
            if node.name == name:
                return node
        return None

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.iter()


def is_composite(value: Any) -> bool:
    return isinstance(value, (dict, list)) and not isinstance(value, (str, bytes))


def fields(container: dict) -> Iterator[tuple[str, Any]]:
    """The public fields of a parsed container, in declaration order."""
    for key, value in container.items():
        if not key.startswith("_"):
            yield key, value


def nodes(name: str, value: Any, span: tuple[int, int] | None = None) -> Node:
    """Turn a parsed value into a ``Node`` tree, carrying spans wherever the schema recorded them
    (and, in a partial tree, the error on the field where decoding stopped)."""
    if isinstance(value, dict):
        span = value.get("_span", span)
        spans = value.get("_spans", {})
        node = Node(name, None, *(span or (None, None)))
        for key, sub in fields(value):
            node.children.append(nodes(key, sub, spans.get(key)))
        if "_error_at" in value:
            failed = next(n for n in node.children if n.name == value["_error_at"])
            failed.error = value["_error"]
        return node
    if isinstance(value, (list, ListContainer)) and not isinstance(value, (str, bytes)):
        node = Node(name, None, *(span or (None, None)))
        for i, sub in enumerate(value):
            node.children.append(nodes(f"[{i}]", sub, None))
        if node.offset is None and node.children:
            first = next((n for n in node.children if n.offset is not None), None)
            last = next((n for n in reversed(node.children) if n.offset is not None), None)
            if first and last:
                node.offset = first.offset
                node.length = last.offset + last.length - first.offset
        return node
    return Node(name, value, *(span or (None, None)))


def attach(root: Node, offset: int, note: Any) -> None:
    """Hang ``note`` on the deepest node whose span holds ``offset`` (on ``root`` if none)."""
    node = root
    while True:
        inner = next((n for n in node.children if n.offset is not None and
                      n.offset <= offset < n.offset + (n.length or 0)), None)
        if inner is None:
            node.notes.append(note)
            return
        node = inner


def obis(code: bytes) -> str:
    """A logical name (6 octets) in the usual A.B.C.D.E.F notation."""
    return ".".join(str(b) for b in code)
