"""The generic walker: node specs of ``specs/xml_simple.json`` compiled into writers and readers.

A node renders one field of a decoded container (or one APDU body) as an element, or inline into
its parent; the same node reads that element back into the container the schema builds. There is
no code per APDU: struct nodes walk their fields in order, choice nodes pick the variant by tag
(output) or by element name (input), list nodes add ``Qty``, leaf nodes call a format.
"""

from __future__ import annotations

from typing import Any

from construct import ListContainer

from ..errors import EncodeError
from . import widths
from .comments import field_comment
from .context import Cursor, InCtx, OutCtx, fail
from .data import DATA
from .formats import FORMATS, Format, qty_text
from .spec import simple_spec
from .writer import Comment, El

__all__ = ["TABLES", "Node", "Tables"]


class Node:
    """One compiled node: ``write`` into a parent element, ``read`` from a cursor."""

    __slots__ = ("element", "first_tags", "name", "optional")

    def __init__(self, spec: dict) -> None:
        self.name: str | None = spec.get("name")
        self.element: str | None = spec.get("element")
        self.optional: bool = bool(spec.get("optional"))
        self.first_tags: frozenset[str] = frozenset({self.element} if self.element else ())

    def write(self, value: Any, parent: El, ctx: OutCtx) -> None:
        raise NotImplementedError

    def read(self, cur: Cursor, parent: Any, ctx: InCtx) -> Any:
        raise NotImplementedError

    def present(self, cur: Cursor) -> bool:
        return cur.peek_tag() in self.first_tags


class TypeNode(Node):
    """A node whose content is a composite type (struct, choice) or A-XDR data."""

    __slots__ = ("typ",)

    def __init__(self, spec: dict, typ: Any) -> None:
        super().__init__(spec)
        self.typ = typ
        if not self.element:
            self.first_tags = typ.first_tags

    def write(self, value, parent, ctx):
        if self.element is None:
            self.typ.write(value, parent, ctx)
            return
        el = El(self.element, container=True)
        parent.children.append(el)
        self.typ.write(value, el, ctx)

    def read(self, cur, parent, ctx):
        if self.element is None:
            return self.typ.read(parent, cur, ctx)
        e = cur.take(self.element)
        sub = Cursor(e)
        value = self.typ.read(e, sub, ctx)
        sub.done()
        return value


class ComponentsNode(TypeNode):
    """The ACSE components of an AARQ/AARE/RLRQ/RLRE body, inline in the APDU's element."""

    __slots__ = ("table",)

    def __init__(self, spec: dict) -> None:
        super().__init__(spec, _Placeholder())
        self.table: str = spec["components"]


class FormatNode(Node):
    """A leaf: a format writes the Value (or a few child elements)."""

    __slots__ = ("fmt", "head", "text")

    def __init__(self, spec: dict, fmt: Any) -> None:
        super().__init__(spec)
        self.fmt = fmt
        # bound once: the hot path of every leaf; None when the format never gives a plain Value
        self.text = fmt.text if type(fmt).text is not Format.text else None
        self.head = f'<{self.element} Value="'

    def write(self, value, parent, ctx):
        if self.element is None:
            self.fmt.write(value, parent, ctx)
            return
        if self.text is not None:
            text = self.text(value, ctx)
            if text is not None:
                parent.children.append(self.head + text + '" />')
                return
        el = El(self.element)
        self.fmt.write(value, el, ctx)
        parent.add(el)

    def read(self, cur, parent, ctx):
        if self.element is None:
            return self.fmt.read(parent, cur, ctx)
        e = cur.take(self.element)
        sub = Cursor(e)
        value = self.fmt.read(e, sub, ctx)
        sub.done()
        return value


class ListNode(Node):
    """A SEQUENCE OF: an element with ``Qty`` holding one item node per element."""

    __slots__ = ("item", "pad")

    def __init__(self, spec: dict, item: Node) -> None:
        super().__init__(spec)
        self.item = item
        self.pad = 1 if spec.get("qty") == "qty1" else 2

    def write(self, value, parent, ctx):
        el = El(self.element, {"Qty": qty_text(len(value), ctx, self.pad)}, container=True)
        w = widths.own_width(value)
        if w:
            ctx.mark(el, "len", str(w))
        parent.add(el)
        for item in value:
            self.item.write(item, el, ctx)

    def read(self, cur, parent, ctx):
        e = cur.take(self.element)
        sub = Cursor(e)
        items = ListContainer()
        while sub.more():
            items.append(self.item.read(sub, e, ctx))
        return widths.apply(items, widths.len_attribute(e))


