"""General-block-transfer on the meter side: long responses out in GBT blocks, long requests in.

When the client proposes general-block-transfer, a response (already protected) longer than the
client's max PDU goes out as numbered GBT blocks (``translator.schema.gbt``): a window of blocks,
the last of each window without the streaming bit, the next window when the client acknowledges
(a GBT block without data whose control names its window). Blocks the client sends are joined
and the whole APDU is then answered like any other.
"""

from __future__ import annotations

from typing import Any

from ..schema._core import build
from ..schema.apdu import Apdu

__all__ = ["BlockTransfer"]

_HEADER = 8
"""Octets a GBT APDU adds around its block data (tag, control, two numbers, a 3-octet length)."""

MAX_JOINED = 1 << 20


class BlockTransfer:
    """GBT state of one association."""

    def __init__(self) -> None:
        self.enabled = False
        self.client_max_pdu = 0xFFFF
        self.window = 1
        self._outgoing: list[bytes] = []
        self._sent = 0
        self._incoming: list[bytes] = []
        self._acked = 0

    def send(self, apdu: bytes) -> list[bytes]:
        """``apdu`` as it is, or its first window of blocks when it is too long."""
        if not self.enabled or len(apdu) <= self.client_max_pdu:
            return [apdu]
        size = max(1, self.client_max_pdu - _HEADER)
        self._outgoing = [apdu[i:i + size] for i in range(0, len(apdu), size)]
        self._sent = 0
        return self._window()

    def _window(self) -> list[bytes]:
        out = []
        for n in range(min(self.window, len(self._outgoing))):
            data = self._outgoing.pop(0)
            self._sent += 1
            last = not self._outgoing
            streaming = not last and n < self.window - 1
            out.append(self._block(self._sent, last, streaming, data))
        return out

    def _block(self, number: int, last: bool, streaming: bool, data: bytes) -> bytes:
        return build(Apdu, {"tag": "general_block_transfer", "body": {
            "block_control": {"window": self.window, "streaming": streaming, "last_block": last},
            "block_number": number, "block_number_ack": self._acked, "block_data": data}},
            "apdu")

    def receive(self, body: Any) -> tuple[bytes | None, list[bytes]]:
        """A block from the client: (the joined APDU when it was the last, blocks to send)."""
        control = body["block_control"]
        self.window = max(1, int(control["window"]))
        data = bytes(body["block_data"])
        number = int(body["block_number"])
        if not data and not control["last_block"]:   # an acknowledgement: the next window
            return None, self._window() if self._outgoing else []
        if number == 1:
            self._incoming = []
        self._incoming.append(data)
        self._acked = number
        if sum(map(len, self._incoming)) > MAX_JOINED:
            self._incoming = []
            return None, []
        if control["last_block"]:
            joined, self._incoming = b"".join(self._incoming), []
            return joined, []
        if control["streaming"]:
            return None, []
        self._sent += 1
        return None, [self._block(self._sent, False, False, b"")]
