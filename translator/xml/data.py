"""A-XDR ``Data`` values both ways: ``<UInt32 Value="..">``, ``<Structure Qty="..">`` and the rest.

The element of each data type and its value format come from ``data_types`` in
``specs/xml_simple.json``; array, structure and compact-array are the composite cases handled here.
"""

from __future__ import annotations

from typing import Any

from construct import ListContainer

from . import widths
from .comments import data_comments, value_comment
from .context import Cursor, InCtx, OutCtx, fail
from .formats import FORMATS, num_parse, num_text, qty_text
from .spec import simple_spec
from .writer import Comment, El, Lines, serialize

__all__ = ["DATA", "DataType"]

_SPEC = simple_spec()


class DataType:
    """The built-in node type ``data``: one tagged A-XDR value as one element."""

    def __init__(self) -> None:
        self.by_tag: dict[str, tuple[str, str]] = {
            tag: (d["element"], d["format"]) for tag, d in _SPEC["data_types"].items()}
        self.by_element: dict[str, str] = {el: tag for tag, (el, _) in self.by_tag.items()}
        self.first_tags = frozenset(self.by_element)
        self.fast = {tag: (el, kind, FORMATS.get(kind)) for tag, (el, kind) in self.by_tag.items()}
        ca = _SPEC["compact_array"]
        self.ca_description, self.ca_contents = ca["description"], ca["contents"]

    # --- output -------------------------------------------------------------------------------
    def write(self, value: Any, parent: El, ctx: OutCtx) -> None:
        if ctx.comments:
            text = value_comment(str(value["tag"]), value["value"])
            if text:
                parent.add(Comment(text))
            parent.add(self.element(value, ctx))
            return
        tag = str(value["tag"])
        if tag in ("array", "structure"):
            out = Lines()
            self._lines(tag, value["value"], 0, out, ctx)
            parent.children.append(out)
        else:
            parent.children.append(self.typed(tag, value["value"], ctx))

    def _lines(self, tag: str, v: Any, depth: int, out: Lines, ctx: OutCtx) -> None:
        """Lines of one value (no comments): the fast path for big structures and arrays."""
        element, kind, fmt = self.fast[tag]
        if kind == "array" and not widths.own_width(v):
            out.append((depth, f'<{element} Qty="{qty_text(len(v), ctx)}" >'))
            inner = depth + 1
            for item in v:
                self._lines(item["tag"], item["value"], inner, out, ctx)
            out.append((depth, f"</{element}>"))
            return
        text = fmt.text(v, ctx) if fmt is not None else None
        if text is not None:
            out.append((depth, f'<{element} Value="{text}" />'))
            return
        el = self.typed(str(tag), v, ctx)
        if type(el) is str:
            out.append((depth, el))
        else:
            out.extend((depth, line) for line in serialize(el).splitlines())

    def element(self, value: Any, ctx: OutCtx) -> El | str:
        """The element of one value (a ``str`` for a plain leaf, see ``writer.El``)."""
        return self.typed(str(value["tag"]), value["value"], ctx)

    def typed(self, tag: str, v: Any, ctx: OutCtx, fast: bool = True) -> El | str:
        element, kind = self.by_tag[tag]
        if kind == "array":
            el = El(element, {"Qty": qty_text(len(v), ctx)}, container=True)
            w = widths.own_width(v)
            if w:
                ctx.mark(el, "len", str(w))
            children = [self.element(item, ctx) for item in v]
            if ctx.comments:
                data_comments(el, v, children, ctx)
            else:
                el.children = children
            return el
        if kind == "compact_array":
            return self._compact(v, ctx)
        fmt = FORMATS[kind]
        text = fmt.text(v, ctx) if fast else None
        if text is not None:
            return f'<{element} Value="{text}" />'
        el = El(element)
        fmt.write(v, el, ctx)
        return el

    def _compact(self, v: Any, ctx: OutCtx) -> El:
        el = El(self.by_tag["compact_array"][0], container=True)
        desc = v["contents_description"]
        d = el.add(El(self.ca_description, container=True))
        d.add(self._desc(desc, ctx))
        rows = v["array_contents"]
        a = el.add(El(self.ca_contents, container=True))
        w = widths.own_width(rows)
        if w:
            ctx.mark(a, "len", str(w))
        for row in rows:
            a.add(self._row(desc, row, ctx))
        return el

    def _desc(self, desc: Any, ctx: OutCtx) -> El:
        tag = str(desc["tag"])
        element = self.by_tag[tag][0]
        if tag == "structure":
            members = desc["description"]
            el = El(element, {"Qty": qty_text(len(members), ctx)}, container=True)
            w = widths.own_width(members)
            if w:
                ctx.mark(el, "len", str(w))
            for m in members:
                el.add(self._desc(m, ctx))
            return el
        if tag == "array":
            inner = desc["description"]
            el = El(element, {"Qty": num_text(inner["number_of_elements"], 16, ctx)}, container=True)
            el.add(self._desc(inner["type_description"], ctx))
            return el
        return El(element)

    def _row(self, desc: Any, row: Any, ctx: OutCtx) -> El:
        tag = str(desc["tag"])
        if tag == "structure":
            el = El(self.by_tag[tag][0], {"Qty": qty_text(len(row), ctx)}, container=True)
            for m, value in zip(desc["description"], row, strict=True):
                el.add(self._row(m, value, ctx))
            return el
        if tag == "array":
            inner = desc["description"]["type_description"]
            el = El(self.by_tag[tag][0], {"Qty": qty_text(len(row), ctx)}, container=True)
            for value in row:
                el.add(self._row(inner, value, ctx))
            return el
        return self.typed(tag, row, ctx)

    # --- input --------------------------------------------------------------------------------
    def read(self, parent: Any, cur: Cursor, ctx: InCtx) -> Any:
        e = cur.take()
        tag = self.by_element.get(e.tag)
        if tag is None:
            raise fail(e, "expected an A-XDR data element (UInt8, Structure, OctetString ...)")
        return {"tag": tag, "value": self.read_typed(tag, e, ctx)}

    def read_typed(self, tag: str, e: Any, ctx: InCtx) -> Any:
        kind = self.by_tag[tag][1]
        cur = Cursor(e)
        if kind == "array":
            items = ListContainer()
            while cur.more():
                items.append(self.read(e, cur, ctx))
            return widths.apply(items, widths.len_attribute(e))
        if kind == "compact_array":
            return self._read_compact(e, cur, ctx)
        value = FORMATS[kind].read(e, cur, ctx)
        cur.done()
        return value

    def _read_compact(self, e: Any, cur: Cursor, ctx: InCtx) -> Any:
        d = cur.take(self.ca_description)
        dcur = Cursor(d)
        desc = self._read_desc(dcur.take(), ctx)
        dcur.done()
        a = cur.take(self.ca_contents)
        cur.done()
        rows = ListContainer(self._read_row(desc, r, ctx) for r in Cursor(a).items)
        return {"contents_description": desc, "array_contents": widths.apply(rows, widths.len_attribute(a))}

    def _read_desc(self, e: Any, ctx: InCtx) -> Any:
        tag = self.by_element.get(e.tag)
        if tag is None or tag == "compact_array":
            raise fail(e, "expected a type description element")
        cur = Cursor(e)
        if tag == "structure":
            members = ListContainer(self._read_desc(m, ctx) for m in cur.items)
            return {"tag": tag, "description": widths.apply(members, widths.len_attribute(e))}
        if tag == "array":
            qty = e.get("Qty")
            if qty is None:
                raise fail(e, "an array type description needs Qty")
            inner = self._read_desc(cur.take(), ctx)
            cur.done()
            return {"tag": tag, "description": {
                "number_of_elements": num_parse(e, qty, 16, False, ctx.hex),
                "type_description": inner}}
        cur.done()
        return {"tag": tag, "description": None}

    def _read_row(self, desc: Any, e: Any, ctx: InCtx) -> Any:
        tag = str(desc["tag"])
        want = self.by_tag[tag][0]
        if e.tag != want:
            raise fail(e, f"expected <{want}> as the type description says")
        if tag == "structure":
            members = desc["description"]
            items = Cursor(e).items
            if len(items) != len(members):
                raise fail(e, f"{len(items)} member(s) where the type description has {len(members)}")
            return ListContainer(self._read_row(m, x, ctx) for m, x in zip(members, items))
        if tag == "array":
            inner = desc["description"]["type_description"]
            return ListContainer(self._read_row(inner, x, ctx) for x in Cursor(e).items)
        return self.read_typed(tag, e, ctx)


DATA = DataType()
