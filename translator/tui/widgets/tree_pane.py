"""The decoded tree of the selected message, each node carrying its layer and span.

Children are added when a node is first expanded, so a profile of thousands of entries costs
nothing until it is opened; labels read as the text tree's do (``views.values``: class and OBIS
names, split invoke ids, one line per A-XDR item with its type, scaled values), while every node
keeps its own span for the hex pane.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...message import Message
from ...tree import Node
from ...views import values
from ...views.text import data_of, title
from ..layout import Layer, layers

__all__ = ["TreePane", "label"]

Data = tuple[Layer, Node]


def label(node: Node, siblings: dict | None = None, data: str | None = None) -> Text:
    """``Name: value @offset+length``, composites by name alone; ``data`` is the rendered line
    of an A-XDR item (``double-long-unsigned: 826 W``)."""
    if data is not None:
        text = Text(data)
    else:
        text = Text(title(node.name) if not node.name.startswith("[") else node.name,
                    style="bold" if node.children else "")
    if data is None and not node.children and not (node.value is None and node.name.startswith("[")):
        text.append(": ")
        shown = values.field_text(node.name, node.value, siblings)
        text.append(shown if shown is not None else values.leaf_text(node.value))
    if node.offset is not None:
        text.append(f"  @{node.offset}+{node.length}", style="dim")
    return text


def data_lines(node: Node) -> dict[int, str]:
    """The rendered line of a ``Data`` node and of each of its items, by node identity."""
    data = data_of(node)
    if data is None:
        return {}
    texts = values.item_texts(data)
    out: dict[int, str] = {}

    def walk(item: Node, path: tuple, named: bool) -> None:
        tag, value = item.children
        kind = values.type_name(tag.value)
        text = texts.get(path, "")
        out[id(item)] = f"{title(item.name)}: {text} ({kind})" if named else f"{kind}: {text}"
        if str(tag.value) in ("array", "structure"):
            for i, child in enumerate(value.children):
                walk(child, (*path, i), False)

    walk(node, (), not node.name.startswith("["))
    return out


class TreePane(Tree[Data]):
    """Layers of one message from the outside in; the first layer of interest opened."""

    def __init__(self, **kwargs) -> None:
        super().__init__("no message", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.message: Message | None = None
        self._lines: dict[int, str] = {}

    def show(self, message: Message | None, errors: list[str] | None = None) -> None:
        self.clear()
        self.message = message
        self._lines = {}
        if message is None:
            self.root.add_leaf("(no decodable octets)")
            return
        for error in errors or []:
            self.root.add_leaf(Text(f"error: {error}", style="bold red"))
        opened = None
        for layer in layers(message):
            branch = self._add(self.root, layer, layer.node)
            if layer.name in ("apdu", "plaintext", "data"):
                opened = branch
        if opened is not None:
            opened.expand()
            self._populate(opened)

    def _add(self, parent: TreeNode[Data], layer: Layer, node: Node,
             siblings: dict | None = None) -> TreeNode[Data]:
        if id(node) not in self._lines:
            self._lines.update(data_lines(node))
        text = label(node, siblings, self._lines.get(id(node)))
        if node.children:
            return parent.add(text, data=(layer, node), allow_expand=True)
        return parent.add_leaf(text, data=(layer, node))

    def _populate(self, branch: TreeNode[Data]) -> None:
        if branch.children or branch.data is None:
            return
        layer, node = branch.data
        siblings = {child.name: child.value for child in node.children}
        for child in node.children:
            self._add(branch, layer, child, siblings)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Data]) -> None:
        self._populate(event.node)

    def expand_path(self, path: list[Node]) -> TreeNode[Data] | None:
        """Open the branches down to ``path[-1]`` (nodes from a layer down) and return it."""
        current = self.root
        for target in path:
            self._populate(current)
            found = next((c for c in current.children if c.data and c.data[1] is target), None)
            if found is None:
                return None
            if target is not path[-1]:
                found.expand()
            current = found
        return current
