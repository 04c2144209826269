"""A readable tree of decoded messages for a terminal, with each field's offset and length."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from ..message import Message
from ..tree import Node, render_value


def _label(node: Node) -> str:
    where = f" [dim]@{node.offset}+{node.length}[/dim]" if node.offset is not None else ""
    if node.children or node.value is None and node.name.startswith("["):
        return f"[bold]{escape(node.name)}[/bold]{where}{_expert(node)}"
    return (f"{escape(node.name)}: [cyan]{escape(render_value(node.value, node.name))}[/cyan]"
            f"{where}{_expert(node)}")


def _expert(node: Node) -> str:
    """The error and warnings that belong to this node, after its label."""
    out = f"  [red]error: {escape(str(node.error))}[/red]" if node.error is not None else ""
    for note in node.notes:
        out += f"  [yellow]{escape(note.severity)}: {escape(note.text)}[/yellow]"
    return out


def _add(tree: Tree, node: Node) -> None:
    for child in node.children:
        branch = tree.add(_label(child))
        _add(branch, child)


def message_tree(msg: Message, number: int | None = None, pdu_only: bool = False,
                 show_keys: bool = False) -> Tree:
    """A rich Tree of one message: its framing layers (unless ``pdu_only``) and its APDU (key
    material that deciphering revealed only with ``show_keys``)."""
    head = f"#{number} " if number is not None else ""
    what = msg.service or msg.framing
    title = f"[bold]{head}{escape(msg.framing)}[/bold] {escape(what)} [dim]@{msg.offset}+{len(msg.raw)}[/dim]"
    tree = Tree(title)
    for err in msg.errors:
        tree.add(f"[red]error: {escape(str(err))}[/red]")
    for note in msg.warnings:
        tree.add(f"[yellow]{escape(str(note))}[/yellow]")
    root = msg.view_tree(show_keys)
    for layer in root.children:
        if pdu_only and layer.name not in ("apdu", "data"):
            continue
        branch = tree.add(_label(layer))
        _add(branch, layer)
    return tree


def print_messages(messages: Iterable[Message], pdu_only: bool = False, file=None,
                   show_keys: bool = False) -> None:
    out = file or sys.stdout
    # a pipe or file gets whole lines; a terminal gets its own width
    width = None if getattr(out, "isatty", lambda: False)() else 4096
    console = Console(file=out, highlight=False, soft_wrap=True, width=width)
    for i, msg in enumerate(messages, 1):
        console.print(message_tree(msg, i, pdu_only, show_keys))