class Struct:
    """Fields in wire order; inline fields write into the same element."""

    __slots__ = ("fields", "first_tags", "type_name")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.fields: list[Node] = []
        self.first_tags: frozenset[str] = frozenset()

    def write(self, value, el, ctx):
        if not ctx.comments:  # the common case, without the comment checks
            for f in self.fields:
                name = f.name
                v = value.get(name) if name else value
                if v is None and f.optional:
                    continue
                f.write(v, el, ctx)
            return
        for f in self.fields:
            v = value.get(f.name) if f.name else value
            if v is None and f.optional:
                continue
            if f.name:
                text = field_comment(f.name, v)
                if text:
                    el.add(Comment(text))
            f.write(v, el, ctx)

    def read(self, el, cur, ctx):
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.optional and not f.present(cur):
                out[f.name] = None
                continue
            out[f.name] = f.read(cur, el, ctx)
        return out


class Choice:
    """A CHOICE: ``{tag, body}``; the variant's element names the alternative on input."""

    __slots__ = ("body", "by_element", "first_tags", "tag", "type_name", "variants")

    def __init__(self, type_name: str, tag: str, body: str) -> None:
        self.type_name = type_name
        self.tag = tag
        self.body = body
        self.variants: dict[str, Node] = {}
        self.by_element: dict[str, str] = {}
        self.first_tags: frozenset[str] = frozenset()

    def write(self, value, el, ctx):
        tag = value[self.tag]
        node = self.variants.get(str(tag))
        if node is None:
            raise EncodeError(f"{self.type_name}: no XML element for alternative {tag!r}")
        node.write(value[self.body], el, ctx)

    def read(self, el, cur, ctx):
        e = cur.peek()
        if e is None:
            raise fail(el, f"expected one of <{'>, <'.join(sorted(self.by_element))}>")
        name = self.by_element.get(e.tag)
        if name is None:
            raise fail(e, f"expected one of <{'>, <'.join(sorted(self.by_element))}>")
        return {self.tag: name, self.body: self.variants[name].read(cur, el, ctx)}


class Components:
    """ACSE components (AARQ, AARE, RLRQ, RLRE): one element per component, in wire order."""

    __slots__ = ("by_element", "first_tags", "name", "nodes", "unknown")

    def __init__(self, name: str, nodes: dict[str, Node], unknown: Node,
                 apdu_elements: frozenset[str]) -> None:
        self.name = name
        self.nodes = nodes
        self.unknown = unknown
        self.by_element: dict[str, str] = {}
        for comp, node in nodes.items():
            if node.element:
                self.by_element[node.element] = comp
            else:  # user-information: the xDLMS APDU's own element
                for tag in apdu_elements:
                    self.by_element[tag] = comp
        self.first_tags = frozenset(self.by_element)

    def write(self, value, el, ctx):
        w = widths.own_width(value)
        if w:
            ctx.mark(el, "len", str(w))
        nodes = self.nodes
        for item in value:
            tag = item["tag"]
            node = nodes.get(tag) if isinstance(tag, str) else None  # str subclasses hash alike
            if node is None:
                child = El(self.unknown.element, {"Tag": format(int(tag), "02X")})
                self.unknown.fmt.write(item["value"], child, ctx)
                el.add(child)
                continue
            node.write(item["value"], el, ctx)

    def read(self, el, cur, ctx):
        items = ListContainer()
        while cur.more():
            e = cur.peek()
            if e.tag == self.unknown.element:
                cur.take()
                tag = e.get("Tag")
                if tag is None:
                    raise fail(e, "an unknown component needs Tag")
                from .formats import num_parse
                items.append({"tag": num_parse(e, tag, 8, False, True),
                              "value": self.unknown.fmt.read(e, Cursor(e), ctx)})
                continue
            comp = self.by_element.get(e.tag)
            if comp is None:
                raise fail(e, f"not a component of {self.name.upper()}")
            items.append({"tag": comp, "value": self.nodes[comp].read(cur, el, ctx)})
        return widths.apply(items, widths.len_attribute(el))


