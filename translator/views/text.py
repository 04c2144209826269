"""A readable tree of decoded messages for a terminal, as Wireshark's packet details read:
``Class Id: 3 (Register)``, one line per A-XDR item with its type, each field's offset and length.
``raw`` keeps the schema's own field names and values (``dlms decode --raw``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ..message import Message
from ..tree import Node
from . import values


def _where(node: Node) -> str:
    return f" [dim]@{node.offset}+{node.length}[/dim]" if node.offset is not None else ""


def _raw_label(node: Node) -> str:
    if node.children or node.value is None and node.name.startswith("["):
        return f"[bold]{escape(node.name)}[/bold]{_where(node)}{_expert(node)}"
    return (f"{escape(node.name)}: [cyan]{escape(values.raw_text(node.value, node.name))}[/cyan]"
            f"{_where(node)}{_expert(node)}")


def title(name: str) -> str:
    """A field name as Wireshark shows it: ``invoke_id_and_priority`` -> ``Invoke Id And Priority``."""
    return " ".join(_ACRONYMS.get(word, word[:1].upper() + word[1:]) for word in name.split("_"))


_ACRONYMS = {"hcs": "HCS", "fcs": "FCS", "lsap": "LSAP", "pf": "P/F", "ns": "N(S)", "nr": "N(R)",
             "cosem": "COSEM", "llc": "LLC", "apdu": "APDU", "pdu": "PDU", "iv": "IV",
             "sn": "SN", "ln": "LN", "hdlc": "HDLC", "dlms": "DLMS", "gbt": "GBT", "ok": "OK"}


def _label(node: Node, siblings: dict) -> str:
    if node.children or node.value is None and node.name.startswith("["):
        return f"[bold]{escape(title(node.name))}[/bold]{_where(node)}{_expert(node)}"
    text = values.field_text(node.name, node.value, siblings) or values.leaf_text(node.value)
    return (f"{escape(title(node.name))}: [cyan]{escape(text)}[/cyan]"
            f"{_where(node)}{_expert(node)}")


def _expert(node: Node) -> str:
    """The error and warnings that belong to this node, after its label."""
    out = f"  [red]error: {escape(str(node.error))}[/red]" if node.error is not None else ""
    for note in node.notes:
        out += f"  [yellow]{escape(note.severity)}: {escape(note.text)}[/yellow]"
    return out


def data_of(node: Node) -> dict | None:
    """The ``Data`` value a node holds (its ``tag`` an A-XDR type), rebuilt from the node tree
    so the renderer sees the whole value (a push's scaler_units sit beside their values)."""
    if [c.name for c in node.children] != ["tag", "value"]:
        return None
    tag, value = node.children
    if not values.is_data({"tag": tag.value, "value": None}):
        return None
    if str(tag.value) in ("array", "structure"):
        items = [data_of(child) for child in value.children]
        if any(item is None for item in items):
            return None
        return {"tag": tag.value, "value": items}
    if value.children:                       # a date-time, bit-string or compact-array container
        return {"tag": tag.value, "value": _container(value)}
    return {"tag": tag.value, "value": value.value}


def _container(node: Node) -> dict:
    return {c.name: (_container(c) if c.children else c.value) for c in node.children}


def _add_data(tree: Tree, node: Node, texts: dict, path: tuple, named: bool) -> None:
    tag, value = node.children
    kind = values.type_name(tag.value)
    text = texts.get(path, "")
    if named:
        label = f"{escape(title(node.name))}: [cyan]{escape(text)}[/cyan] ({kind})"
    else:
        label = f"{kind}: [cyan]{escape(text)}[/cyan]"
    branch = tree.add(f"{label}{_where(node)}{_expert(node)}{_expert(tag)}{_expert(value)}")
    if str(tag.value) in ("array", "structure"):
        for i, child in enumerate(value.children):
            _add_data(branch, child, texts, (*path, i), False)


def _add(tree: Tree, node: Node, raw: bool, scaler_unit: dict | None = None) -> None:
    siblings = {child.name: child.value for child in node.children}
    for child in node.children:
        data = None if raw else data_of(child)
        if data is not None:
            _add_data(tree, child, values.item_texts(data, scaler_unit), (),
                      not child.name.startswith("["))
            continue
        branch = tree.add(_raw_label(child) if raw else _label(child, siblings))
        _add(branch, child, raw, scaler_unit)


def message_tree(msg: Message, number: int | None = None, pdu_only: bool = False,
                 show_keys: bool = False, raw: bool = False,
                 scaler_unit: dict | None = None) -> Tree:
    """A rich Tree of one message: its framing layers (unless ``pdu_only``) and its APDU (key
    material that deciphering revealed only with ``show_keys``); ``raw`` for the schema's
    field names and values as they are. ``scaler_unit``: a Register's attribute 3 the session
    read before, applied to the numbers of this message's values."""
    head = f"#{number} " if number is not None else ""
    what = msg.service or msg.framing
    tree = Tree(f"[bold]{head}{escape(msg.framing)}[/bold] {escape(what)} "
                f"[dim]@{msg.offset}+{len(msg.raw)}[/dim]")
    for err in msg.errors:
        tree.add(f"[red]error: {escape(str(err))}[/red]")
    for note in msg.warnings:
        tree.add(f"[yellow]{escape(str(note))}[/yellow]")
    root = msg.view_tree(show_keys)
    for layer in root.children:
        if pdu_only and layer.name not in ("apdu", "data"):
            continue
        if raw:
            branch = tree.add(_raw_label(layer))
        else:
            data = data_of(layer)
            if data is not None:     # a bare A-XDR value (--layer data)
                _add_data(tree, layer, values.item_texts(data, scaler_unit), (), True)
                continue
            branch = tree.add(f"[bold]{escape(layer.name)}[/bold]{_where(layer)}{_expert(layer)}")
        _add(branch, layer, raw, scaler_unit)
    return tree


def print_messages(messages: Iterable[Message], pdu_only: bool = False, file=None,
                   show_keys: bool = False, raw: bool = False) -> None:
    out = file or sys.stdout
    # a pipe or file gets whole lines; a terminal gets its own width
    width = None if getattr(out, "isatty", lambda: False)() else 4096
    console = Console(file=out, highlight=False, soft_wrap=True, width=width)
    for i, msg in enumerate(messages, 1):
        console.print(message_tree(msg, i, pdu_only, show_keys, raw))
