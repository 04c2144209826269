"""The keys dialog: a block cipher and an authentication key, typed masked, never echoed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

__all__ = ["KeysScreen"]


class KeysScreen(ModalScreen[dict[str, str] | None]):
    """Returns ``{"block_cipher_key": hex, "authentication_key": hex}`` (empty ones left out)
    or None when cancelled; the app builds the Keyring (and reports a bad key by name only)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="keys-dialog"):
            yield Label("Keys for this capture (used as [default], for every system title)", markup=False)
            yield Label("Block cipher key (EK, 32 hex digits)")
            yield Input(password=True, id="block-cipher-key", placeholder="hidden as typed")
            yield Label("Authentication key (AK, optional)")
            yield Input(password=True, id="authentication-key", placeholder="hidden as typed")
            yield Label("", id="keys-error")
            with Horizontal(id="keys-buttons"):
                yield Button("Decipher", variant="primary", id="keys-ok")
                yield Button("Cancel", id="keys-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "keys-ok":
            self._submit()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def _submit(self) -> None:
        values = {name: self.query_one(f"#{name.replace('_', '-')}", Input).value.strip()
                  for name in ("block_cipher_key", "authentication_key")}
        values = {k: v.replace(" ", "") for k, v in values.items() if v}
        if not values:
            self.query_one("#keys-error", Label).update("type at least the block cipher key")
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
