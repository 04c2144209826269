"""What renderers and readers share: the number mode, comments, and how XML input is walked.

Readers take elements in document order through a ``Cursor`` (comments and whitespace skipped),
so a missing or misplaced element is reported where it is, with its line.
"""

from __future__ import annotations

from typing import Any

from ..errors import XmlError
from .spec import NS

__all__ = ["OUR", "Cursor", "InCtx", "OutCtx", "fail", "ours", "value_of"]

OUR = "{" + NS + "}"


class OutCtx:
    """Options of one ``to_xml`` call, and whether any of our attributes was written."""

    __slots__ = ("comments", "deciphered", "hex", "ns_used", "show_keys", "tables")

    def __init__(self, tables: Any, numbers: str = "hex", comments: bool = False,
                 show_keys: bool = False) -> None:
        if numbers not in ("hex", "dec"):
            raise ValueError(f"numbers must be 'hex' or 'dec', not {numbers!r}")
        self.hex = numbers == "hex"
        self.comments = comments
        self.show_keys = show_keys  # key material that deciphering revealed (redaction.py)
        self.ns_used = False
        self.tables = tables
        # The message's security.Unprotected until its protected APDU's element is written,
        # which then gets the <dt:Deciphered> view (see deciphered.py).
        self.deciphered: Any = None

    def mark(self, el, name: str, value: str) -> None:
        """Put one of our (namespaced) attributes on ``el``."""
        from .spec import nsattr
        el.set(nsattr(name), value)
        self.ns_used = True


class InCtx:
    """Options of one ``from_xml`` call. ``strict``: hex numbers must have the fixed width
    Gurux's translator writes (how a decimal document without a marker is told apart)."""

    __slots__ = ("hex", "strict", "tables")

    def __init__(self, tables: Any, hexmode: bool = True, strict: bool = False) -> None:
        self.hex = hexmode
        self.strict = strict
        self.tables = tables


def fail(el: Any, message: str) -> XmlError:
    """An ``XmlError`` naming the element and its line."""
    if el is None:
        return XmlError(message)
    tag = el.tag if isinstance(el.tag, str) else "?"
    line = getattr(el, "sourceline", None)
    where = f"line {line}: " if line else ""
    return XmlError(f"{where}<{tag}>: {message}")


def ours(el: Any, name: str) -> str | None:
    """One of our namespaced attributes of an input element, or None."""
    return el.get(OUR + name)


def value_of(el: Any, required: bool = True) -> str | None:
    """The ``Value`` attribute; missing is an error when ``required``."""
    v = el.get("Value")
    if v is None and required:
        raise fail(el, "missing Value attribute")
    return v


class Cursor:
    """The element children of one input element, taken in order."""

    __slots__ = ("i", "items", "parent")

    def __init__(self, parent: Any) -> None:
        self.parent = parent
        self.items = [c for c in parent if isinstance(c.tag, str)]
        self.i = 0

    def peek(self) -> Any:
        return self.items[self.i] if self.i < len(self.items) else None

    def peek_tag(self) -> str | None:
        el = self.peek()
        return None if el is None else el.tag

    def take(self, tag: str | None = None) -> Any:
        el = self.peek()
        if el is None:
            raise fail(self.parent, f"expected <{tag}>" if tag else "expected one more element")
        if tag is not None and el.tag != tag:
            raise fail(el, f"expected <{tag}> here")
        self.i += 1
        return el

    def more(self) -> bool:
        return self.i < len(self.items)

    def done(self) -> None:
        el = self.peek()
        if el is not None:
            raise fail(el, f"unexpected element in <{self.parent.tag}>")
