"""Snapshots (pytest-textual-snapshot) of the three panes on a real capture, 80x24 and 160x48.

The scene: the Gurux HDLC session with its keys, the register's GET-Response (packet 21)
selected and, in the tree, the deciphered value node, so the hex pane shows it lit in the
plaintext. Update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` after a
deliberate change, and look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("textual")
pytest.importorskip("pytest_textual_snapshot")

from translator.security import Keyring
from translator.tui.app import InspectorApp
from translator.tui.source import CaptureSource
from translator.tui.widgets.message_list import MessageList

from .test_tui import _highlight, _loaded

CAPTURES = Path(__file__).resolve().parent.parent / "captures"
CAPTURE = CAPTURES / "gurux_session_hdlc_tcp4059_suite0_hlsgmac.pcapng"


def scene() -> InspectorApp:
    keys = Keyring.load(CAPTURES / "gurux_default_keys.toml")
    return InspectorApp(CaptureSource(CAPTURE, keys))


async def select_value(pilot) -> None:
    """Wait for the whole file, select packet 21, put the tree cursor on the value."""
    app = pilot.app
    await _loaded(app, pilot)
    index = next(i for i, row in enumerate(app.rows) if row.number == 21)
    app.query_one(MessageList).select_row(index)
    await pilot.pause()
    await _highlight(app, pilot, ["plaintext", "body", "get_response", "result", "value", "value"])
    await pilot.pause(0.2)


def test_three_panes_80x24(snap_compare):
    assert snap_compare(scene(), terminal_size=(80, 24), run_before=select_value)


def test_three_panes_160x48(snap_compare):
    assert snap_compare(scene(), terminal_size=(160, 48), run_before=select_value)
