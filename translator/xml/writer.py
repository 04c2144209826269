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
    if text.isalnum():  # hex numbers and names, nearly every value: nothing to escape
        return text
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
    attrs = el.attrs
    if not attrs:
        return "<" + el.tag
    return "<" + el.tag + " " + " ".join(
        [k + '="' + (v if v.isalnum() else v.translate(_ESCAPES)) + '"' for k, v in attrs.items()])


def serialize(el: El, indent: str = "  ", root_flat: bool = False) -> str:
    """The element as text, one element per line, children indented by ``indent``.

    With ``root_flat`` the root's children start at column 0, as Gurux writes its frame envelopes
    (``<HDLC len="..">`` then ``<TargetAddress ../>`` unindented).
    """
    out: list[str] = []
    _write(el, out, "", indent, root_flat)
    return "\n".join(out) + "\n"


def _write(el: El, out: list[str], pad: str, indent: str, flat: bool = False) -> None:
    # the hot loop of hex -> XML: tags without attributes skip _start, and childless element
    # children are written here rather than by a call each
    attrs = el.attrs
    start = _start(el) if attrs else "<" + el.tag
    append = out.append
    children = el.children
    if not children:
        if el.container:
            append(pad + start + (" >" if attrs else ">"))
            append(pad + "</" + el.tag + ">")
        else:
            append(pad + start + " />")
        return
    append(pad + start + (" >" if attrs else ">"))
    inner = pad if flat else pad + indent
    for child in children:
        kind = type(child)
        if kind is str:
            append(inner + child)
        elif kind is El:
            if child.children or child.container:
                _write(child, out, inner, indent)
            elif child.attrs:
                append(inner + _start(child) + " />")
            else:
                append(inner + "<" + child.tag + " />")
        elif kind is Lines:  # an A-XDR value's lines: one prefix per depth, made once
            prefixes: dict[int, str] = {}
            for depth, text in child:
                prefix = prefixes.get(depth)
                if prefix is None:
                    prefix = prefixes[depth] = inner + indent * depth
                append(prefix + text)
        elif kind is Comment:
            append(inner + "<!--" + child.text + "-->")
        else:
            _write(child, out, inner, indent)
    append(pad + "</" + el.tag + ">")
