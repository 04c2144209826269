"""The help screen: every key binding and the filter words, from the app's own tables."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..filtering import __doc__ as FILTER_HELP

__all__ = ["HelpScreen"]

PANE_KEYS = [
    ("↑ ↓ PgUp PgDn", "move in the list, tree or hex pane (Home, End)"),
    ("Enter", "select the message / open a tree node"),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("/", "filter (list) or search (tree, hex: octets or text)"),
    ("n", "next search hit"),
    ("Esc", "leave the filter or search box"),
]


class HelpScreen(ModalScreen[None]):
    """Keys of the panes and the app (taken from its bindings), then the filter language."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        lines = ["[b]Keys[/b]", ""]
        for key, what in PANE_KEYS + self.bindings:
            lines.append(f"  [b]{key:<16}[/b] {what}")
        lines += ["", "[b]Filter[/b]", ""]
        lines += ["  " + line.strip() for line in (FILTER_HELP or "").splitlines()[2:]
                  if line.strip()]
        with VerticalScroll(id="help-body"):
            yield Static("\n".join(lines), markup=True)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
