"""A minimal element tree for writing XML, and its serializer in the layout Gurux uses.

Why not lxml or ElementTree for output: renderers often need to add an attribute to an element
after its children were made (a length width found inline, the namespace declaration on the root
once any of our attributes was written), and plain lists serialize several times faster, which is
what hex -> XML throughput is about.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Comment", "El", "attr_escape", "comment_text", "serialize"]

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def attr_escape(text: str) -> str:
    """Escape an attribute value (Gurux does not, and writes malformed XML for ``&``, ``<``, ``"``)."""
    return text.translate(_ESCAPES)


def comment_text(text: str) -> str:
    """Text that is safe inside ``<!-- -->``: no ``--`` and no trailing ``-`` (XML 1.0 2.5)."""
    text = str(text).replace("\r", " ").replace("\n", " ")
    while "--" in text:
        text = text.replace("--", "- -")
    if text.endswith("-"):
        text += " "
    return text


class Lines(list):
    """Ready-made lines ``(depth, text)`` of a subtree (depth relative to where it is placed):
    what the A-XDR renderer emits for structures, skipping element objects altogether."""

    __slots__ = ()


class Comment:
    """An XML comment placed before the next sibling element."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = comment_text(text)


class El:
    """One element: tag, attributes in insertion order, children (elements and comments).

    A child may also be a ``str``: a leaf element already written out (``<UInt8 Value="01" />``),
    which is how the common leaves skip building an object at all.

    ``container`` elements are written with a start and an end tag even when empty, as Gurux
    writes structures (``<Array Qty="00" >`` ... ``</Array>``); others self-close when empty.
    """

    __slots__ = ("attrs", "children", "container", "tag")

    def __init__(self, tag: str, attrs: dict | None = None, container: bool = False) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list = []
        self.container = container

    def set(self, name: str, value: str) -> None:
        if self.attrs is None:
            self.attrs = {}
        self.attrs[name] = value

    def get(self, name: str) -> str | None:
        return None if self.attrs is None else self.attrs.get(name)

    def add(self, child: El | Comment) -> El | Comment:
        self.children.append(child)
        return child

    def elements(self) -> Iterable[El]:
        return (c for c in self.children if isinstance(c, El))


def _start(el: El) -> str:
    if not el.attrs:
        return "<" + el.tag
    parts = [f'{k}="{attr_escape(v)}"' for k, v in el.attrs.items()]
    return "<" + el.tag + " " + " ".join(parts)


def serialize(el: El, indent: str = "  ", root_flat: bool = False) -> str:
    """The element as text, one element per line, children indented by ``indent``.

    With ``root_flat`` the root's children start at column 0, as Gurux writes its frame envelopes
    (``<HDLC len="..">`` then ``<TargetAddress ../>`` unindented).
    """
    out: list[str] = []
    _write(el, out, "", indent, root_flat)
    return "\n".join(out) + "\n"


def _write(el: El, out: list[str], pad: str, indent: str, flat: bool = False) -> None:
    start = _start(el)
    if not el.children:
        if el.container:
            out.append(pad + start + (" >" if el.attrs else ">"))
            out.append(pad + "</" + el.tag + ">")
        else:
            out.append(pad + start + " />")
        return
    out.append(pad + start + (" >" if el.attrs else ">"))
    inner = pad if flat else pad + indent
    append = out.append
    for child in el.children:
        if type(child) is str:
            append(inner + child)
        elif type(child) is Lines:
            for depth, text in child:
                append(inner + indent * depth + text)
        elif type(child) is Comment:
            append(inner + "<!--" + child.text + "-->")
        else:
            _write(child, out, inner, indent)
    out.append(pad + "</" + el.tag + ">")