class Tables:
    """Every node of the spec, compiled; ``apdu_write`` / ``apdu_read`` are the entry points."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self._pending_components: list[ComponentsNode] = []
        self.types: dict[str, Any] = {}
        self.apdus: dict[str, Node] = {n: self.node(s) for n, s in spec["apdus"].items()}
        self.apdu_by_element = {node.element: name for name, node in self.apdus.items()}
        self.apdu_elements = frozenset(self.apdu_by_element) | {"UserInformation"}
        self.components = {
            name: Components(name, {c: self.node(s) for c, s in table.items()},
                             self.node(spec["components"]["unknown"]), self.apdu_elements)
            for name, table in spec["components"].items() if name != "unknown"}
        self._finish_components()

    def _finish_components(self) -> None:
        for node in self._pending_components:
            node.typ = self.components[node.table]
            node.first_tags = node.typ.first_tags

    def node(self, spec: dict) -> Node:
        if "list" in spec:
            return ListNode(spec, self.node(spec["list"]))
        if "format" in spec:
            fmt = FORMATS.get(spec["format"])
            if fmt is None:
                from . import acse
                fmt = acse.FORMATS[spec["format"]]
            return FormatNode(spec, fmt)
        if "components" in spec:
            node = ComponentsNode(spec)
            self._pending_components.append(node)
            return node
        if "type" in spec:
            return TypeNode(spec, self.type(spec["type"]))
        raise ValueError(f"xml_simple.json: a node needs list, format, type or components: {spec}")

    def type(self, name: str) -> Any:
        if name == "data":
            return DATA
        if name in self.types:
            return self.types[name]
        spec = self.spec["types"].get(name)
        if spec is None:
            raise ValueError(f"xml_simple.json: unknown type {name!r}")
        if "choice" in spec:
            typ = Choice(name, spec["choice"]["tag"], spec["choice"]["body"])
            self.types[name] = typ
            for variant, vspec in spec["variants"].items():
                node = self.node(vspec)
                if not node.element:
                    raise ValueError(f"xml_simple.json: variant {variant} of {name} needs an element")
                typ.variants[variant] = node
                typ.by_element[node.element] = variant
            typ.first_tags = frozenset(typ.by_element)
            return typ
        typ = Struct(name)
        self.types[name] = typ
        typ.fields = [self.node(f) for f in spec["fields"]]
        first = typ.fields[0] if typ.fields else None
        typ.first_tags = first.first_tags if first is not None else frozenset()
        return typ

    # --- APDUs ----------------------------------------------------------------------------------
    def apdu_write(self, apdu: Any, parent: El, ctx: OutCtx, need_el: bool = False) -> El | str:
        """Render a decoded APDU container ``{tag, body}``; returns its element (an ``El`` with
        ``need_el``, else possibly the text of a leaf APDU such as ``<glo_GetRequest Value=..>``)."""
        name = str(apdu["tag"])
        node = self.apdus.get(name)
        if node is None:
            raise EncodeError(f"no simple-XML element for APDU {name!r}")
        sec = ctx.deciphered
        if sec is not None and name == sec.protected_name:
            need_el = True
        else:
            sec = None
        before = len(parent.children)
        node.write(apdu["body"], parent, ctx)
        el = parent.children[before] if len(parent.children) > before else parent
        if need_el and isinstance(el, str):
            el = El(node.element)
            node.fmt.write(apdu["body"], el, ctx)
            parent.children[before] = el
        if sec is not None:  # the message's protected APDU: its cleartext goes inside
            from .deciphered import element
            ctx.deciphered = None
            el.add(element(sec, ctx))
            el.container = True
        return el

    def apdu_read(self, cur: Cursor, parent: Any, ctx: InCtx) -> dict:
        e = cur.peek()
        name = self.apdu_by_element.get(e.tag) if e is not None else None
        if name is None:
            raise fail(e if e is not None else parent, "expected an APDU element")
        return {"tag": name, "body": self.apdus[name].read(cur, parent, ctx)}

    def is_apdu(self, tag: str) -> bool:
        return tag in self.apdu_by_element


class _Placeholder:
    first_tags: frozenset = frozenset()


TABLES = Tables(simple_spec())
