"""Exports: the selected message as simple XML or JSON, the filtered list as JSONL.

Key material a deciphering revealed stays redacted, as in ``dlms capture`` without
``--show-keys``; the TUI has no switch to show it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..message import Message
from ..views.jsonview import message_to_json
from .rows import Row, row_json

__all__ = ["message_json", "message_xml", "rows_jsonl"]


def message_xml(msg: Message) -> str:
    from ..xml import to_xml

    return to_xml(msg, dialect="simple", show_keys=False)


def message_json(msg: Message) -> str:
    return json.dumps(message_to_json(msg, show_keys=False), indent=2, default=str)


def rows_jsonl(rows: Iterable[Row]) -> str:
    return "".join(json.dumps(row_json(row), default=str) + "\n" for row in rows)
