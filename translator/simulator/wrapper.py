"""The server side of the IEC 62056-47 wrapper, sans-io: frames in, APDUs out, and back.

Each frame is found by ``translator.stream.framing.find_wrapper`` and built by
``translator.schema.wrapper``; the answer goes from the wPort the client addressed back to the
client's. A frame whose length field promises more than this meter ever takes is refused at once
(the connection is dropped) instead of waiting for up to 64 kB that may never come.
"""

from __future__ import annotations

from typing import Any

import construct as c

from ..client.buffers import LinkBuffers
from ..client.events import ApduReceived, ProtocolError
from ..schema._core import build
from ..schema.wrapper import WRAPPER_HEADER_LENGTH, WrapperFrame
from ..stream.framing import Frame, find_wrapper

__all__ = ["ServerWrapperLink"]

_HEADER = c.Struct(*WrapperFrame.subcons[:4])
"""The wrapper header alone (version, wPorts, length): the schema's own first four fields."""


class ServerWrapperLink(LinkBuffers):
    """One TCP connection's wrapper framing, meter side."""

    def __init__(self, max_apdu: int = 4096) -> None:
        super().__init__()
        self.max_apdu = max_apdu
        self.client_wport: int | None = None
        self.server_wport = 1

    def receive_data(self, data: bytes) -> list[Any]:
        """``ApduReceived`` per whole frame; ``ProtocolError`` for octets that are no frame or a
        frame too long (the caller drops the connection)."""
        events: list[Any] = []
        for item in self._settled(data, find_wrapper, trailing_run_waits=False):
            if isinstance(item, Frame):
                frame = item.frame
                self.client_wport = frame.source_wport
                self.server_wport = frame.destination_wport
                events.append(ApduReceived(bytes(frame.apdu), False, ()))
                continue
            events.append(ProtocolError(f"{item.end - item.start} octet(s) that are no wrapper "
                                        f"frame ({item.error.expected})"))
            self._buffer = b""
            return events
        head = self._buffer[:WRAPPER_HEADER_LENGTH]   # a frame still arriving starts there
        if len(head) == WRAPPER_HEADER_LENGTH:
            length = _HEADER.parse(head).length
            if length > self.max_apdu:
                events.append(ProtocolError(
                    f"a wrapper frame announcing {length} octets (this meter takes "
                    f"{self.max_apdu} at most)"))
                self._buffer = b""
        return events

    def send_apdu(self, apdu: bytes) -> None:
        """Queue one frame from the wPort the client addressed back to the client's."""
        self._out += build(WrapperFrame, {"source_wport": self.server_wport,
                                          "destination_wport": self.client_wport or 16,
                                          "length": None, "apdu": bytes(apdu)}, "wrapper")
