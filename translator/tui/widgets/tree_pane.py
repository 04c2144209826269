"""The decoded tree of the selected message, each node carrying its layer and span.

Children are added when a node is first expanded, so a profile of thousands of entries costs
nothing until it is opened; labels render values the way every view does (``render_value``).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...message import Message
from ...tree import Node
from ...views.values import raw_text as render_value
from ..layout import Layer, layers

__all__ = ["TreePane", "label"]

Data = tuple[Layer, Node]


def label(node: Node) -> Text:
    """``name: value @offset+length``, composites by name alone."""
    text = Text(node.name, style="bold" if node.children else "")
    if not node.children and not (node.value is None and node.name.startswith("[")):
        text.append(": ")
        text.append(render_value(node.value, node.name))
    if node.offset is not None:
        text.append(f"  @{node.offset}+{node.length}", style="dim")
    return text


class TreePane(Tree[Data]):
    """Layers of one message from the outside in; the first layer of interest opened."""

    def __init__(self, **kwargs) -> None:
        super().__init__("no message", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self.message: Message | None = None

    def show(self, message: Message | None, errors: list[str] | None = None) -> None:
        self.clear()
        self.message = message
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

    def _add(self, parent: TreeNode[Data], layer: Layer, node: Node) -> TreeNode[Data]:
        if node.children:
            return parent.add(label(node), data=(layer, node), allow_expand=True)
        return parent.add_leaf(label(node), data=(layer, node))

    def _populate(self, branch: TreeNode[Data]) -> None:
        if branch.children or branch.data is None:
            return
        layer, node = branch.data
        for child in node.children:
            self._add(branch, layer, child)

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
