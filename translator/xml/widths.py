"""Non-minimal length encodings: found in a decoded tree, written as ``dt:len``, put back on input.

The schemas remember a length sent in more octets than needed (``Len``, ``Octets``, a list's
``width``, a container's ``_width``, a ``width`` on ACSE scalars) and rebuild it unchanged. Gurux's
XML has no place for that, so such a width travels in our ``dt:len`` attribute: ``"3"`` for the
element's own value, ``"path:3"`` for one nested inside a value that is rendered as one element.
"""

from __future__ import annotations

from typing import Any

from construct import EnumIntegerString, ListContainer

from ..schema._core import Len, Octets
from .context import fail, ours

__all__ = ["WStr", "apply", "apply_paths", "collect", "decode", "encode", "own_width"]


class WStr(str):
    """A str (an OBJECT IDENTIFIER in dotted form) carrying the width of its length."""

    width: int


def _minimal(n: int) -> int:
    return 1 if n < 0x80 else 1 + (n.bit_length() + 7) // 8


_PLAIN = frozenset({int, str, bytes, bool, float, type(None)})


def own_width(v: Any) -> int | None:
    """The length width remembered on ``v`` itself when it is not the minimal one, else None."""
    if type(v) in _PLAIN:
        return None
    if isinstance(v, dict):
        w = v.get("_width")
        return int(w) if w else None
    if isinstance(v, Len):
        return v.width if v.width > _minimal(int(v)) else None
    if isinstance(v, Octets):
        return v.width if v.width > _minimal(len(v)) else None
    w = getattr(v, "width", None)
    if w and isinstance(v, (list, int, str)) and not isinstance(v, bool):
        if isinstance(v, list) and w <= _minimal(len(v)):
            return None
        return int(w)
    return None


def _any(v: Any) -> bool:
    """Whether the subtree of ``v`` may hold a non-minimal width: the cheap walk (no paths) that
    lets ``collect`` skip its work in the common case; a false alarm only costs that work."""
    if isinstance(v, dict):
        if v.get("_width"):
            return True
        for key, sub in v.items():
            t = type(sub)
            if t in _PLAIN:
                continue
            if t is EnumIntegerString:  # enum values: a width only where a reader put one
                if "width" in sub.__dict__ and key[0] != "_":
                    return True
                continue
            if key[0] != "_":
                if isinstance(sub, (dict, list)):
                    if _any(sub):
                        return True
                elif getattr(sub, "width", None) and own_width(sub):
                    return True
        return False
    if getattr(v, "width", None) and own_width(v):  # own_width needs a width attribute
        return True
    if isinstance(v, list):
        for sub in v:
            if type(sub) not in _PLAIN and _any(sub):
                return True
    return False


def collect(v: Any, path: str = "", out: list | None = None) -> list[tuple[str, int]]:
    """Every non-minimal width in the subtree of ``v``: (dotted path, octets)."""
    if out is None:
        if type(v) in _PLAIN or not _any(v):  # the common case: nothing to say, no paths built
            return []
        out = []
    if type(v) in _PLAIN:
        return out
    w = own_width(v)
    if w:
        out.append((path, w))
    if isinstance(v, dict):
        for key, sub in v.items():
            if type(sub) not in _PLAIN and key[0] != "_":
                collect(sub, f"{path}.{key}" if path else key, out)
    elif isinstance(v, list):
        for i, sub in enumerate(v):
            if type(sub) not in _PLAIN:
                collect(sub, f"{path}.{i}" if path else str(i), out)
    return out


def encode(items: list[tuple[str, int]]) -> str:
    return " ".join(str(w) if not p else f"{p}:{w}" for p, w in items)


def decode(text: str | None) -> dict[str, int]:
    """``dt:len`` text -> {path: octets} ('' is the element's own value). Bad text raises ValueError."""
    out: dict[str, int] = {}
    if not text:
        return out
    for item in text.split():
        path, _, w = item.rpartition(":")
        width = int(w)
        if not 1 <= width <= 5:
            raise ValueError(f"length width {width} is not 1..5 octets")
        out[path] = width
    return out


def apply(v: Any, width: int | None) -> Any:
    """``v`` carrying ``width`` (returns a new object for immutable values)."""
    if not width:
        return v
    if isinstance(v, dict):
        v["_width"] = width
        return v
    if isinstance(v, (bytes, bytearray)):
        return Octets(bytes(v), width)
    if isinstance(v, list):
        if not isinstance(v, ListContainer):
            v = ListContainer(v)
        v.width = width
        return v
    if isinstance(v, EnumIntegerString):
        out = EnumIntegerString.new(int(v), str(v))
        out.width = width
        return out
    if isinstance(v, int) and not isinstance(v, bool):
        return Len(int(v), width)
    if isinstance(v, str):
        out = WStr(v)
        out.width = width
        return out
    return v


def apply_paths(v: Any, items: dict[str, int]) -> Any:
    """Put every (path -> width) of ``items`` into the tree ``v``; returns the new root."""
    for path, width in items.items():
        if not path:
            v = apply(v, width)
            continue
        keys = path.split(".")
        parent = v
        for key in keys[:-1]:
            parent = parent[int(key)] if isinstance(parent, list) else parent[key]
        last = keys[-1]
        if isinstance(parent, list):
            parent[int(last)] = apply(parent[int(last)], width)
        else:
            parent[last] = apply(parent[last], width)
    return v


def len_attribute(e: Any) -> int | None:
    """An input element's own ``dt:len`` (the octets of its length or count), or None."""
    text = ours(e, "len")
    if not text:
        return None
    try:
        return decode(text).get("")
    except ValueError as err:
        raise fail(e, f"bad dt:len: {err}") from None
